"""The transversal-skills self-assessment: strengths and weaknesses from ratings and experience.

The instrument (``instruments/competences.toml``) rates twelve transversal skills; the
responses file also lists the beneficiary's experience as in a CV, each experience naming the
skills it shows. This plugin scores the instrument with the core engine, then sorts the skills:

- point fort: rated 4 or more on average *and* shown by at least one experience;
- à étayer: rated 4 or more, but no experience shows it yet;
- point faible: rated below 2.5 on average, or below 3 with no experience to show it.
"""

from __future__ import annotations

from collections import Counter

import attrs

from bilan_core import hookimpl
from bilan_core.instruments import packaged_instruments
from bilan_core.model import Instrument, InstrumentResult, NormTable, Responses
from bilan_core.scoring import score

INSTRUMENT_ID = "competences"
STRONG = 4.0
WEAK = 2.5
UNSUPPORTED_WEAK = 3.0


@hookimpl
def register_instruments(register):  # type: ignore[no-untyped-def]
    for instrument in packaged_instruments(__package__):
        register(instrument)


def strengths_and_weaknesses(instrument: Instrument, result: InstrumentResult,
                             responses: Responses) -> dict[str, str]:
    """The summary lines: strengths, skills to support with evidence, weaknesses."""
    evidence = Counter(skill for experience in responses.experience
                       for skill in experience.skills)
    strong, unproven, weak = [], [], []
    for scale_score in result.scales:
        mean = scale_score.mean
        if mean is None:
            continue
        name = instrument.scale(scale_score.scale).name
        shown = evidence[scale_score.scale]
        label = f"{name} ({mean:.1f}".replace(".", ",")
        if mean >= STRONG and shown:
            strong.append((mean, f"{label} ; {shown} expérience{'s' if shown > 1 else ''})"))
        elif mean >= STRONG:
            unproven.append((mean, f"{label})"))
        elif mean < WEAK or (mean < UNSUPPORTED_WEAK and not shown):
            weak.append((-mean, f"{label})"))
    summary = {}
    for key, rows in (("Points forts", strong), ("Compétences à étayer par un exemple", unproven),
                      ("Points faibles", weak)):
        if rows:
            summary[key] = ", ".join(text for _, text in sorted(rows, reverse=True))
    return summary


@hookimpl
def score_instrument(instrument: Instrument, responses: Responses,
                     norms: list[NormTable]) -> InstrumentResult | None:
    """Score the skills instrument and add strengths and weaknesses; leave others alone."""
    if instrument.id != INSTRUMENT_ID:
        return None
    result = score(instrument, responses, norms)
    summary = {**result.summary, **strengths_and_weaknesses(instrument, result, responses)}
    if responses.experience:
        summary["Expériences décrites"] = str(len(responses.experience))
    return attrs.evolve(result, summary=summary)
