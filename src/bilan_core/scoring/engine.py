"""Scoring an instrument's responses: item values, scale scores, proration, norms, bands.

The responses are expected to have been checked against the instrument
(:func:`bilan_core.config.responses.check_against`): unknown items and out-of-range values are
errors there; here every remaining problem (missing answers, suspicious patterns) is a flag or
a "not scorable" reason, never a silent zero.

Raw scores are computed in decimal arithmetic: an answer times a weight as written (0.8 is
0.8, not 0.8000000000000000444) and their sum are exact, so forty answers of 1 weighted 0.8
score 32 and fall in the band of 32, as a prorated 32 does. Means and prorated scores are exact
to 28 significant digits. Values become floats only once computed, before any band or cut
point is applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import attrs

from bilan_core import riasec
from bilan_core.model import (
    Answer,
    Band,
    Instrument,
    InstrumentResult,
    Item,
    Method,
    NormTable,
    ResponseFormat,
    Responses,
    ScaleScore,
)
from bilan_core.scoring import norms as norm_scores
from bilan_core.scoring import plan as scoring_plan  # uses this module at call time
from bilan_core.scoring.validity import validity_flags


def item_contributions(instrument: Instrument, item: Item,
                       answer: Answer | None) -> dict[str, float | None]:
    """What one item adds to each scale it counts towards (None: not answered)."""
    return {scale: None if value is None else float(value)
            for scale, value in exact_contributions(instrument, item, answer).items()}


def _decimal(value: float) -> Decimal:
    """A number as written: repr gives the shortest decimal that reads back as the float."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def exact_contributions(instrument: Instrument, item: Item,
                        answer: Answer | None) -> dict[str, Decimal | None]:
    """What one item adds to each scale it counts towards, exactly (None: not answered)."""
    fmt = item.format or instrument.response_scale.format
    scale = instrument.response_scale
    if fmt is ResponseFormat.FREE_TEXT:
        return {}
    if fmt in (ResponseFormat.FORCED_CHOICE, ResponseFormat.RANKING):
        out: dict[str, Decimal | None] = {}
        n = len(item.options)
        for option in item.options:
            if option.scale is None:
                continue
            if answer is None:
                out.setdefault(option.scale, None)
                continue
            if fmt is ResponseFormat.FORCED_CHOICE:
                points = Decimal(1 if answer == option.id else 0)
            else:  # ranking: first place n points, last place 1
                assert isinstance(answer, tuple)
                points = Decimal(n - answer.index(option.id))
            out[option.scale] = (out.get(option.scale) or Decimal(0)) + points
        return out
    low, high = scale.bounds(fmt)
    contributions: dict[str, Decimal | None] = {}
    for key in item.keys:
        if answer is None:
            contributions[key.scale] = None
            continue
        assert isinstance(answer, (int, float))  # checked against the instrument (bool is 1/0)
        value = _decimal(int(answer) if isinstance(answer, bool) else answer)
        if key.reverse:
            value = low + high - value
        contributions[key.scale] = value if key.weight == 1 else value * _decimal(key.weight)
    return contributions


def score(instrument: Instrument, responses: Responses,
          norms: Sequence[NormTable] = ()) -> InstrumentResult:
    """Score responses: every scale, norm scores from the first table that has them, flags."""
    table = norms[0] if norms else None
    result = scoring_plan.plan_for(instrument).scorer(table).score(responses)
    return result if result is not None else score_each_item(instrument, responses, table)


def score_each_item(instrument: Instrument, responses: Responses,
                    table: NormTable | None) -> InstrumentResult:
    """Score item by item: the general path, for the answers a scoring plan does not take."""
    per_scale: dict[str, list[Decimal | None]] = {s.id: [] for s in instrument.scales}
    free_text: dict[str, str] = {}
    for item in instrument.items:
        answer = responses.answers.get(item.id)
        if (item.format or instrument.response_scale.format) is ResponseFormat.FREE_TEXT:
            if isinstance(answer, str) and answer.strip():
                free_text[item.id] = answer
            continue
        for scale_id, value in exact_contributions(instrument, item, answer).items():
            per_scale[scale_id].append(value)

    scales = []
    for scale_id, values in per_scale.items():
        answered = [v for v in values if v is not None]
        scales.append(scale_score(instrument, scale_id, sum(answered, Decimal(0)),
                                  len(answered), len(values), table))
    flags = validity_flags(instrument, responses)
    summary: dict[str, str] = {}
    if instrument.profile == "riasec":
        summary = riasec_summary(scales)
    return InstrumentResult(
        instrument=instrument.id, version=instrument.version, scales=tuple(scales),
        title=instrument.title,
        flags=tuple(flags), norm_group=table.group if table else None,
        norms_illustrative=bool(table and table.illustrative), summary=summary,
        interpretations=tuple(band_texts(instrument, scales)), free_text=free_text,
        scale_names={s.id: s.name for s in instrument.scales},
        answer_range=answer_range(instrument), method=main_method(instrument))


def answer_range(instrument: Instrument) -> tuple[float, float]:
    """The range of the instrument's response scale, for reading mean scores."""
    low, high = instrument.response_scale.bounds(instrument.response_scale.format)
    return float(low), float(high)


def main_method(instrument: Instrument) -> str:
    """How most scales are computed: "mean" when more than half are means, else "sum"."""
    means = sum(s.method is Method.MEAN for s in instrument.scales)
    return "mean" if means * 2 > len(instrument.scales) else "sum"


def scale_score(instrument: Instrument, scale_id: str, total: Decimal, answered: int,
                items: int, table: NormTable | None) -> ScaleScore:
    """A scale's scores from the exact total of its ``answered`` values out of ``items``."""
    method = instrument.scale(scale_id).method
    if not answered or answered / items < instrument.validity.min_answered:
        return ScaleScore(
            scale=scale_id, raw=None, answered=answered, items=items,
            not_scorable=f"{answered} réponse(s) sur {items} : il en faut au moins"
                         f" {round(instrument.validity.min_answered * 100)}\u00a0% pour"
                         " calculer ce score")
    exact_mean = total / answered
    mean = float(exact_mean)
    raw = float(total) if method is Method.SUM else mean
    prorated = None
    if answered < items:
        prorated = round(float(exact_mean * items), 6) if method is Method.SUM else mean
    result = ScaleScore(scale=scale_id, raw=raw, answered=answered, items=items,
                        prorated=prorated, mean=round(mean, 6))
    norm = table.for_scale(scale_id) if table else None
    if norm is not None:
        value = result.score
        assert value is not None
        z = norm_scores.z_score(value, norm.mean, norm.sd)
        percentile = (norm_scores.percentile_midpoint(value, norm.distribution)
                      if norm.distribution else norm_scores.percentile_normal(z))
        band = (norm_scores.sem_band(value, norm.sd, norm.reliability)
                if norm.reliability is not None else None)
        result = ScaleScore(
            scale=scale_id, raw=raw, answered=answered, items=items, prorated=prorated,
            mean=round(mean, 6), z=z, percentile=round(percentile, 2),
            t_score=norm_scores.t_score(z), stanine=norm_scores.stanine(z),
            sten=norm_scores.sten(z), sem_band=band)
    label = _band(instrument.bands, result)
    return attrs.evolve(result, band=label.label) if label is not None else result


def _measure(band: Band, score: ScaleScore) -> float | None:
    return {"t": score.t_score, "percentile": score.percentile, "raw": score.score,
            "mean": score.mean, "stanine": score.stanine, "sten": score.sten}[band.by]


def _band(bands: Sequence[Band], score: ScaleScore) -> Band | None:
    for band in bands:
        if band.scale not in ("*", score.scale):
            continue
        value = _measure(band, score)
        if value is not None and band.contains(value):
            return band
    return None


def band_texts(instrument: Instrument, scales: Sequence[ScaleScore]) -> list[str]:
    """The interpretation text of each scale's band, in scale order, prefixed by its name."""
    texts = (band_text(instrument, score) for score in scales)
    return [text for text in texts if text is not None]


def band_text(instrument: Instrument, score: ScaleScore) -> str | None:
    """The interpretation text of a scale's band, prefixed by the scale's name, if any."""
    band = _band(instrument.bands, score)
    if band is None or not band.text:
        return None
    return f"{instrument.scale(score.scale).name} ({band.label}) : {band.text}"


def number_text(value: float) -> str:
    """A number in French: decimal comma."""
    return f"{value:g}".replace(".", ",")


def _consistency(codes: Sequence[str]) -> str:
    levels = sorted({riasec.consistency(code) for code in codes})
    if len(levels) == 1:
        return levels[0]
    return "indéterminée à cause des égalités (" + " ou ".join(levels) + ")"


def riasec_summary(scales: Sequence[ScaleScore]) -> dict[str, str]:
    """Holland code (ties shown), consistency and differentiation from the six type scores."""
    scores = {s.scale: s.score for s in scales if s.scale in riasec.TYPES}
    if len(scores) != 6 or any(v is None for v in scores.values()):
        return {"Code Holland": "non calculable (les six types ne sont pas tous notés)"}
    values = {k: float(v) for k, v in scores.items() if v is not None}
    display, consistency, possible = holland_texts(values)
    summary = {
        "Code Holland": display,
        "Consistance": consistency,
        "Différenciation (Holland)": number_text(riasec.differentiation_holland(values)),
        "Différenciation (Iachan)": number_text(riasec.differentiation_iachan(values)),
    }
    if possible is not None:
        summary["Codes possibles"] = possible
    return summary


def holland_texts(values: dict[str, float]) -> tuple[str, str, str | None]:
    """The Holland code as shown, its consistency, and the possible codes when ties allow
    several (None otherwise)."""
    code = riasec.holland_code(values)
    return (code.display(), _consistency(code.codes),
            ", ".join(code.codes) if code.tied else None)
