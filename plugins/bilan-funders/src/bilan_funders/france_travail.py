"""France Travail (named Pôle emploi until 2023-12-31), for job seekers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision, rule_on
from bilan_core.model import FundingDecision, FundingRule, Status
from bilan_funders._common import check_qualiopi

FUNDER = "france_travail"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan", "training")

RULES = (
    FundingRule(id="france_travail_name", funder=FUNDER, text="Pôle emploi",
                in_force_from=date(2008, 12, 19), in_force_until=date(2023, 12, 31),
                source="loi 2008-126", sureness="law"),
    FundingRule(id="france_travail_name", funder=FUNDER, text="France Travail",
                in_force_from=date(2024, 1, 1), source="loi 2023-1196 pour le plein emploi",
                sureness="law"),
    FundingRule(id="france_travail_aif", funder=FUNDER,
                text="aide individuelle à la formation (AIF) possible si le bilan s'inscrit dans"
                     " le projet personnalisé d'accès à l'emploi (PPAE) ; un rapport de 2025"
                     " indique que France Travail ne finance plus les bilans",
                in_force_from=date(2024, 1, 1), source="rapporté par des prestataires",
                sureness="unsure"),
)


def name_on(day: date) -> str:
    """The body's name on a date: Pôle emploi until 2023-12-31, France Travail after."""
    rule = rule_on(RULES, "france_travail_name", day)
    return rule.text if rule is not None else "ANPE"


def decide(request: FundingRequest) -> FundingDecision:
    """Job seekers only; the aid is never certain, so at best « to be checked »."""
    name = name_on(request.on)
    d = Decision(FUNDER, name, request)
    b = request.beneficiary
    d.check(b.status is Status.JOB_SEEKER,
            f"inscription comme demandeur·se d'emploi à {name} (statut : {b.status_label})")
    check_qualiopi(d, request.provider_qualiopi)
    if d.failed:
        return d.not_eligible()
    d.check(None, "le bilan doit s'inscrire dans votre projet personnalisé d'accès à l'emploi"
                  " (PPAE) : l'aide n'est pas systématique et son montant se discute avec"
                  " votre conseiller")
    d.need(f"Demande d'aide individuelle à la formation (AIF) validée par votre conseiller"
           f" {name} avant le début du bilan")
    d.cite("rapporté par des prestataires ; à confirmer auprès de " + name)
    return d.decide(Decimal(0), tops_up=True)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name="France Travail (Pôle emploi avant 2024)", decide=decide,
                    rules=RULES, funds=FUNDS))
