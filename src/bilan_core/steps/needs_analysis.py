"""Step 2, analyse des besoins et des attentes (phase d'investigation).

The counsellor records what came out of the interviews in the pipeline's
``[plugin.needs_analysis]`` section: the request in the beneficiary's words, expectations,
motivations and constraints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from bilan_core.components import StepDefinition
from bilan_core.config.schema import Field, ListOf, Str, Table
from bilan_core.i18n import N_
from bilan_core.markers import hookimpl
from bilan_core.model import Audience, Phase, ReportSection
from bilan_core.report.text import plain
from bilan_core.steps._assessment import score_instruments
from bilan_core.steps._text import bullets

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.pipeline import StepContext

STEP_ID = "needs_analysis"
#: The keys of [plugin.career_options] that constrain matching.
STRUCTURED = ("avoid", "discuss", "max_training_months", "max_level", "exclude_domains",
              "holds")
TEXTS = ListOf(Str(min_length=1))

SECTION = Table({
    "request": Field(Str(), help="the beneficiary's request, in their own words",
                     label=N_("The request, in the beneficiary's own words")),
    "expectations": Field(TEXTS, default=(), help="what the beneficiary expects of the bilan",
                          label=N_("Expectations")),
    "motivations": Field(TEXTS, default=(), help="what drives the beneficiary's project",
                         label=N_("Motivations")),
    "constraints": Field(TEXTS, default=(),
                         help="constraints to respect (mobility, health, income...), in words:"
                              " notes for the synthèse; career matching reads"
                              " [plugin.career_options] avoid, discuss, max_training_months",
                         label=N_("Constraints, in words (notes for the synthèse)")),
}, help="what the needs analysis interviews brought out")


def run(dossier: Dossier, step: StepContext) -> Dossier:
    """Score the step's instruments (values, interests...) and record the needs."""
    dossier = score_instruments(dossier, step)
    options = step.options
    needs = {key: (list(value) if isinstance(value, tuple) else value)
             for key, value in options.items() if value}
    if not needs:
        dossier = dossier.warn(N_("needs analysis: no request or expectation is written in"
                                  " [plugin.needs_analysis]"))
    matching = step.pipeline.options("career_options")
    if needs.get("constraints") and not any(matching.get(key) for key in STRUCTURED):
        dossier = dossier.warn(
            N_("[plugin.needs_analysis] constraints are notes for the synthèse: career matching"
               " reads [plugin.career_options] ({keys}); write there the constraints matching"
               " must respect"), keys=", ".join(STRUCTURED))
    return attrs.evolve(dossier, needs={**dossier.needs, **needs})


@hookimpl
def register_steps(register):  # type: ignore[no-untyped-def]
    register(StepDefinition(
        id=STEP_ID,
        title="Analyse des besoins et des attentes",
        phase=Phase.INVESTIGATION,
        run=run,
        description="Cerner les attentes, les motivations, les valeurs et les intérêts"
                    " du bénéficiaire (entretien, questionnaires, mises en situation).",
    ))


@hookimpl
def register_config_sections(register):  # type: ignore[no-untyped-def]
    register(SECTION)


@hookimpl
def report_sections(dossier: Dossier, audience: Audience) -> list[ReportSection]:
    """The request and expectations, in the beneficiary's document."""
    needs = dossier.needs
    if audience is not Audience.BENEFICIARY or not needs:
        return []
    parts = []
    if needs.get("request"):
        parts.append(f"Votre demande : « {plain(needs['request'])} »")
    for key, title in (("expectations", "Vos attentes"), ("motivations", "Vos motivations"),
                       ("constraints", "Les contraintes à respecter")):
        if needs.get(key):
            parts.append(f"{title} :\n\n{bullets(needs[key])}")
    return [ReportSection(id="needs", title="Votre demande et vos attentes",
                          body="\n\n".join(parts), order=200)]
