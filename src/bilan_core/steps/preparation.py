"""Step 1, préparation (phase préliminaire): the terms of the bilan, consents and funding."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from bilan_core.components import FundingRequest, StepDefinition
from bilan_core.funding.study import study
from bilan_core.i18n import N_
from bilan_core.markers import hookimpl
from bilan_core.model import Audience, ConsentKind, Phase, ReportSection
from bilan_core.steps._text import bullets, euros, french_date, hours

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.pipeline import StepContext

STEP_ID = "preparation"


def run(dossier: Dossier, step: StepContext) -> Dossier:
    """Study the funding of the quote, when the pipeline has a ``[funding]`` table."""
    funding = step.pipeline.funding
    if not funding:
        return dossier
    request = FundingRequest(
        beneficiary=dossier.beneficiary,
        price=funding["price"],
        hours=funding["hours"] if funding["hours"] is not None else dossier.planned_hours,
        on=dossier.reference_date,
        provider_qualiopi=dossier.provider.qualiopi,
    )
    decisions, plan = study(request, step.host)
    if not decisions:
        dossier = dossier.warn(N_("no funder plugin is installed: the funding request could"
                                  " not be studied"))
    return attrs.evolve(dossier, funding=tuple(decisions), funding_plan=plan)


@hookimpl
def register_steps(register):  # type: ignore[no-untyped-def]
    register(StepDefinition(
        id=STEP_ID,
        title="Préparation du bilan",
        phase=Phase.PRELIMINARY,
        run=run,
        description="Information sur le déroulement, les méthodes et la confidentialité ;"
                    " recueil du consentement ; choix des modalités et du financement.",
    ))


@hookimpl
def report_sections(dossier: Dossier, audience: Audience) -> list[ReportSection]:
    """The circumstances of the bilan, first section of the synthèse."""
    if audience is not Audience.BENEFICIARY:
        return []
    b = dossier.beneficiary
    lines = [
        f"Bénéficiaire : {b.id} ({b.status_label})",
        f"Prestataire : {dossier.provider.name}"
        + (" (certifié Qualiopi)" if dossier.provider.qualiopi else ""),
        f"Date de référence : {french_date(dossier.reference_date)}",
        f"Durée prévue : {hours(dossier.planned_hours)} d'accompagnement",
    ]
    if dossier.provider.counsellor:
        lines.insert(2, f"Consultant·e : {dossier.provider.counsellor}")
    consent = [c for c in dossier.consents if c.kind is ConsentKind.BILAN]
    if consent:
        lines.append(f"Consentement recueilli le {french_date(consent[0].given_on)}")
    plan = bullets(f"{s.title} ({s.phase.label}, {hours(s.hours)})" for s in dossier.plan)
    body = bullets(lines) + "\n\nDéroulement prévu :\n\n" + plan
    if dossier.funding:
        lines = []
        for d in dossier.funding:
            if d.eligibility.value == "eligible":
                lines.append(f"{d.name} : éligible, prise en charge de {euros(d.covered)}")
            elif d.eligibility.value == "to_check":
                lines.append(f"{d.name} : à vérifier" + (
                    f", jusqu'à {euros(d.covered)}" if d.covered else ""))
        refused = [d.name for d in dossier.funding if d.eligibility.value == "not_eligible"]
        if refused:
            lines.append("Non applicables à votre situation : " + ", ".join(refused))
        body += "\n\nFinancements étudiés :\n\n" + bullets(lines)
    if dossier.funding_plan is not None:
        body += f"\n\nPlan de financement retenu : {dossier.funding_plan.explanation}"
    body += ("\n\nCe document est confidentiel : il appartient au bénéficiaire, seul"
             " destinataire des résultats détaillés.")
    return [ReportSection(id="circumstances", title="Circonstances du bilan", body=body,
                          order=100)]

