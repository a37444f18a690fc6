"""Step 4, identification de pistes d'orientation (phase d'investigation).

Collects career options from every plugin through the ``career_options`` hook, adds those the
counsellor wrote in ``[plugin.career_options] proposed``, merges options proposed twice (the
highest score wins) and ranks them: score descending, then id, so the order is deterministic.
"""

from __future__ import annotations

import attrs

from bilan_core.components import StepDefinition
from bilan_core.config.schema import Field, ListOf, Number, Str, Table
from bilan_core.markers import hookimpl
from bilan_core.model import Audience, CareerOption, Dossier, Phase, ReportSection
from bilan_core.pipeline import StepContext
from bilan_core.steps._text import slug

STEP_ID = "career_options"

SECTION = Table({
    "proposed": Field(ListOf(Str(min_length=1), unique=True), default=(),
                      help="career options raised in the interviews, as French titles"),
    "max_options": Field(Number(minimum=1, maximum=100, integer=True), default=10,
                         help="how many ranked options to keep"),
}, help="how career options are gathered and ranked")


def rank(options: list[CareerOption]) -> list[CareerOption]:
    """Merge options by id (highest score wins) and sort by score descending, then id."""
    best: dict[str, CareerOption] = {}
    for option in options:
        if option.id not in best or option.score > best[option.id].score:
            best[option.id] = option
    return sorted(best.values(), key=lambda o: (-o.score, o.id))


def run(dossier: Dossier, step: StepContext) -> Dossier:
    """Gather, merge and rank the career options."""
    options = []
    for plugin, option in step.host.call_list("career_options", CareerOption, dossier=dossier):
        options.append(option if option.source else attrs.evolve(option, source=plugin))
    for position, title in enumerate(step.options.get("proposed", ())):
        # The counsellor's order is kept: 1.0, 0.99, 0.98... rank them in the order written.
        options.append(CareerOption(
            id=slug(title), title=title, score=round(1.0 - position / 100, 2),
            source="entretiens",
            explanation="Piste évoquée par le bénéficiaire lors des entretiens."))
    ranked = rank(options)[: step.options.get("max_options", 10)]
    if not ranked:
        dossier = dossier.warn("career options: no option was proposed")
    return attrs.evolve(dossier, career_options=tuple(ranked))


@hookimpl
def register_steps(register):  # type: ignore[no-untyped-def]
    register(StepDefinition(
        id=STEP_ID,
        title="Identification de pistes d'orientation",
        phase=Phase.INVESTIGATION,
        run=run,
        description="Définir les perspectives de carrière adaptées aux compétences, aux"
                    " intérêts et aux motivations (métiers, marché de l'emploi, création"
                    " d'entreprise).",
    ))


@hookimpl
def register_config_sections(register):  # type: ignore[no-untyped-def]
    register(SECTION)


@hookimpl
def report_sections(dossier: Dossier, audience: Audience) -> list[ReportSection]:
    """The ranked options with their explanations."""
    if audience is not Audience.BENEFICIARY or not dossier.career_options:
        return []
    lines = []
    for rank_number, option in enumerate(dossier.career_options, start=1):
        line = f"{rank_number}. **{option.title}**"
        if option.code:
            line += f" ({option.code})"
        if option.explanation:
            line += f" : {option.explanation}"
        lines.append(line)
    return [ReportSection(id="career_options", title="Pistes d'orientation",
                          body="\n".join(lines), order=400)]
