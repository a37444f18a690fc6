"""Step 3, exploration des compétences (phase d'investigation).

Scores every instrument the step names that has responses, through the assessment hooks, and
records the strengths and weaknesses (points forts, points faibles) the counsellor noted in
``[plugin.skills_exploration]``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from bilan_core.components import StepDefinition
from bilan_core.config.schema import Field, ListOf, Str, Table
from bilan_core.i18n import N_
from bilan_core.markers import hookimpl
from bilan_core.model import Audience, Phase, ReportSection
from bilan_core.report.results import result_section
from bilan_core.steps._assessment import score_instruments
from bilan_core.steps._text import bullets

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.pipeline import StepContext

STEP_ID = "skills_exploration"
TEXTS = ListOf(Str(min_length=1))

SECTION = Table({
    "strengths": Field(TEXTS, default=(), help="points forts noted by the counsellor",
                       label=N_("Strengths")),
    "weaknesses": Field(TEXTS, default=(), help="points faibles noted by the counsellor",
                        label=N_("Weaknesses")),
    "experience": Field(TEXTS, default=(), help="jobs, tasks and training, as in a CV",
                        label=N_("Experience: jobs, tasks and training")),
}, help="what the skills exploration brought out")


def run(dossier: Dossier, step: StepContext) -> Dossier:
    """Score the step's instruments and record the counsellor's notes."""
    dossier = score_instruments(dossier, step)
    notes = {k: list(v) for k, v in step.options.items() if v}
    return attrs.evolve(dossier, extra={**dossier.extra, STEP_ID: notes} if notes
                        else dossier.extra)


@hookimpl
def register_steps(register):  # type: ignore[no-untyped-def]
    register(StepDefinition(
        id=STEP_ID,
        title="Exploration des compétences",
        phase=Phase.INVESTIGATION,
        run=run,
        description="Identifier les compétences acquises au fil du parcours, les points"
                    " forts et les points faibles (inventaire, analyse du CV, entretiens).",
    ))


@hookimpl
def register_config_sections(register):  # type: ignore[no-untyped-def]
    register(SECTION)


@hookimpl
def report_sections(dossier: Dossier, audience: Audience) -> list[ReportSection]:
    """Skills and aptitudes: the counsellor's notes, then one section per instrument."""
    if audience is not Audience.BENEFICIARY:
        return []
    notes = dossier.extra.get(STEP_ID, {})
    parts = []
    for key, title in (("experience", "Votre parcours"), ("strengths", "Vos points forts"),
                       ("weaknesses", "Vos points de vigilance")):
        if notes.get(key):
            parts.append(f"{title} :\n\n{bullets(notes[key])}")
    sections = []
    if parts:
        sections.append(ReportSection(id="skills", title="Vos compétences et aptitudes",
                                      body="\n\n".join(parts), order=300))
    for position, result in enumerate(dossier.results.values()):
        sections.append(result_section(result, 310 + position))
    return sections
