"""The ANFH, for hospital civil servants (FPH)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision
from bilan_core.model import FundingDecision, FundingRule, PublicBranch, Status
from bilan_funders._common import check_gap, check_in_force

FUNDER = "anfh"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan", "training", "vae")
NAME = "ANFH (fonction publique hospitalière)"
MIN_SERVICE = Decimal(2)

RULES = (
    FundingRule(id="anfh_conditions", funder=FUNDER,
                text="2 ans de services effectifs, 5 ans après un précédent bilan, demande au"
                     " moins 60 jours avant le début, dans la limite du budget de l'ANFH",
                in_force_from=date(2019, 1, 1), source="fiche officielle ANFH",
                sureness="official"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """Hospital agents with 2 years of service and no bilan in the last 5 years."""
    d = Decision(FUNDER, NAME, request)
    if not check_in_force(d, RULES[0]):
        return d.not_eligible()
    b = request.beneficiary
    d.check(b.status is Status.PUBLIC_AGENT and b.public_branch is PublicBranch.FPH,
            "agent de la fonction publique hospitalière (FPH)")
    if d.failed:
        return d.not_eligible()
    if b.years_of_service is None:
        d.check(None, "ancienneté de services à préciser (2 ans requis)")
    else:
        d.check(b.years_of_service >= MIN_SERVICE,
                f"{b.years_of_service.normalize():f} ans de services (2 ans requis)")
    check_gap(d, 5, "5 ans au moins entre deux bilans")
    d.note("financement dans la limite du budget de l'ANFH")
    d.need("Demande à l'ANFH au moins 60 jours avant le début du bilan")
    d.need("Convention tripartite agent, établissement et prestataire")
    d.cite(RULES[0].source)
    return d.decide(request.price)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
