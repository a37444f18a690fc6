"""The provider's evidence data: legal details, the beneficiary's identity, invoices and
payments, kept in the store apart from the bilan's content (bilan provider, bilan dossier
identity, bilan invoice)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from conftest import PIPELINE

SIRET = "73282932000074"  # passes the Luhn check
NAME = "Zq9-Élodie-Martin"


@pytest.fixture
def dossier(bilan, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    for name in ("BILAN_USER", "BILAN_STORE_KEY", "BILAN_STORE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    assert bilan("user", "add", "bruno", "--role", "counsellor").code == 0
    path = tmp_path / "pipeline.toml"
    path.write_text(PIPELINE, encoding="utf-8")
    made = bilan("dossier", "new", path, "--counsellor", "alice")
    assert made.code == 0, made.err
    return made.out.split()[-1]


def test_the_providers_details_are_checked_and_an_administrators_to_set(bilan, dossier,
                                                                         monkeypatch):
    made = bilan("provider", "set", "--legal-name", "Cap Parcours  Conseil", "--siret",
                 "732 829 320 00074", "--nda", "32 59 01234 59")
    assert made.code == 0, made.err
    shown = json.loads(bilan("provider", "show", "--json").out)
    assert shown == {"legal_name": "Cap Parcours Conseil", "siret": SIRET,
                     "nda": "32590123459"}
    for option, value, expected in (("--siret", "73282932000075", "valid check digit"),
                                    ("--siret", "7328293200007", "14 digits"),
                                    ("--nda", "1234", "11 digits"),
                                    ("--legal-name", "x" * 201, "at most 200")):
        refused = bilan("provider", "set", option, value)
        assert refused.code == 2 and expected in refused.err, (option, refused.err)
        assert "Traceback" not in refused.err
    assert bilan("provider", "set").code == 2
    assert bilan("provider", "set", "--nda", "").code == 0  # an empty value removes it
    assert "nda" not in json.loads(bilan("provider", "show", "--json").out)
    monkeypatch.setenv("BILAN_USER", "alice")
    refused = bilan("provider", "set", "--legal-name", "Autre")
    assert refused.code == 2 and "an administrator's right" in refused.err
    assert json.loads(bilan("provider", "show", "--json").out)["legal_name"] == (
        "Cap Parcours Conseil")  # a counsellor reads them


def test_the_identity_is_sealed_kept_apart_and_seen_by_its_counsellor_only(
        bilan, dossier, tmp_path, monkeypatch):
    key = tmp_path / "store.key"
    assert bilan("store", "new-key", key).code == 0
    assert bilan("store", "rotate-key", "--new-key-file", key).code == 0
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(key))
    made = bilan("dossier", "identity", dossier, "--civility", "Mme", "--first-name", NAME,
                 "--last-name", "Martin", "--email", "e.martin@example.fr")
    assert made.code == 0, made.err
    assert NAME.encode() not in (tmp_path / "store.sqlite").read_bytes()
    assert json.loads(bilan("dossier", "identity", dossier, "--json").out)["first_name"] == NAME
    for option, value in (("--civility", "Madame"), ("--email", "pas-une-adresse")):
        refused = bilan("dossier", "identity", dossier, option, value)
        assert refused.code == 2 and option in refused.err
    monkeypatch.setenv("BILAN_USER", "bruno")
    other = bilan("dossier", "identity", dossier)
    assert other.code == 2 and NAME not in other.out + other.err
    monkeypatch.delenv("BILAN_USER")
    trail = [(e["action"], e["detail"]) for e in json.loads(bilan("audit", dossier,
                                                                   "--json").out)]
    assert ("identity.set", json.dumps({"keys": ["civility", "email", "first_name",
                                                 "last_name"]})) in trail
    assert not any(NAME in detail for _action, detail in trail)
    assert any(action == "identity.read" for action, _detail in trail)
    second = tmp_path / "second.key"  # a new key reseals the identity too
    assert bilan("store", "new-key", second).code == 0
    assert bilan("store", "rotate-key", "--new-key-file", second).code == 0
    monkeypatch.setenv("BILAN_STORE_KEY_FILE", str(second))
    assert json.loads(bilan("dossier", "identity", dossier, "--json").out)["last_name"] == (
        "Martin")


def test_invoices_and_payments_and_what_remains_due(bilan, dossier, monkeypatch):
    assert bilan("invoice", "add", dossier, "--number", "F-2026-001", "--payer", "opco",
                 "--payer-name", "OPCO Mobilités", "--amount", "1 450,00", "--date",
                 "2026-11-20").code == 0
    assert bilan("invoice", "add", dossier, "--number", "F-2026-002", "--payer",
                 "individual", "--amount", "100", "--date", "2026-11-21").code == 0
    for args, expected in ((("--number", "F-2026-001", "--payer", "cpf", "--amount", "10"),
                            "already recorded"),
                           (("--number", "F 1", "--payer", "cpf", "--amount", "10"),
                            "--number"),
                           (("--number", "F-3", "--payer", "cpf", "--amount", "-5"),
                            "--amount"),
                           (("--number", "F-3", "--payer", "cpf", "--amount", "1.001"),
                            "--amount"),
                           (("--number", "F-3", "--payer", "cpf", "--amount", "NaN"),
                            "--amount"),
                           (("--number", "F-3", "--payer", "mécène", "--amount", "5"),
                            "--payer")):
        refused = bilan("invoice", "add", dossier, *args)
        assert refused.code == 2 and expected in refused.err, (args, refused.err)
    paid = bilan("invoice", "pay", "F-2026-001", "--amount", "1000", "--date", "2026-12-01")
    assert paid.code == 0 and "450.00 € remain due" in paid.out
    for args, expected in ((("--amount", "500", "--date", "2026-12-02"), "only 450.00"),
                           (("--amount", "10", "--date", "2026-11-01"), "before it was"),):
        refused = bilan("invoice", "pay", "F-2026-001", *args)
        assert refused.code == 2 and expected in refused.err
    assert bilan("invoice", "pay", "F-9", "--amount", "1").code == 2
    rows = json.loads(bilan("invoice", "list", dossier, "--json").out)
    assert [(r["number"], r["payer"], r["amount"], r["due"]) for r in rows] == [
        ("F-2026-001", "opco", "1450.00", "450.00"), ("F-2026-002", "individual", "100.00",
                                                      "100.00")]
    assert rows[0]["payments"] == [{"paid_on": "2026-12-01", "amount": "1000.00"}]
    monkeypatch.setenv("BILAN_USER", "bruno")  # another counsellor: none of hers
    assert json.loads(bilan("invoice", "list", "--json").out) == []
    assert bilan("invoice", "pay", "F-2026-002", "--amount", "1").code == 2
    assert bilan("invoice", "list", dossier).code == 2


def test_evidence_data_outlives_a_purge_and_goes_with_the_dossier(bilan, dossier, tmp_path):
    assert bilan("dossier", "identity", dossier, "--last-name", "Martin").code == 0
    assert bilan("invoice", "add", dossier, "--number", "F-1", "--payer", "cpf", "--amount",
                 "1200", "--date", "2026-11-20").code == 0
    closed = bilan("dossier", "close", dossier, "--date", "2026-11-30")
    assert closed.code == 0 and "destroyed" in closed.out
    assert json.loads(bilan("dossier", "identity", dossier, "--json").out) == {
        "last_name": "Martin"}
    assert [r["number"] for r in json.loads(bilan("invoice", "list", "--json").out)] == ["F-1"]
    assert bilan("dossier", "delete", dossier, "--yes").code == 0
    with sqlite3.connect(tmp_path / "store.sqlite") as connection:
        for table in ("identities", "invoices", "payments"):
            count = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            assert count == 0, table
