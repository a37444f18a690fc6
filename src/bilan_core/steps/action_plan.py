"""Step 5, conclusion et plan d'action (phase de conclusions).

Builds the action plan for the options the beneficiary keeps: actions written by the counsellor
in ``[plugin.action_plan]``, actions contributed by plugins through ``plan_actions``, and a
follow-up interview about six months later (R6313-4 provides for one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from bilan_core.components import StepDefinition
from bilan_core.config.schema import ArrayOf, Date, Field, ListOf, Number, Str, Table
from bilan_core.i18n import N_
from bilan_core.markers import hookimpl
from bilan_core.model import Action, ActionKind, Audience, Phase, ReportSection
from bilan_core.orientation.actions import funders_for_training
from bilan_core.report.text import plain
from bilan_core.steps._text import add_months, bullets, french_date, slug

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.pipeline import StepContext

STEP_ID = "action_plan"

ACTION = Table({
    "title": Field(Str(min_length=1), required=True, label=N_("Action")),
    "kind": Field(Str(choices=tuple(k.value for k in ActionKind)), default="other",
                  label=N_("Kind"), choice_labels=(
                      ("training", N_("training")), ("vae", N_("validation of experience")),
                      ("immersion", N_("immersion")), ("job_search", N_("job search")),
                      ("business_creation", N_("business creation")),
                      ("follow_up", N_("follow-up")), ("other", N_("other")))),
    "owner": Field(Str(min_length=1), default="bénéficiaire", help="who does it",
                   label=N_("Who")),
    "due": Field(Date(), help="by when", label=N_("By")),
    "option": Field(Str(), help="the career option it serves", label=N_("Option served")),
})

SECTION = Table({
    "keep": Field(ListOf(Str(min_length=1), unique=True), default=(),
                  help="ids of the career options the beneficiary keeps (default: the top two)",
                  label=N_("Options kept (ids; by default the first two)")),
    "actions": Field(ArrayOf(ACTION, id_key="title"), default=(),
                     help="actions agreed with the beneficiary",
                     label=N_("Actions agreed")),
    "follow_up_months": Field(Number(minimum=0, maximum=24, integer=True), default=6,
                              help="months until the follow-up interview (0: none)",
                              label=N_("Follow-up interview after (months; 0: none)")),
    "project": Field(Str(), help="the professional project, in a few sentences",
                     label=N_("The professional project")),
    "observations": Field(Str(), help="the beneficiary's own observations",
                          label=N_("The beneficiary's own observations")),
}, help="the conclusions and the action plan")


def run(dossier: Dossier, step: StepContext) -> Dossier:
    """Assemble the action plan and sort it by due date."""
    options = step.options
    kept_ids = list(options.get("keep", ())) or [o.id for o in dossier.career_options[:2]]
    known = {o.id: o for o in dossier.career_options}
    missing = [i for i in kept_ids if i not in known]
    if missing:
        dossier = dossier.warn(N_("action plan: unknown kept options: {options}"),
                               options=", ".join(missing))
    kept = [known[i] for i in kept_ids if i in known]
    actions = [Action(id=slug(a["title"]), title=a["title"], kind=a["kind"], owner=a["owner"],
                      due=a["due"], option=a["option"]) for a in options.get("actions", ())]
    for action in actions:
        if action.option and action.option not in known:
            dossier = dossier.warn(N_("action plan: action {action!r} names the unknown option"
                                      " {option!r}"), action=action.title,
                                   option=str(action.option))
    actions += [a for _, a in step.host.call_list("plan_actions", Action, dossier=dossier,
                                                  options=kept)]
    # Actions that cost money name who may pay, the counsellor's own ones too.
    kinds = {ActionKind.TRAINING: "training", ActionKind.VAE: "vae"}
    actions = [attrs.evolve(a, funding=funders_for_training(dossier, kinds[a.kind]))
               if a.kind in kinds and not a.funding else a
               for a in actions]
    months = options.get("follow_up_months", 6)
    if months:
        actions.append(Action(
            id="follow-up", title=f"Entretien de suivi, environ {months} mois après le bilan",
            kind=ActionKind.FOLLOW_UP, owner="bénéficiaire et consultant·e",
            due=add_months(dossier.reference_date, months)))
    actions.sort(key=lambda a: (a.due is None, a.due or dossier.reference_date, a.id))
    extra = {k: v for k, v in (("project", options.get("project")),
                               ("observations", options.get("observations")),
                               ("kept_options", [o.id for o in kept])) if v}
    return attrs.evolve(dossier, actions=tuple(actions),
                        extra={**dossier.extra, STEP_ID: extra})


@hookimpl
def register_steps(register):  # type: ignore[no-untyped-def]
    register(StepDefinition(
        id=STEP_ID,
        title="Conclusion et plan d'action",
        phase=Phase.CONCLUSIONS,
        run=run,
        description="Remise du document de synthèse, recommandations et plan d'action"
                    " (formation, reconversion, recherche d'emploi) ; entretien de suivi.",
    ))


@hookimpl
def register_config_sections(register):  # type: ignore[no-untyped-def]
    register(SECTION)


@hookimpl
def report_sections(dossier: Dossier, audience: Audience) -> list[ReportSection]:
    """The project, the main steps planned, and room for the beneficiary's observations."""
    if audience is not Audience.BENEFICIARY:
        return []
    notes = dossier.extra.get(STEP_ID, {})
    sections = []
    if notes.get("project") or dossier.actions:
        body = plain(notes.get("project", ""))
        if dossier.actions:
            plan = bullets(
                f"{a.title} — {a.owner}" + (f", d'ici le {french_date(a.due)}" if a.due else "")
                + (f" (financements possibles : {', '.join(a.funding)})" if a.funding else "")
                for a in dossier.actions)
            body = (body + "\n\n" if body else "") + "Principales étapes prévues :\n\n" + plan
        sections.append(ReportSection(id="project", title="Votre projet et plan d'action",
                                      body=body, order=500))
    sections.append(ReportSection(
        id="observations", title="Observations du bénéficiaire", order=900,
        body=plain(notes.get("observations") or "(espace réservé à vos observations)")))
    return sections
