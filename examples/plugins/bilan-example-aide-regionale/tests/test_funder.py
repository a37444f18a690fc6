"""Tests of the plugin: bilan's conformance suite, and the aid's decisions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from bilan_core import api
from bilan_core.model import Beneficiary, FundingDecision
from bilan_core.plugins import PluginHost
from bilan_core.testing import conformance

DISTRIBUTION = "bilan-example-aide-regionale"
FUNDER = "example_aide_regionale"

# What every funder must do: each decision carries a trace and a source, never covers more
# than the price, and the versions of a rule do not overlap.
TestFunder = conformance.funder_suite(FUNDER, plugin=DISTRIBUTION)


def decision(host: PluginHost, beneficiary: Beneficiary, on: date) -> FundingDecision:
    """This funder's decision for a quote of 1 950 € and 20 hours on ``on``."""
    decisions, _plan = api.quote_funding(beneficiary, price="1950", hours=20, on=on, host=host)
    return next(d for d in decisions if d.funder == FUNDER)


def test_each_version_of_the_rule_applies_on_its_dates(
        bilan_host: Callable[..., PluginHost],
        make_beneficiary: Callable[..., Beneficiary]) -> None:
    host = bilan_host(DISTRIBUTION)
    employee = make_beneficiary(status="private_employee", employer_staff=40)
    in_2025 = decision(host, employee, date(2025, 6, 1))
    in_2026 = decision(host, employee, date(2026, 3, 1))
    assert in_2025.eligibility.value == in_2026.eligibility.value == "eligible"
    assert in_2025.covered == Decimal("600.00")  # half of 1 950 €, at most 600 €
    assert in_2026.covered == Decimal("450.00")  # the flat aid from 2026
    assert in_2026.tops_up and "n° 2025-342" in in_2026.source
    before = decision(host, employee, date(2024, 6, 30))  # before the first version
    assert before.eligibility.value == "not_eligible" and before.covered == 0


def test_job_seekers_are_helped_whatever_their_last_employer(
        bilan_host: Callable[..., PluginHost],
        make_beneficiary: Callable[..., Beneficiary]) -> None:
    seeker = make_beneficiary(status="job_seeker", cpf_balance=0, employer=None,
                              employer_staff=900)
    helped = decision(bilan_host(DISTRIBUTION), seeker, date(2026, 3, 1))
    assert helped.eligibility.value == "eligible"
    assert helped.covered == Decimal("450.00")
    assert "✔ demandeur·se d'emploi" in helped.trace


def test_a_company_of_250_staff_or_more_is_not_helped(
        bilan_host: Callable[..., PluginHost],
        make_beneficiary: Callable[..., Beneficiary]) -> None:
    large = make_beneficiary(status="private_employee", employer_staff=300)
    refused = decision(bilan_host(DISTRIBUTION), large, date(2026, 3, 1))
    assert refused.eligibility.value == "not_eligible"
    assert refused.covered == 0
    assert "✘ entreprise de moins de 250 salariés (300 salariés)" in refused.trace
