"""The domain model validates its values at construction."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs
import pytest

from bilan_core.model import (
    Beneficiary,
    Consent,
    ConsentKind,
    Dossier,
    FundingDecision,
    PlannedStep,
    Provider,
    Status,
    to_euros,
)
from bilan_core.model.serialize import dossier_from_json, dossier_to_json


def test_euros_are_decimals_rounded_to_the_cent():
    assert to_euros("1950") == Decimal("1950.00")
    assert to_euros(102.23) == Decimal("102.23")
    assert to_euros(0.1 + 0.2) == Decimal("0.30")


@pytest.mark.parametrize("bad", [True, None, "abc", float("nan"), float("inf")])
def test_euros_refuse_what_is_not_an_amount(bad):
    with pytest.raises(ValueError):
        to_euros(bad)


def test_beneficiary_converts_status_and_balance():
    b = Beneficiary(id="B-1", status="job_seeker", cpf_balance=800)
    assert b.status is Status.JOB_SEEKER
    assert b.cpf_balance == Decimal("800.00")
    assert b.status.label == "demandeur·se d'emploi"
    assert b.status_label == "demandeur·se d'emploi"
    assert Beneficiary(id="B-1", status="job_seeker", address="madame").status_label == (
        "demandeuse d'emploi")
    assert Beneficiary(id="B-1", status="job_seeker", address="monsieur").status_label == (
        "demandeur d'emploi")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"id": "Jean Dupont", "status": "job_seeker"}, "identifier"),
        ({"id": "B-1", "status": "retired"}, "not a valid Status"),
        ({"id": "B-1", "status": "job_seeker", "cpf_balance": -1}, "zero or more"),
        ({"id": "B-1", "status": "job_seeker", "public_branch": "FPH"}, "public_agent"),
        ({"id": "B-1", "status": "job_seeker", "previous_bilan": datetime(2020, 1, 1)}, "date"),
    ],
)
def test_beneficiary_rejects_invalid_values(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Beneficiary(**kwargs)


def test_sharing_consent_needs_a_recipient():
    with pytest.raises(ValueError, match="recipient"):
        Consent(kind="sharing", given_on=date(2026, 1, 1))


def test_retention_consent_ends_after_it_is_given():
    Consent(kind="retention", given_on=date(2026, 1, 1), until=date(2026, 1, 2))
    with pytest.raises(ValueError, match="'until' must come after 'given_on'"):
        Consent(kind="retention", given_on=date(2026, 1, 1), until=date(2026, 1, 1))


def test_consent_in_force_between_its_dates():
    consent = Consent(kind="retention", given_on=date(2026, 1, 1), until=date(2026, 6, 30))
    assert not consent.in_force(date(2025, 12, 31))
    assert consent.in_force(date(2026, 6, 30))
    assert not consent.in_force(date(2026, 7, 1))


def test_values_are_frozen():
    provider = Provider(name="Centre", qualiopi=True)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        provider.name = "Autre"  # type: ignore[misc]


def test_funding_decision_amounts_are_non_negative():
    with pytest.raises(ValueError):
        FundingDecision(funder="cpf", name="CPF", eligibility="eligible", remaining=-5)


def _dossier() -> Dossier:
    return Dossier(
        id="B-1-20261102",
        reference_date=date(2026, 11, 2),
        beneficiary=Beneficiary(id="B-1", status="private_employee", cpf_balance="1000.5"),
        provider=Provider(name="Centre é", qualiopi=True),
        consents=(Consent(kind=ConsentKind.BILAN, given_on=date(2026, 10, 1)),),
        plan=(PlannedStep(id="preparation", phase="preliminary", hours="2.5"),),
    )


def test_dossier_json_round_trip_keeps_every_value():
    dossier = _dossier()
    text = dossier_to_json(dossier)
    assert '"format_version": 2' in text
    assert "Centre é" in text  # accents kept, not escaped
    assert dossier_from_json(text) == dossier


def test_dossier_json_of_another_version_is_refused():
    text = dossier_to_json(_dossier()).replace('"format_version": 2', '"format_version": 99')
    with pytest.raises(Exception, match="format version 99 is not supported"):
        dossier_from_json(text)


def test_planned_hours_add_up():
    dossier = attrs.evolve(_dossier(), plan=(
        PlannedStep(id="a", phase="preliminary", hours="2.5"),
        PlannedStep(id="b", phase="investigation", hours=10),
    ))
    assert dossier.planned_hours == Decimal("12.5")
