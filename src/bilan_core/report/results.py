"""A report section for each instrument result, with the chart that suits it."""

from __future__ import annotations

from typing import Any

from bilan_core.model import InstrumentResult, ReportSection
from bilan_core.steps._text import bullets


def chart_for(result: InstrumentResult) -> dict[str, Any] | None:
    """RIASEC hexagon, T profile with bands, or a ranking of mean scores."""
    names = result.scale_names
    scored = [s for s in result.scales if s.score is not None]
    if not scored:
        return None
    if "Code Holland" in result.summary and {s.scale for s in scored} >= set("RIASEC"):
        high = result.answer_range[1] if result.answer_range else 1.0
        maximum = max(s.items for s in scored) * high
        return {"kind": "riasec", "scores": {s.scale: s.score for s in scored},
                "max": maximum, "code": result.summary["Code Holland"]}
    if result.method == "mean" and result.answer_range:
        return {"kind": "ranking", "low": result.answer_range[0],
                "high": result.answer_range[1],
                "rows": [[names.get(s.scale, s.scale), s.mean] for s in scored
                         if s.mean is not None]}
    if all(s.t_score is not None for s in scored):
        return {"kind": "t_profile",
                "rows": [[names.get(s.scale, s.scale), s.t_score, s.band or ""]
                         for s in scored]}
    return None


def result_section(result: InstrumentResult, order: int) -> ReportSection:
    """The beneficiary's results to one instrument, in French."""
    lines = [f"{name} : {value}" for name, value in result.summary.items()]
    lines += list(result.interpretations)
    body = bullets(lines) if lines else ""
    if result.norm_group:
        caution = (" Ces normes sont illustratives : elles attendent un étalonnage réel, lisez"
                   " ces comparaisons avec prudence." if result.norms_illustrative else "")
        body += (f"\n\nVos scores sont comparés au groupe « {result.norm_group} ».{caution}")
    return ReportSection(id=f"results-{result.instrument}",
                         title=result.title or result.instrument, body=body.strip(),
                         order=order, chart=chart_for(result))
