"""Step 4, identification de pistes d'orientation (phase d'investigation).

Matches the beneficiary with the occupations of every registered occupation source
(:mod:`bilan_core.orientation.matching`), considers business creation as an option of its own,
collects the options other plugins propose through the ``career_options`` hook, adds those the
counsellor wrote in ``[plugin.career_options] proposed``, merges options proposed twice (the
highest score wins) and ranks them: score descending, then id, so the order is deterministic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from bilan_core.components import StepDefinition
from bilan_core.config.schema import Bool, Field, Identifier, ListOf, Number, Str, Table
from bilan_core.i18n import N_
from bilan_core.markers import hookimpl
from bilan_core.model import (
    CONDITIONS,
    ROME_DOMAINS,
    Audience,
    CareerOption,
    Phase,
    ReportSection,
)
from bilan_core.model.orientation import ROME_CODE
from bilan_core.orientation.options import (
    Catalogue,
    Settings,
    matched_options,
    named_option,
)
from bilan_core.report.text import plain
from bilan_core.steps._text import slug

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.pipeline import StepContext

STEP_ID = "career_options"
EXCLUDED = "Écarté ("
TO_EXAMINE = "À examiner avec vous ("


SECTION = Table({
    "proposed": Field(ListOf(Str(min_length=1), unique=True), default=(),
                      help="career options raised in the interviews: ROME codes (matched and"
                           " explained like the others) or French titles",
                      label=N_("Proposed occupations: ROME codes or titles")),
    "max_options": Field(Number(minimum=1, maximum=100, integer=True), default=10,
                         help="how many ranked options to keep"),
    "max_training_months": Field(Number(minimum=0, maximum=60, integer=True),
                                 help="rule out occupations needing a longer training",
                                 label=N_("Longest training accepted (months)")),
    "max_level": Field(Number(minimum=3, maximum=8, integer=True),
                       help="rule out occupations asking a higher qualification level",
                       label=N_("Highest qualification level accepted (3 to 8)")),
    "exclude_domains": Field(ListOf(Str(choices=tuple(ROME_DOMAINS)), unique=True), default=(),
                             help="ROME large domains to leave out (letters A to N)"),
    "avoid": Field(ListOf(Str(choices=CONDITIONS), unique=True), default=(),
                   help="working conditions the beneficiary cannot accept (health, family,"
                        " mobility): occupations with one are ruled out, the reason named",
                   label=N_("Working conditions ruled out")),
    "discuss": Field(ListOf(Str(choices=CONDITIONS), unique=True), default=(),
                     help="working conditions to talk over: occupations with one are kept and"
                          " the condition is named in their explanation",
                     label=N_("Working conditions to talk over")),
    "holds": Field(ListOf(Identifier(), unique=True), default=(),
                   help="prerequisites the beneficiary already has (ids such as permis_b,"
                        " de_aide_soignant; see bilan occupations list --prerequisites)",
                   label=N_("Prerequisites already held (ids such as permis_b)")),
    "business_creation": Field(Bool(), default=True,
                               help="consider creating or taking over a business"),
    "weights": Field(Table({
        "congruence": Field(Number(minimum=0)), "skills": Field(Number(minimum=0)),
        "values": Field(Number(minimum=0))}), default=None,
        help="weights of RIASEC congruence, skills and values (0.5, 0.3, 0.2)"),
    "interests": Field(Str(min_length=1), default="riasec",
                       help="the instrument giving the Holland code"),
    "skills": Field(Str(min_length=1), default="competences",
                    help="the instrument giving the skills"),
    "values": Field(Str(min_length=1), default="valeurs",
                    help="the instrument giving the values"),
}, help="how career options are gathered and ranked")




def rank(options: list[CareerOption]) -> list[CareerOption]:
    """Merge options by id (highest score wins) and sort by score descending, then id."""
    best: dict[str, CareerOption] = {}
    for option in options:
        if option.id not in best or option.score > best[option.id].score:
            best[option.id] = option
    return sorted(best.values(), key=lambda o: (-o.score, o.id))


def run(dossier: Dossier, step: StepContext) -> Dossier:
    """The counsellor's options first, in the order written, then the others ranked.

    A ROME code the counsellor proposes is matched and explained like the others, and stays
    at its place even when a constraint rules it out (the explanation then says why): the
    order of the interviews is the counsellor's, not the score's.
    """
    settings = Settings.from_options(step.options)
    catalogue = Catalogue(step.host)
    options, excluded = matched_options(dossier, step.host, settings, catalogue)
    for plugin, option in step.host.call_list("career_options", CareerOption, dossier=dossier):
        options.append(option if option.source else attrs.evolve(option, source=plugin))
    proposed: list[CareerOption] = []
    for entry in step.options.get("proposed", ()):
        if ROME_CODE.match(entry):
            named = named_option(dossier, step.host, settings, entry, catalogue)
            if named is None:
                dossier = dossier.warn(N_("career options: no occupation source has the ROME"
                                          " code {code}"), code=entry)
                continue
            if named.explanation.startswith(EXCLUDED):
                # The counsellor's own option stays: what conflicts is to be examined together.
                named = attrs.evolve(named, explanation=TO_EXAMINE
                                     + named.explanation[len(EXCLUDED):])
            proposed.append(attrs.evolve(named, source="entretiens"))
        else:
            proposed.append(CareerOption(
                id=slug(entry), title=entry, score=0.0, source="entretiens",
                explanation="Piste évoquée par le bénéficiaire lors des entretiens."))
    first = list({o.id: o for o in reversed(proposed)}.values())[::-1]  # once, first place
    taken = {o.id for o in first}
    ranked = first + [o for o in rank(options) if o.id not in taken][: settings.max_options]
    if not ranked:
        dossier = dossier.warn(N_("career options: no option was proposed"))
    notes = {"settings": settings.as_json(), "excluded": excluded}
    return attrs.evolve(dossier, career_options=tuple(ranked),
                        extra={**dossier.extra, STEP_ID: notes})


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
        line = f"{rank_number}. **{plain(option.title)}**"
        if option.code:
            line += f" ({option.code})"
        if option.explanation:
            line += f" : {plain(option.explanation)}"
        lines.append(line)
    return [ReportSection(id="career_options", title="Pistes d'orientation",
                          body="\n".join(lines), order=400)]
