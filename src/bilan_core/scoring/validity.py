"""Validity flags: they warn the counsellor, they never change or delete an answer.

- too many missing answers (below the instrument's ``min_answered`` share);
- longstring: the same answer given many times in a row;
- inconsistent pairs: items that should be answered alike (or in mirror) are not;
- acquiescence: agreeing with items keyed both ways;
- too fast: a median time per item below the threshold, when timings are given.
"""

from __future__ import annotations

import math
import statistics

from bilan_core.model import Instrument, ResponseFormat, Responses

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
        flags.append(f"réponses manquantes : {len(scored) - len(answered)} item(s) sans réponse"
                     f" sur {len(scored)}")

    threshold = (rules.longstring if rules.longstring is not None
                 else max(8, math.ceil(0.2 * len(scored))))
    run, longest = 0, 0
    previous: object = None
    for item in scored:
        answer = responses.answers.get(item.id)
        typed = (type(answer), answer)  # true is not the same answer as 1
        run = run + 1 if answer is not None and typed == previous else 1
        previous = typed
        longest = max(longest, run if answer is not None else 0)
    if threshold and longest >= threshold:
        flags.append(f"réponses en série : {longest} réponses identiques à la suite"
                     f" (seuil {threshold})")

    if instrument.pairs and rules.inconsistent_pairs is not None:
        items = {item.id: item for item in instrument.items}
        inconsistent = evaluated = 0
        for pair in instrument.pairs:
            low, high = scale.bounds(items[pair.first].format or scale.format)
            gap = math.ceil((high - low) / 2) + 1 if high - low >= 2 else 1
            a, b = responses.answers.get(pair.first), responses.answers.get(pair.second)
            if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
                continue  # pairs with a missing or non-numeric answer do not count
            evaluated += 1
            if pair.relation == "opposite":
                b = low + high - b
            if abs(a - b) >= gap:
                inconsistent += 1
        if inconsistent and inconsistent / evaluated >= rules.inconsistent_pairs:
            flags.append(f"incohérence : {inconsistent} paire(s) d'items sur"
                         f" {evaluated} reçoivent des réponses contradictoires")

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
                flags.append(f"acquiescement : accord avec {agree_direct:.0%} des items directs"
                             f" et {agree_reverse:.0%} des items inversés")

    timings = [responses.timings[item.id] for item in answered if item.id in responses.timings]
    if rules.min_seconds_per_item is not None and len(timings) >= max(3, len(answered) // 2):
        median = statistics.median(timings)
        if median < rules.min_seconds_per_item:
            flags.append(f"passation trop rapide : {median:.1f} s par item en médiane"
                         f" (minimum {rules.min_seconds_per_item:g} s)")
    return flags


def _number(value: object) -> float:
    return float(value) if isinstance(value, (int, float)) else float("nan")
