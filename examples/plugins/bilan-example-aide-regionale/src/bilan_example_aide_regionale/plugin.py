"""The « Pass Bilan » of the (fictitious) Région Exemple, registered as a funder.

The aid's rules are data with their dates (both inclusive) and their source. When the region
changes its aid, a new version of the rule is added, dated, beside the old one: a quote for a
past date keeps the rules of that date, and `bilan funding rules` lists both. The versions of
one rule must not overlap.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision, money, rule_on
from bilan_core.model import FundingDecision, FundingRule, Status

FUNDER = "example_aide_regionale"
NAME = "Pass Bilan de la Région Exemple (aide fictive)"
RULE = "pass_bilan"
#: Companies with this many employees or more are not helped.
MAX_STAFF = 250
WHO = ("salariés des entreprises de moins de 250 salariés et demandeurs d'emploi de la"
       " Région Exemple")

RULES = (
    FundingRule(id=RULE, funder=FUNDER,
                text=f"Pass Bilan pour les {WHO} : la moitié du prix, au plus 600 €",
                in_force_from=date(2024, 7, 1), in_force_until=date(2025, 12, 31),
                rate=Decimal("0.5"), cap=Decimal("600"),
                source="délibération fictive du conseil régional n° 2024-117 (exemple)"),
    FundingRule(id=RULE, funder=FUNDER,
                text=f"Pass Bilan pour les {WHO} : forfait de 450 €",
                in_force_from=date(2026, 1, 1), amount=Decimal("450"),
                source="délibération fictive du conseil régional n° 2025-342 (exemple)"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """Private-sector employees of companies under 250 staff and job seekers, with a Qualiopi
    provider; the aid only adds to another funding (``tops_up``)."""
    d = Decision(FUNDER, NAME, request)
    rule = rule_on(RULES, RULE, request.on)
    if rule is None:
        d.check(False, f"aucune version du Pass Bilan n'est en vigueur le {request.on:%d/%m/%Y}")
        d.cite(RULES[0].source)
        return d.not_eligible()
    d.cite(rule.source)
    beneficiary = request.beneficiary
    if beneficiary.status is Status.JOB_SEEKER:
        d.check(True, "demandeur·se d'emploi")
    else:
        d.check(beneficiary.status is Status.PRIVATE_EMPLOYEE,
                f"salarié·e du secteur privé ou demandeur·se d'emploi (statut :"
                f" {beneficiary.status_label})")
        staff = beneficiary.employer_staff
        d.check(None if staff is None else staff < MAX_STAFF,
                f"entreprise de moins de {MAX_STAFF} salariés"
                + ("" if staff is None else f" ({staff} salariés)"))
    d.check(request.provider_qualiopi, "prestataire certifié Qualiopi")
    if d.failed:
        return d.not_eligible()
    covered = rule.limit(request.price) or Decimal(0)
    d.note(f"montant du Pass Bilan : {rule.amount_text}, soit {money(covered)} pour ce devis")
    d.need("Demande de Pass Bilan sur le portail de la Région Exemple, avant le début du bilan")
    d.need("Justificatif de domicile ou de lieu de travail dans la région")
    return d.decide(covered, tops_up=True)


@hookimpl
def register_funders(register: Callable[[Funder], None]) -> None:
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=("bilan",),
                    description="Aide fictive d'une région au bilan de compétences"))
