"""The former congé de bilan de compétences, funded by the Fongecif until 2018-12-31.

For any later date it answers *not eligible* and says what replaced it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision, rule_on
from bilan_core.model import FundingDecision, FundingRule
from bilan_funders._common import check_private_employee

FUNDER = "fongecif"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan",)
NAME = "Fongecif (congé de bilan de compétences)"
SENIORITY = Decimal(5)

RULES = (
    FundingRule(id="fongecif_leave", funder=FUNDER,
                text="congé de bilan de compétences financé par le Fongecif : coût du bilan et"
                     " maintien de la rémunération ; 5 ans d'activité salariée dont 12 mois"
                     " dans l'entreprise (CDD : 24 mois sur 5 ans dont 4 sur les 12 derniers)",
                in_force_until=date(2018, 12, 31), source="ancien Code du travail L6322-42,"
                " abrogé par la loi 2018-771", sureness="law"),
    FundingRule(id="fongecif_replaced", funder=FUNDER,
                text="les Fongecif sont remplacés par les associations Transitions Pro, qui"
                     " financent les projets de transition professionnelle, pas les bilans",
                in_force_from=date(2020, 1, 1), source="loi 2018-771", sureness="official"),
)

ENDED = ("le congé de bilan de compétences et son financement par le Fongecif ont pris fin le"
         " 31 décembre 2018 ; depuis le 1er janvier 2020 les Fongecif sont remplacés par les"
         " associations Transitions Pro, qui ne financent pas les bilans de compétences : le"
         " bilan se finance aujourd'hui par le CPF ou par le plan de développement des"
         " compétences de l'employeur")


def decide(request: FundingRequest) -> FundingDecision:
    """Before 2019: private employees with enough seniority; after: not eligible, and why."""
    d = Decision(FUNDER, NAME, request)
    leave = rule_on(RULES, "fongecif_leave", request.on)
    if leave is None:
        d.check(False, ENDED)
        d.cite(RULES[1].source)
        return d.not_eligible()
    b = request.beneficiary
    check_private_employee(d)
    if b.years_of_service is None:
        d.check(None, "ancienneté à préciser : 5 ans d'activité salariée dont 12 mois dans"
                      " l'entreprise")
    elif b.years_of_service >= SENIORITY:
        d.check(True, f"{b.years_of_service.normalize():f} ans dans l'entreprise (5 ans"
                      " d'activité salariée dont 12 mois dans l'entreprise requis)")
    elif b.years_of_service >= 1:
        d.check(None, f"{b.years_of_service.normalize():f} an(s) dans l'entreprise : vérifier"
                      " les 5 ans d'activité salariée au total")
    else:
        d.check(False, "moins de 12 mois dans l'entreprise")
    if d.failed:
        return d.not_eligible()
    d.note("prise en charge du coût du bilan et maintien de la rémunération pendant le congé")
    d.need("Demande de congé de bilan à l'employeur, puis dossier de prise en charge au"
           " Fongecif")
    d.cite(leave.source)
    return d.decide(request.price)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
