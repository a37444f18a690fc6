"""The counsellor's working notes (audience ``counsellor``), a built-in plugin: what the
beneficiary's document leaves out but the counsellor needs to read it safely."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bilan_core.markers import hookimpl
from bilan_core.model import Audience, ReportSection
from bilan_core.report.text import plain
from bilan_core.steps._text import bullets

if TYPE_CHECKING:
    from bilan_core.model import Dossier


@hookimpl
def report_sections(dossier: Dossier, audience: Audience) -> list[ReportSection]:
    """Validity and norms, funding traces, options ruled out, warnings of the run."""
    if audience is not Audience.COUNSELLOR:
        return []
    sections = []
    lines = []
    for result in dossier.results.values():
        norms = (f"normes « {result.norm_group} »"
                 + (" (illustratives)" if result.norms_illustrative else "")
                 if result.norm_group else "pas de normes choisies")
        flags = "; ".join(result.flags) or "aucune alerte de validité"
        lines.append(f"{result.title or result.instrument} : {norms} ; {flags}")
    if lines:
        sections.append(ReportSection(id="validity", title="Validité des passations",
                                      body=bullets(lines), order=100,
                                      audience=Audience.COUNSELLOR))
    for decision in dossier.funding:
        if decision.eligibility.value == "not_eligible":
            continue
        body = bullets(decision.trace)
        if decision.paperwork:
            body += "\n\nDémarches :\n\n" + bullets(decision.paperwork)
        if decision.source:
            body += f"\n\nSources : {decision.source}"
        sections.append(ReportSection(id=f"funding-{decision.funder}",
                                      title=f"Financement : {decision.name}", body=body,
                                      order=200, audience=Audience.COUNSELLOR))
    excluded = dossier.extra.get("career_options", {}).get("excluded", [])
    if excluded:
        sections.append(ReportSection(id="excluded-options", title="Pistes écartées",
                                      body=bullets(excluded),
                                      order=300, audience=Audience.COUNSELLOR))
    if dossier.warnings:
        sections.append(ReportSection(id="warnings", title="Avertissements du traitement",
                                      body=bullets(w.render("fr") for w in dossier.warnings),
                                      order=400, audience=Audience.COUNSELLOR))
    sections.append(ReportSection(
        id="retention", title="Conservation des documents", order=500,
        body=plain(dossier.retention.basis) + ".", audience=Audience.COUNSELLOR))
    return sections
