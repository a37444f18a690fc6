"""Agefiph: aids for disabled workers of the private sector (RQTH / BOETH)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision, money, rule_on
from bilan_core.model import FundingDecision, FundingRule, Status
from bilan_funders._common import check_qualiopi

FUNDER = "agefiph"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan",)
NAME = "Agefiph"

RULES = (
    FundingRule(id="agefiph_aid", funder=FUNDER,
                text="aide directe au bilan de compétences, jusqu'à 2 000,00 €, pour les"
                     " bénéficiaires de l'obligation d'emploi (RQTH, BOETH) du secteur privé",
                in_force_from=date(2025, 12, 1), amount=Decimal("2000.00"),
                source="catalogue des aides Agefiph, décembre 2025 (rapporté)",
                sureness="3rd-party"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """RQTH in the private sector (employees, job seekers, self-employed); a complement."""
    d = Decision(FUNDER, NAME, request)
    b = request.beneficiary
    d.check(b.rqth, "reconnaissance de la qualité de travailleur handicapé (RQTH) ou"
                    " bénéficiaire de l'obligation d'emploi")
    d.check(b.status is not Status.PUBLIC_AGENT,
            f"secteur privé (statut : {b.status_label} ; les agents publics relèvent du"
            " FIPHFP)")
    check_qualiopi(d, request.provider_qualiopi)
    if d.failed:
        return d.not_eligible()
    rule = rule_on(RULES, "agefiph_aid", request.on)
    ceiling = rule.amount if rule is not None and rule.amount is not None else Decimal(0)
    if rule is None:
        d.check(None, "aide directe au bilan non documentée à cette date : à demander à"
                      " l'Agefiph")
    else:
        d.check(None, f"aide directe jusqu'à {money(ceiling)}, sur dossier, en complément"
                      " d'un autre financement")
        d.cite(rule.source)
    d.need("Demande d'aide à l'Agefiph, avec la reconnaissance RQTH ou BOETH")
    d.note("l'Agefiph peut aussi financer l'adaptation du bilan au handicap (compensation)")
    return d.decide(ceiling, tops_up=True)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
