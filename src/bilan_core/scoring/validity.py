"""Validity flags: they warn the counsellor, they never change or delete an answer.

- too many missing answers (below the instrument's ``min_answered`` share);
- longstring: the same answer given many times in a row;
- inconsistent pairs: items that should be answered alike (or in mirror) are not;
- acquiescence: agreeing with items keyed both ways;
- too fast: a median time per item below the threshold, when timings are given.

Each flag's rule and text is one function below, shared by :func:`validity_flags` and by the
scoring plan (:mod:`bilan_core.scoring.plan`), which applies the same rules to positions it
computed once per instrument.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence

from bilan_core.model import Answer, Instrument, ResponseFormat, Responses, Validity

NUMERIC = (ResponseFormat.LIKERT, ResponseFormat.RATING)


def validity_flags(instrument: Instrument, responses: Responses) -> list[str]:
    """Every flag raised by these responses, in French, most serious first."""
    rules = instrument.validity
    scale = instrument.response_scale
    scored = [item for item in instrument.items
              if (item.format or scale.format) is not ResponseFormat.FREE_TEXT]
    flags = []
    answered = [item for item in scored if item.id in responses.answers]
    if scored and len(answered) / len(scored) < rules.min_answered:
        flags.append(missing_flag(len(scored) - len(answered), len(scored)))

    threshold = longstring_threshold(rules, len(scored))
    longest = longest_run(responses.answers.get(item.id) for item in scored)
    if threshold and longest >= threshold:
        flags.append(longstring_flag(longest, threshold))

    if instrument.pairs and rules.inconsistent_pairs is not None:
        items = {item.id: item for item in instrument.items}
        inconsistent = evaluated = 0
        for pair in instrument.pairs:
            low, high = scale.bounds(items[pair.first].format or scale.format)
            gap = pair_gap(low, high)
            a, b = responses.answers.get(pair.first), responses.answers.get(pair.second)
            if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
                continue  # pairs with a missing or non-numeric answer do not count
            evaluated += 1
            if pair.relation == "opposite":
                b = low + high - b
            if abs(a - b) >= gap:
                inconsistent += 1
        if inconsistent and inconsistent / evaluated >= rules.inconsistent_pairs:
            flags.append(pairs_flag(inconsistent, evaluated))

    if rules.acquiescence is not None and scale.format in NUMERIC:
        low, high = scale.bounds(scale.format)
        middle = (low + high) / 2
        direct = [responses.answers[i.id] for i in scored if i.id in responses.answers
                  and i.keys and not any(k.reverse for k in i.keys)]
        reverse = [responses.answers[i.id] for i in scored if i.id in responses.answers
                   and any(k.reverse for k in i.keys)]
        if direct and reverse:
            agree_direct = sum(1 for v in direct if _number(v) > middle) / len(direct)
            agree_reverse = sum(1 for v in reverse if _number(v) > middle) / len(reverse)
            if min(agree_direct, agree_reverse) >= rules.acquiescence:
                flags.append(acquiescence_flag(agree_direct, agree_reverse))

    flag = speed_flag(rules, [item.id for item in answered], responses.timings)
    if flag:
        flags.append(flag)
    return flags


def missing_flag(missing: int, scored: int) -> str:
    """The flag of too many items without an answer."""
    return f"réponses manquantes : {missing} item(s) sans réponse sur {scored}"


def longstring_threshold(rules: Validity, scored: int) -> int:
    """The run of identical answers that raises the flag (0: never)."""
    return (rules.longstring if rules.longstring is not None
            else max(8, math.ceil(0.2 * scored)))


def longest_run(answers: Iterable[Answer | None]) -> int:
    """The longest run of identical answers (None: no answer, which breaks a run)."""
    run, longest = 0, 0
    previous: object = None
    for answer in answers:
        typed = (type(answer), answer)  # true is not the same answer as 1
        run = run + 1 if answer is not None and typed == previous else 1
        previous = typed
        longest = max(longest, run if answer is not None else 0)
    return longest


def longstring_flag(longest: int, threshold: int) -> str:
    """The flag of a long run of identical answers."""
    return (f"réponses en série : {longest} réponses identiques à la suite"
            f" (seuil {threshold})")


def pair_gap(low: int, high: int) -> int:
    """How far apart two answers of a pair must be to count as inconsistent."""
    return math.ceil((high - low) / 2) + 1 if high - low >= 2 else 1


def pairs_flag(inconsistent: int, evaluated: int) -> str:
    """The flag of pairs answered inconsistently."""
    return (f"incohérence : {inconsistent} paire(s) d'items sur"
            f" {evaluated} reçoivent des réponses contradictoires")


def acquiescence_flag(agree_direct: float, agree_reverse: float) -> str:
    """The flag of agreeing with items keyed both ways."""
    return (f"acquiescement : accord avec {agree_direct:.0%} des items directs"
            f" et {agree_reverse:.0%} des items inversés")


def speed_flag(rules: Validity, answered: Sequence[str],
               timings: Mapping[str, float]) -> str | None:
    """The flag of answers given too fast, from the timings of the answered items."""
    if not timings:
        return None
    times = [timings[item_id] for item_id in answered if item_id in timings]
    if rules.min_seconds_per_item is not None and len(times) >= max(3, len(answered) // 2):
        median = statistics.median(times)
        if median < rules.min_seconds_per_item:
            return (f"passation trop rapide : {median:.1f} s par item en médiane"
                    f" (minimum {rules.min_seconds_per_item:g} s)")
    return None


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else float("nan")
