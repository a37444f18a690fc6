"""The employer, through its plan de développement des compétences."""

from __future__ import annotations

from datetime import date

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision
from bilan_core.model import FundingDecision, FundingRule
from bilan_funders._common import check_in_force, check_private_employee

FUNDER = "employer"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan", "training", "vae")
NAME = "Employeur (plan de développement des compétences)"
TRIPARTITE = ("Convention tripartite écrite entre votre employeur, vous et le prestataire"
              " (R6313-8) : vous disposez de 10 jours pour la signer, votre silence vaut refus")

RULES = (
    FundingRule(id="employer_plan", funder=FUNDER,
                text="l'employeur peut financer le bilan de ses salariés dans son plan de"
                     " développement des compétences, sur le temps de travail",
                in_force_from=date(2019, 1, 1),
                source="loi 2018-771 ; Code du travail L6313-4", sureness="law"),
    FundingRule(id="employer_tripartite", funder=FUNDER,
                text="convention tripartite signée avant le bilan ; 10 jours pour signer",
                in_force_from=date(2019, 1, 1), source="Code du travail R6313-8",
                sureness="law"),
    FundingRule(id="employer_not_provider", funder=FUNDER,
                text="un employeur ne peut pas réaliser lui-même le bilan de ses salariés",
                in_force_from=date(2019, 1, 1), source="Code du travail R6313-5",
                sureness="law"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """Employees only; the employer decides, so the answer is at best « to be checked »."""
    d = Decision(FUNDER, NAME, request)
    if not check_in_force(d, RULES[0]):
        return d.not_eligible()
    b = request.beneficiary
    check_private_employee(d)
    d.check(bool(b.employer) or None, "employeur connu" + (f" : {b.employer}" if b.employer
                                                          else " (à renseigner)"))
    if d.failed:
        return d.not_eligible()
    d.check(None, "accord de l'employeur pour inscrire le bilan dans son plan de"
                  " développement des compétences")
    d.note("prise en charge possible du coût complet ; un bilan financé par le plan de"
           " développement des compétences se déroule sur le temps de travail")
    d.need(TRIPARTITE)
    d.cite("Code du travail L6313-4, R6313-5, R6313-8")
    return d.decide(request.price)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
