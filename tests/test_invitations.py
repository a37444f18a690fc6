"""``bilan invite``: links for a beneficiary to answer a dossier's questionnaires."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from conftest import PIPELINE

from bilan_core.store.core import Store, token_digest

QUESTIONNAIRES = PIPELINE.replace(
    '[[steps]]\nid = "needs_analysis"\nhours = 3',
    '[[steps]]\nid = "needs_analysis"\nhours = 3\ninstruments = ["valeurs", "riasec"]')
LINK = re.compile(r"^(https?://\S+)/invitation/([A-Za-z0-9_-]{43})$")


@pytest.fixture
def dossier(bilan, tmp_path, monkeypatch):
    """An open dossier of Alice's, in an SQLite store of the test's own."""
    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.delenv("BILAN_USER", raising=False)
    monkeypatch.delenv("BILAN_BASE_URL", raising=False)
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    assert bilan("user", "add", "bruno", "--role", "counsellor").code == 0
    path = tmp_path / "pipeline.toml"
    path.write_text(QUESTIONNAIRES, encoding="utf-8")
    made = bilan("dossier", "new", path, "--counsellor", "alice")
    assert made.code == 0, made.err
    return made.out.split()[-1]


def _store(tmp_path) -> Store:
    return Store.open(str(tmp_path / "store.sqlite"))


def test_a_link_opens_its_dossiers_questionnaires_and_only_its_hash_is_kept(
        bilan, dossier, tmp_path):
    result = bilan("invite", dossier)
    assert result.code == 0, result.err
    match = LINK.match(result.out.strip())
    assert match and match.group(1) == "http://127.0.0.1:8000"
    token = match.group(2)
    assert "valeurs, riasec" in result.err and "(UTC)" in result.err
    store = _store(tmp_path)
    try:
        opened = store.invitation(token)
        assert opened is not None
        assert (opened.dossier_id, opened.instruments, opened.counsellor) == (
            dossier, ("valeurs", "riasec"), "alice")
        assert store.invitation(token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert store.invitation("") is None
        trail = json.dumps(store.audit_trail(dossier))
    finally:
        store.close()
    files = b"".join(p.read_bytes() for p in tmp_path.glob("store.sqlite*"))
    assert token.encode() not in files and token_digest(token).encode() in files
    assert token not in trail and "invitation.create" in trail


def test_chosen_questionnaires_and_what_is_refused(bilan, dossier):
    result = bilan("invite", dossier, "--instrument", "riasec", "--instrument", "riasec")
    assert result.code == 0 and "riasec;" in result.err
    for args, expected in (
            (("--instrument", "competences"), "'competences' is not one of its"
                                              " questionnaires; its steps plan: valeurs,"
                                              " riasec"),
            (("--expires", "100d"), "90 days at most"),
            (("--expires", "3 days"), "expected hours, days or weeks"),
            (("--expires", "0d"), "expected hours, days or weeks"),
            (("--base-url", "ftp://x"), "--base-url: expected the address"),
            (("--base-url", "https://u:p@x.fr"), "--base-url: expected the address"),
            (("--base-url", "https://x.fr/?a=1"), "--base-url: expected the address"),
            (("--list", "--revoke", "1"), "not both")):
        refused = bilan("invite", dossier, *args)
        assert refused.code == 2, (args, refused.err)
        assert expected in refused.err and len(refused.err.strip().splitlines()) == 1, args
    assert bilan("invite", "nope").code == 2


def test_the_base_url_from_the_option_or_the_environment(bilan, dossier, monkeypatch):
    given = bilan("invite", dossier, "--base-url", "https://bilan.example.fr/cabinet/")
    assert LINK.match(given.out.strip()).group(1) == "https://bilan.example.fr/cabinet"
    monkeypatch.setenv("BILAN_BASE_URL", "https://env.example.fr")
    assert LINK.match(bilan("invite", dossier).out.strip()).group(1) == (
        "https://env.example.fr")


def test_listed_revoked_and_expired_links_open_nothing(bilan, dossier, tmp_path):
    first = LINK.match(bilan("invite", dossier, "--expires", "48h").out.strip()).group(2)
    second = LINK.match(bilan("invite", dossier, "--instrument", "riasec").out.strip()).group(2)
    store = _store(tmp_path)
    try:
        past = datetime.now(timezone.utc) - timedelta(minutes=1)
        _number, expired = store.invite(dossier, ["valeurs"], past)
        assert store.invitation(expired) is None
    finally:
        store.close()
    listed = json.loads(bilan("invite", dossier, "--list", "--json").out)
    assert [(row["id"], row["state"]) for row in listed] == [
        (3, "expired"), (2, "active"), (1, "active")]
    assert all("token" not in json.dumps(row) for row in listed)
    assert bilan("invite", dossier, "--revoke", "1").code == 0
    again = bilan("invite", dossier, "--revoke", "1")
    assert again.code == 2 and "no invitation 1 to revoke" in again.err
    text = bilan("invite", dossier, "--list").out
    assert re.search(r"^1\s+revoked\s+valeurs, riasec", text, re.M), text
    store = _store(tmp_path)
    try:
        assert store.invitation(first) is None
        assert store.invitation(second) is not None
    finally:
        store.close()


def test_a_closed_dossier_opens_no_link_and_takes_no_new_one(bilan, dossier, tmp_path):
    token = LINK.match(bilan("invite", dossier).out.strip()).group(2)
    assert bilan("dossier", "close", dossier).code == 0
    store = _store(tmp_path)
    try:
        assert store.invitation(token) is None
    finally:
        store.close()
    refused = bilan("invite", dossier)
    assert refused.code == 2, refused.err


def test_another_counsellor_can_neither_invite_nor_see_nor_revoke(bilan, dossier,
                                                                  monkeypatch):
    assert bilan("invite", dossier).code == 0
    monkeypatch.setenv("BILAN_USER", "bruno")
    for args in ((), ("--list",), ("--revoke", "1")):
        result = bilan("invite", dossier, *args)
        assert result.code == 2, (args, result.err)
        assert f"no dossier '{dossier}' among yours" in result.err
    monkeypatch.setenv("BILAN_USER", "alice")
    assert [row["state"] for row in json.loads(
        bilan("invite", dossier, "--list", "--json").out)] == ["active"]


def test_answers_from_a_browser_are_saved_together_and_final_once_completed(dossier, tmp_path):
    from datetime import date

    from bilan_core.errors import UsageError

    store = _store(tmp_path)
    try:
        assert store.save_answers(dossier, "riasec", "1.0", {"R01": 3, "R02": 4}, 2.5)
        assert store.save_answers(dossier, "riasec", "1.0", {"R01": 1}, None)  # replaced
        with pytest.raises(UsageError, match=r"were given to version 1\.0, not 2\.0"):
            store.save_answers(dossier, "riasec", "2.0", {"R03": 0})
        saved = store.answers(dossier, audit=False)["riasec"]
        assert saved["answers"] == {"R01": 1, "R02": 4} and saved["version"] == "1.0"
        store.complete_administration(dossier, "riasec", date(2026, 11, 3))
        assert not store.save_answers(dossier, "riasec", "1.0", {"R01": 4})  # final
        assert store.answers(dossier, audit=False)["riasec"]["answers"]["R01"] == 1
        starts = [e for e in store.audit_trail(dossier) if e["action"] == "answers.start"]
        assert len(starts) == 1
    finally:
        store.close()
