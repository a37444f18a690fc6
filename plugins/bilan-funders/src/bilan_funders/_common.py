"""What several funders share: dates, public or pooled funds, the five-year gap."""

from __future__ import annotations

from datetime import date

from bilan_core.funding.decision import Decision, date_fr
from bilan_core.model import Beneficiary, FundingRule, Status

#: Funders whose money is public or pooled (mutualisé), as ``previous_bilan_funder`` names them.
PUBLIC_OR_POOLED = {"cpf", "opco", "france_travail", "pole_emploi", "agefiph", "fiphfp",
                    "public_employer", "anfh", "faf", "fongecif", "transitions_pro", "region"}

QUALIOPI_SINCE = date(2022, 1, 1)


def years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def previous_bilan_within(beneficiary: Beneficiary, on: date, years: int) -> bool:
    """Whether the previous bilan took place less than ``years`` years before ``on``."""
    previous = beneficiary.previous_bilan
    return previous is not None and previous > years_before(on, years)


def check_qualiopi(decision: Decision, qualiopi: bool) -> None:
    """Public and pooled funds need a Qualiopi-certified provider (L6316-1, from 2022)."""
    if decision.request.on >= QUALIOPI_SINCE:
        decision.check(qualiopi, "prestataire certifié Qualiopi, obligatoire pour les fonds"
                                 " publics ou mutualisés depuis le 1er janvier 2022 (L6316-1)")


def check_gap(decision: Decision, years: int, rule: str) -> None:
    """No new bilan within ``years`` of the previous one."""
    beneficiary = decision.request.beneficiary
    if beneficiary.previous_bilan is None:
        decision.check(True, f"pas de bilan de compétences dans les {years} dernières années")
    else:
        decision.check(not previous_bilan_within(beneficiary, decision.request.on, years),
                       f"dernier bilan le {date_fr(beneficiary.previous_bilan)} : {rule}")


def check_in_force(decision: Decision, rule: FundingRule) -> bool:
    """Record whether a funder's rule is in force on the request's date (dates inclusive)."""
    on = decision.request.on
    if rule.applies_on(on):
        return True
    if rule.in_force_from and rule.in_force_until:
        period = f"du {date_fr(rule.in_force_from)} au {date_fr(rule.in_force_until)}"
    elif rule.in_force_from:
        period = f"depuis le {date_fr(rule.in_force_from)}"
    else:
        period = f"jusqu'au {date_fr(rule.in_force_until)}"
    decision.check(False, f"règle non applicable le {date_fr(on)} : « {rule.text} »,"
                          f" en vigueur {period} ({rule.source})")
    return False


def check_private_employee(decision: Decision) -> bool:
    """The beneficiary is a private-sector employee."""
    beneficiary = decision.request.beneficiary
    return bool(decision.check(beneficiary.status is Status.PRIVATE_EMPLOYEE,
                               f"salarié·e du secteur privé (statut :"
                               f" {beneficiary.status_label})"))
