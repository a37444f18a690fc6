"""The public employer, for State (FPE) and territorial (FPT) civil servants."""

from __future__ import annotations

from datetime import date

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision
from bilan_core.model import FundingDecision, FundingRule, PublicBranch, Status
from bilan_funders._common import check_gap, check_in_force

FUNDER = "public_employer"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan", "training", "vae")
NAME = "Employeur public (fonction publique d'État ou territoriale)"

RULES = (
    FundingRule(id="public_employer_fpe", funder=FUNDER,
                text="fonction publique d'État : un bilan tous les 5 ans (sauf exceptions),"
                     " financé par l'administration, avec convention tripartite ; priorité aux"
                     " agents de catégorie C sans le baccalauréat, aux agents handicapés et"
                     " aux agents exposés à l'usure professionnelle",
                in_force_from=date(2022, 7, 24), source="décret 2022-1043 ; fiche officielle",
                sureness="official"),
    FundingRule(id="public_employer_fpt", funder=FUNDER,
                text="fonction publique territoriale : selon la politique de formation de la"
                     " collectivité", in_force_from=date(2019, 1, 1),
                source="fiche officielle", sureness="official"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """FPE: every 5 years, full cost; FPT: depends on the local authority."""
    d = Decision(FUNDER, NAME, request)
    b = request.beneficiary
    d.check(b.status is Status.PUBLIC_AGENT, f"agent·e public·que (statut : {b.status_label})")
    if b.public_branch is None:
        d.check(None, "versant de la fonction publique à préciser (FPE, FPT ou FPH)")
    else:
        d.check(b.public_branch is not PublicBranch.FPH,
                f"versant {b.public_branch.value} (la fonction publique hospitalière relève"
                " de l'ANFH)")
    if d.failed:
        return d.not_eligible()
    if b.public_branch is PublicBranch.FPE:
        if not check_in_force(d, RULES[0]):
            return d.not_eligible()
        check_gap(d, 5, "un bilan tous les 5 ans au plus, sauf exceptions (décret 2022-1043)")
        d.note("financement du coût complet par l'administration, dans la limite de son budget")
        d.cite(RULES[0].source)
    else:
        if not check_in_force(d, RULES[1]):
            return d.not_eligible()
        d.check(None, "prise en charge selon la politique de formation de la collectivité")
        d.cite(RULES[1].source)
    d.need("Convention tripartite agent, administration et prestataire")
    d.need("Demande écrite à votre service de formation ou des ressources humaines")
    return d.decide(request.price)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
