"""FIPHFP: the public-sector fund for disabled agents; no bilan-specific aid was found."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision
from bilan_core.model import FundingDecision, FundingRule, Status
from bilan_funders._common import check_in_force

FUNDER = "fiphfp"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan",)
NAME = "FIPHFP"

RULES = (
    FundingRule(id="fiphfp_aid", funder=FUNDER,
                text="aucune aide spécifique au bilan de compétences n'a été trouvée ; le FIPHFP"
                     " finance des aides au maintien dans l'emploi des agents handicapés",
                in_force_from=date(2006, 1, 1), source="recherche du projet, non confirmée",
                sureness="unsure"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """Disabled public agents: to be checked with the employer's disability officer."""
    d = Decision(FUNDER, NAME, request)
    if not check_in_force(d, RULES[0]):
        return d.not_eligible()
    b = request.beneficiary
    d.check(b.rqth, "reconnaissance de la qualité de travailleur handicapé (RQTH)")
    d.check(b.status is Status.PUBLIC_AGENT, f"agent·e public·que (statut : {b.status_label})")
    if d.failed:
        return d.not_eligible()
    d.check(None, "aucune aide spécifique au bilan n'est connue : interrogez le ou la"
                  " référente handicap de votre employeur public")
    d.cite(RULES[0].source)
    return d.decide(Decimal(0), tops_up=True)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
