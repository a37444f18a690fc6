"""The OPCO (opérateur de compétences) of the employer's branch, for companies under 50."""

from __future__ import annotations

from datetime import date

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision, rule_on
from bilan_core.model import FundingDecision, FundingRule
from bilan_funders._common import check_in_force, check_private_employee, check_qualiopi
from bilan_funders.employer import TRIPARTITE

FUNDER = "opco"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan", "training", "vae")
NAME = "OPCO de la branche (entreprises de moins de 50 salariés)"
STAFF_LIMIT = 50

#: The start date is kept at 2019-01-01 (checked against the texts): the law creating the
#: OPCOs approved the former OPCAs as OPCOs provisionally from that day; their final
#: approvals took effect on 2019-04-01. Both periods fund the plan of small companies.
RULES = (
    FundingRule(id="opco_small_companies", funder=FUNDER,
                text="les OPCO financent le plan de développement des compétences des"
                     " entreprises de moins de 50 salariés, selon les règles de la branche",
                in_force_from=date(2019, 1, 1),
                source="Code du travail L6332-1-3 (loi 2018-771 du 5 septembre 2018) ; règles"
                       " de prise en charge des branches",
                sureness="3rd-party"),
    FundingRule(id="opco_approval", funder=FUNDER,
                text="les anciens OPCA sont agréés à titre provisoire comme OPCO jusqu'au"
                     " 31 mars 2019",
                in_force_from=date(2019, 1, 1), in_force_until=date(2019, 3, 31),
                source="loi 2018-771 du 5 septembre 2018, art. 39", sureness="likely"),
    FundingRule(id="opco_approval", funder=FUNDER,
                text="les OPCO disposent de leur agrément définitif",
                in_force_from=date(2019, 4, 1),
                source="arrêtés d'agrément du 29 mars 2019, en vigueur le 1er avril 2019",
                sureness="likely"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """Employees of companies under 50 staff; the amount depends on the branch's rules."""
    d = Decision(FUNDER, NAME, request)
    if not check_in_force(d, RULES[0]):
        return d.not_eligible()
    b = request.beneficiary
    check_private_employee(d)
    if b.employer_staff is None:
        d.check(None, "effectif de l'entreprise inconnu (moins de 50 salariés requis)")
    else:
        d.check(b.employer_staff < STAFF_LIMIT,
                f"entreprise de moins de {STAFF_LIMIT} salariés ({b.employer_staff} salariés)")
    check_qualiopi(d, request.provider_qualiopi)
    if d.failed:
        return d.not_eligible()
    approval = rule_on(RULES, "opco_approval", request.on)
    if approval is not None:
        d.note(approval.text)
        d.cite(approval.source)
    d.check(None, "prise en charge selon les règles et plafonds de la branche professionnelle")
    d.need("Demande de prise en charge déposée par l'employeur auprès de son OPCO avant le"
           " début du bilan")
    d.need(TRIPARTITE)
    d.cite(RULES[0].source)
    return d.decide(request.price)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
