"""The evidence's figures and documents, through the real command line on a real SQLite store:
the completion rate, the CPF's deadlines and the BPF's figures against values computed by hand
on a set of dossiers built for the test (a partial completion, several funders, a self-paying
beneficiary, a job seeker, a year boundary); a signed session altered in the database; a purge
that leaves the evidence pack complete and free of the bilan's content."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import zipfile

import pytest
from conftest import PIPELINE, require

#: Markers of the bilan's content: its notes and the careers it proposes (PIPELINE), and a
#: free text written later. None may reach the evidence.
CONTENT_MARKERS = ("Faire le point", "dix ans", "Technicienne de maintenance", "Formatrice",
                   "Qx7-note-libre")


@pytest.fixture
def store(bilan, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    for name in ("BILAN_USER", "BILAN_STORE_KEY", "BILAN_STORE_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    assert bilan("provider", "set", "--legal-name", "Cap Parcours Conseil", "--siret",
                 "73282932000074", "--nda", "32590123459", "--address",
                 "3 rue des Lilas 59000 Lille", "--representative", "Anne Durand").code == 0
    return tmp_path / "store.sqlite"


def new(bilan, tmp_path, name: str, on: str, text: str = PIPELINE) -> str:
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace("given_on = 2026-10-01", "given_on = 2025-09-01"),
                    encoding="utf-8")
    made = bilan("dossier", "new", path, "--counsellor", "alice", "--date", on)
    assert made.code == 0, made.err
    return made.out.split()[-1]


def session(bilan, dossier: str, on: str, hours: str, step: str, *signers: str,
            modality: str = "presentiel") -> int:
    logged = bilan("session", "log", dossier, "--date", on, "--hours", hours, "--step", step,
                   "--modality", modality)
    assert logged.code == 0, logged.err
    number = int(logged.out.split()[1])  # "session N logged: ..."
    for role in signers:
        with acting("alice" if role == "counsellor" else None):
            signed = bilan("evidence", "sign", dossier, number, "--as", role,
                           *(("--name", "Élodie Martin") if role == "beneficiary" else ()))
        assert signed.code == 0, signed.err
    return number


@contextlib.contextmanager
def acting(name: str | None):
    """Run the commands inside as the account ``name`` (None: as the store's owner)."""
    before = os.environ.get("BILAN_USER")
    if name is not None:
        os.environ["BILAN_USER"] = name
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("BILAN_USER", None)
        else:
            os.environ["BILAN_USER"] = before


def ok(result):
    assert result.code == 0, result.err
    return result


@pytest.fixture
def dossiers(bilan, store, tmp_path):
    """Four dossiers, their sessions, signatures, invoices and payments (module docstring);
    the values expected are computed by hand in the tests."""
    a = new(bilan, tmp_path, "a", "2025-10-06")  # employer and OPCO, interrupted
    session(bilan, a, "2025-10-06", "2", "preparation", "beneficiary", "counsellor")
    session(bilan, a, "2025-10-13", "3", "needs_analysis", "beneficiary")
    session(bilan, a, "2025-10-20", "3", "skills_exploration", "counsellor")  # not by her
    ok(bilan("evidence", "record", a, "interruption", "--date", "2025-10-25", "--reason",
             "abandonment"))
    ok(bilan("invoice", "add", a, "--number", "A1", "--payer", "employer", "--amount", "600",
             "--date", "2025-10-30"))
    ok(bilan("invoice", "add", a, "--number", "A2", "--payer", "opco", "--amount", "300",
             "--date", "2025-10-30"))
    ok(bilan("invoice", "pay", "A1", "--amount", "600", "--date", "2025-11-15"))

    b = new(bilan, tmp_path, "b", "2025-11-10")  # CPF, done in full, then closed
    for on, hours, step in (("2025-11-10", "2", "preparation"),
                            ("2025-11-17", "3", "needs_analysis"),
                            ("2025-11-24", "5", "skills_exploration"),
                            ("2025-12-01", "4", "career_options"),
                            ("2025-12-15", "3", "action_plan")):
        session(bilan, b, on, hours, step, "beneficiary", "counsellor")
    ok(bilan("evidence", "record", b, "cpf-entry", "--date", "2025-11-17"))
    ok(bilan("invoice", "add", b, "--number", "B1", "--payer", "cpf", "--amount", "1600",
             "--date", "2025-12-16"))
    ok(bilan("invoice", "pay", "B1", "--amount", "1600", "--date", "2026-01-10"))

    c = new(bilan, tmp_path, "c", "2025-10-01")  # pays for herself, over two years
    session(bilan, c, "2025-10-01", "2", "preparation", "beneficiary")
    session(bilan, c, "2026-01-05", "3", "needs_analysis", "beneficiary")
    ok(bilan("invoice", "add", c, "--number", "C1", "--payer", "individual", "--amount",
             "500", "--date", "2025-10-01"))
    ok(bilan("invoice", "pay", "C1", "--amount", "150", "--date", "2025-10-01"))
    ok(bilan("invoice", "pay", "C1", "--amount", "350", "--date", "2026-01-05"))

    seeker = PIPELINE.replace('status = "private_employee"', 'status = "job_seeker"').replace(
        'employer = "Entreprise Exemple"\n', "")
    d = new(bilan, tmp_path, "d", "2025-12-01", seeker)  # France Travail
    session(bilan, d, "2025-12-01", "2", "preparation", "beneficiary")
    ok(bilan("invoice", "add", d, "--number", "D1", "--payer", "france_travail", "--amount",
             "1200", "--date", "2025-12-02"))
    ok(bilan("dossier", "close", b, "--date", "2025-12-16"))
    return {"a": a, "b": b, "c": c, "d": d}


def status(bilan, dossier: str, today: str) -> dict:
    return json.loads(ok(bilan("evidence", "status", dossier, "--date", today, "--json")).out)[0]


def test_completion_rates_and_cpf_deadlines_match_the_hand_computed_values(bilan, dossiers):
    a = status(bilan, dossiers["a"], "2025-12-18")
    # 17 h planned; done = the sessions she signed: 2 + 3 = 5 h; 5 / 17 = 29.4 % -> 29.
    assert (a["planned_hours"], a["signed_hours"], a["logged_hours"]) == ("17", "5", "8")
    assert (a["rate"], a["reason"], a["ended"]) == (29, "abandonment", True)
    assert (a["entry_on"], a["exit_on"]) == ("2025-10-06", "2025-10-13")
    assert a["unsigned"] == [3] and a["entry_state"] is None  # not a CPF bilan: no deadline
    b = status(bilan, dossiers["b"], "2025-12-18")
    assert (b["rate"], b["signed_hours"], b["ended"]) == (100, "17", True)
    # Entry Monday 10 November; Tuesday 11 November is a public holiday: the third
    # working day is Friday 14 November. Declared on Monday 17th: late.
    assert (b["entry_on"], b["entry_deadline"], b["entry_state"]) == (
        "2025-11-10", "2025-11-14", "late")
    # Exit Monday 15 December: Thursday 18th is the deadline, today: near.
    assert (b["exit_on"], b["exit_deadline"], b["exit_state"]) == (
        "2025-12-15", "2025-12-18", "near")
    assert b["warnings"] == ["entry_late", "exit_near"]
    assert status(bilan, dossiers["b"], "2025-12-19")["exit_state"] == "past"
    c = status(bilan, dossiers["c"], "2026-01-06")
    assert (c["rate"], c["ended"], c["exit_on"]) == (29, False, None)  # 5 / 17, still open
    d = status(bilan, dossiers["d"], "2025-12-18")
    assert d["rate"] == 11  # 2 / 17 = 11.8 %, rounded down
    text = ok(bilan("evidence", "status", dossiers["b"], "--date", "2025-12-18")).out
    assert "17 h signed of 17 h planned" in text and "2025-12-18" in text


def test_bpf_figures_match_the_hand_computed_values_and_are_traced(bilan, dossiers):
    figures = json.loads(ok(bilan("evidence", "bpf", "--year", "2025", "--json")).out)
    f3e = figures["f3e"]
    # Sessions held in 2025: A 2+3+3, B 2+3+5+4+3, C 2, D 2 = 8 + 17 + 2 + 2 = 29 h.
    assert (f3e["beneficiaries"], f3e["hours"], f3e["unsigned_sessions"]) == (4, "29", 1)
    assert sorted(f3e["dossiers"]) == sorted(dossiers.values())
    assert len(f3e["sessions"]) == 3 + 5 + 1 + 1
    types = {line["line"]: sorted(line["dossiers"]) for line in figures["f1"]}
    assert types == {"F-1 a": sorted([dossiers["a"], dossiers["b"]]),
                     "F-1 c": [dossiers["d"]], "F-1 d": [dossiers["c"]], "F-1 e": []}
    revenue = {line["line"]: (line["amount"], line["received"], line["invoices"])
               for line in figures["revenue"]}
    assert revenue == {"C-1": ("600.00", "600.00", ["A1"]),
                       "C-2 e": ("1600.00", "0.00", ["B1"]),
                       "C-2 h": ("300.00", "0.00", ["A2"]),
                       "C-7": ("1200.00", "0.00", ["D1"]),
                       "C-9": ("500.00", "150.00", ["C1"])}
    assert figures["revenue_total"] == "4200.00"
    later = json.loads(ok(bilan("evidence", "bpf", "--year", "2026", "--json")).out)
    assert (later["f3e"]["beneficiaries"], later["f3e"]["hours"]) == (1, "3")
    assert {line["line"]: (line["amount"], line["received"]) for line in later["revenue"]} == {
        "C-2 e": ("0.00", "1600.00"), "C-9": ("0.00", "350.00")}
    text = ok(bilan("evidence", "bpf", "--year", "2025")).out
    assert "F-3 e: 4 beneficiaries, 29 hours" in text and "4200.00" in text


def test_a_signed_session_altered_in_the_database_is_flagged(bilan, dossiers, store,
                                                              tmp_path):
    pdftotext = require("pdftotext")
    a = dossiers["a"]
    with sqlite3.connect(store) as connection:
        # Someone with the database file in hand removes the store's guard and edits it.
        connection.execute("DROP TRIGGER sessions_no_update")
        changed = connection.execute("UPDATE sessions SET hours = 4 WHERE dossier_id = ? AND"
                                     " held_on = '2025-10-13'", (a,)).rowcount
    assert changed == 1
    after = status(bilan, a, "2025-12-18")
    assert after["altered"] == [2] and "altered" in after["warnings"]
    assert (after["signed_hours"], after["rate"]) == ("2", 11)  # only the first holds now
    ok(bilan("evidence", "attendance", a, "--output", tmp_path / "sheet"))
    import subprocess

    text = subprocess.run([pdftotext, "-layout", tmp_path / "sheet" / f"{a}-emargement.pdf",
                           "-"], capture_output=True, text=True, check=True).stdout
    assert text.count("Séance modifiée après signature") == 1
    assert "Cap Parcours Conseil" in text and "11 %" in text


def _texts(folder) -> dict[str, str]:
    import subprocess

    pdftotext = require("pdftotext")
    found = {}
    for path in sorted(folder.iterdir()):
        if path.suffix == ".pdf":
            found[path.name] = subprocess.run([pdftotext, path, "-"], capture_output=True,
                                              text=True, check=True).stdout
        else:
            found[path.name] = path.read_text(encoding="utf-8")
    return found


def test_a_purge_leaves_the_pack_complete_and_free_of_the_bilans_content(bilan, store,
                                                                         tmp_path):
    dossier = new(bilan, tmp_path, "p", "2025-10-05",
                  PIPELINE.replace("Faire le point après", "Qx7-note-libre : faire le point"
                                   " après"))
    ok(bilan("dossier", "identity", dossier, "--civility", "Mme", "--first-name", "Élodie",
             "--last-name", "Martin"))
    session(bilan, dossier, "2025-10-05", "2", "preparation", "beneficiary", "counsellor")
    ok(bilan("evidence", "agreement", dossier, "--output", tmp_path / "docs", "--funder",
             "employer", "--funder-name", "Entreprise Exemple", "--sent", "2025-09-28",
             "--signed", "2025-10-02"))
    ok(bilan("evidence", "information", dossier, "--output", tmp_path / "docs", "--given",
             "2025-09-28"))
    ok(bilan("invoice", "add", dossier, "--number", "P1", "--payer", "employer", "--amount",
             "1800", "--date", "2025-10-06"))
    with sqlite3.connect(store) as connection:  # the content holds the markers
        assert b"Qx7-note-libre" in bytes(connection.execute(
            "SELECT pipeline FROM dossiers WHERE id = ?", (dossier,)).fetchone()[0])
    ok(bilan("evidence", "pack", dossier, "--output", tmp_path / "before", "--date",
             "2025-10-20"))
    ok(bilan("dossier", "close", dossier, "--date", "2025-10-20"))
    assert json.loads(bilan("dossier", "show", dossier, "--json").out)["dossier"]["status"] == "purged"
    ok(bilan("evidence", "pack", dossier, "--output", tmp_path / "after", "--date",
             "2025-10-20", "--zip"))
    before, after = _texts(tmp_path / "before"), _texts(tmp_path / "after")
    names = {f"{dossier}-{kind}" for kind in ("information.pdf", "convention.pdf",
                                               "emargement.pdf", "certificat.pdf",
                                               "realisation.json")}
    assert names | {"questionnaires.csv", "factures.csv", "index.json", "index.pdf",
                    "index.html", ".bilan-output.json"} >= set(after) >= names
    assert set(before) == set(after)
    for name, text in [*before.items(), *after.items()]:
        for marker in CONTENT_MARKERS:
            assert marker not in text, (name, marker)
    sheet = after[f"{dossier}-emargement.pdf"]
    assert "Mme Élodie Martin" in sheet and "Cap Parcours Conseil" in sheet
    certificate = after[f"{dossier}-certificat.pdf"]
    assert "5 octobre 2025" in certificate and "2 heures" in certificate
    assert "11 %" in certificate  # 2 / 17 = 11.8 %, rounded down
    index = json.loads(after["index.json"])
    assert index["purged_note"] is True
    assert {d["file"]: d["indicators"] for d in index["documents"]}[
        f"{dossier}-emargement.pdf"] == [10]
    assert "déjà été détruit" in after["index.pdf"]
    with zipfile.ZipFile(tmp_path / "after.zip") as archive:
        assert sorted(n.split("/", 1)[1] for n in archive.namelist()) == sorted(
            n for n in after if not n.startswith("."))


def test_bad_evidence_commands_are_one_located_line(bilan, dossiers, tmp_path):
    a = dossiers["a"]
    for args, expected in (
            (("evidence", "sign", a, "1", "--as", "beneficiary", "--name", "X"),
             "already signed"),
            (("evidence", "sign", a, "1", "--as", "beneficiary"), "--name"),
            (("evidence", "sign", a, "99", "--as", "counsellor"), "no session 99"),
            (("evidence", "record", a, "interruption", "--reason", "abandonment"),
             "already recorded"),
            (("evidence", "record", a, "cpf-entry", "--reason", "abandonment"), "--reason"),
            (("evidence", "agreement", a, "--output", tmp_path / "x", "--funder", "cpf"),
             "D6353-1 III"),
            (("evidence", "agreement", a, "--output", tmp_path / "x", "--funder", "opco",
              "--sent", "2025-10-02", "--signed", "2025-10-01"), "before it was sent"),
            (("evidence", "pack", "--output", tmp_path / "x"), "DOSSIER or --period"),
            (("evidence", "pack", "--period", "2025-12-31:2025-01-01", "--output",
              tmp_path / "x"), "--period"),
            (("evidence", "indicators", "--period", "2025"), "--period"),
            (("evidence", "feedback", a, "riasec"), "not a feedback questionnaire"),
            (("evidence", "feedback", a, "satisfaction", "--send"), "SMTP"),
            (("provider", "set", "--colour", "red"), "--colour"),
            (("provider", "set", "--logo", tmp_path / "none.png"), "none.png"),
            (("complaint", "handle", "7"), "no complaint 7"),
            (("evidence", "status", "nope"), "nope")):
        refused = bilan(*args)
        assert refused.code == 2 and expected in refused.err, (args, refused.err)
        assert "Traceback" not in refused.err and len(refused.err.strip().splitlines()) == 1


def test_complaints_register_and_indicators(bilan, dossiers, tmp_path):
    ok(bilan("complaint", "add", "--dossier", dossiers["a"], "--received", "2025-11-03",
             "--channel", "email", "--subject", "Rendez-vous déplacé deux fois"))
    ok(bilan("complaint", "add", "--received", "2025-11-20", "--channel", "oral",
             "--subject", "Accueil téléphonique"))
    ok(bilan("complaint", "handle", "1", "--handled", "2025-11-05", "--answer",
             "Excuses et nouveau calendrier"))
    assert bilan("complaint", "handle", "2", "--handled", "2025-11-01").code == 2  # before
    rows = json.loads(ok(bilan("complaint", "list", "--json")).out)
    assert [(r["id"], r["handled_on"], r["answer"]) for r in rows] == [
        (1, "2025-11-05", "Excuses et nouveau calendrier"), (2, None, None)]
    ok(bilan("evidence", "indicators", "--period", "2025-01-01:2025-12-31", "--csv",
             tmp_path / "ind.csv", "--date", "2025-12-18"))
    import csv

    with open(tmp_path / "ind.csv", encoding="utf-8", newline="") as handle:
        found = {row["indicateur"]: row["valeur"] for row in csv.DictReader(handle)}
    # Beneficiaries with a session in 2025: four; ended in 2025: A (interrupted) and B
    # (closed); their mean completion: (29 + 100) / 2 = 64.5 -> 65 (halves rounded up).
    assert found["beneficiaries"] == "4" and found["ended"] == "2"
    assert found["completion_rate"] == "65" and found["completed_fully"] == "1"
    assert (found["complaints"], found["complaints_handled"]) == ("2", "1")


def test_feedback_links_reminders_and_sending_through_a_local_smtp_server(
        bilan, dossiers, tmp_path):
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            import email
            from email import policy

            message = email.message_from_bytes(envelope.content, policy=policy.default)
            received.append((envelope.rcpt_tos, message["Subject"] + "\n"
                             + message.get_content()))
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free port for the local SMTP server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        ok(bilan("provider", "set", "--smtp-host", "127.0.0.1", "--smtp-port", str(port),
                 "--smtp-security", "none", "--smtp-from", "qualite@cap-parcours.fr"))
        b = dossiers["b"]  # closed, its content destroyed: the questionnaire still goes
        ok(bilan("dossier", "identity", b, "--email", "e.martin@example.fr"))
        sent = ok(bilan("evidence", "feedback", b, "satisfaction", "--send", "--date",
                        "2025-12-17", "--base-url", "https://bilan.example.fr"))
        link = sent.out.splitlines()[0]
        assert link.startswith("https://bilan.example.fr/invitation/")
        assert len(received) == 1 and received[0][0] == ["e.martin@example.fr"]
        assert link in received[0][1] and "Your opinion" in received[0][1]
        nothing = ok(bilan("evidence", "reminders", "--date", "2025-12-21"))
        assert "no reminder due" in nothing.out  # four days: not yet
        due = ok(bilan("evidence", "reminders", "--date", "2025-12-24", "--send"))
        lines = [line for line in due.out.splitlines() if line.startswith(b)]
        assert len(lines) == 1 and "satisfaction" in lines[0] and "reminder" in lines[0]
        assert len(received) == 2
        follow = ok(bilan("evidence", "reminders", "--date", "2026-06-16"))
        # Six months after B's end (15 December): its follow-up is due; A ended on
        # 13 October: its follow-up too; the satisfaction reminder again (a week later).
        kinds = sorted((line.split()[0], line.split()[1]) for line in follow.out.splitlines()
                       if "/invitation/" in line)
        assert (b, "suivi") in kinds and (dossiers["a"], "suivi") in kinds
        # Two reminders at most: then the beneficiary is left in peace.
        again = ok(bilan("evidence", "reminders", "--date", "2026-06-24"))
        assert not any(line.startswith(b) and "satisfaction" in line
                       for line in again.out.splitlines())
        links = json.loads(ok(bilan("invite", b, "--list", "--json")).out)
        assert [i["state"] for i in links if "satisfaction" in i["instruments"]] == [
            "active", "revoked", "revoked"]  # newest first: each revokes the one before
    finally:
        controller.stop()


def test_review_cases_refused_or_handled_without_a_traceback(bilan, store, tmp_path):
    """A 29 February, who may sign as counsellor, how a beneficiary signs, a duplicate
    invoice, an agreement signed after it was sent, a CPF bilan known before its invoice,
    and the complaints register in a period pack without its free text."""
    leap = new(bilan, tmp_path, "leap", "2024-02-29",
               PIPELINE.replace("given_on = 2026-10-01", "given_on = 2024-01-15"))
    ok(bilan("evidence", "record", leap, "information", "--date", "2024-02-28"))
    number = session(bilan, leap, "2024-02-29", "2", "preparation")
    remote = session(bilan, leap, "2024-03-04", "3", "needs_analysis", modality="distance")
    refused = bilan("evidence", "sign", leap, number, "--as", "counsellor")  # the owner
    assert refused.code == 2 and "only the dossier's counsellor (alice)" in refused.err
    refused = bilan("evidence", "sign", leap, remote, "--as", "beneficiary", "--name", "X")
    assert refused.code == 2 and "from their own link" in refused.err
    ok(bilan("invoice", "add", leap, "--number", "L1", "--payer", "cpf", "--amount", "10",
             "--date", "2024-03-05"))
    with acting("alice"):
        twice = bilan("invoice", "add", leap, "--number", "L1", "--payer", "cpf", "--amount",
                      "10")
    assert twice.code == 2 and "already recorded" in twice.err
    long_name = bilan("invoice", "add", leap, "--number", "L2", "--payer", "opco",
                      "--payer-name", "x" * 121, "--amount", "10")
    assert long_name.code == 2 and "--payer-name: at most 120" in long_name.err
    # An agreement sent on the 20th, its signature recorded on the 26th, without --sent.
    args = ("evidence", "agreement", leap, "--output", tmp_path / "a", "--funder", "opco")
    ok(bilan(*args, "--sent", "2024-02-20", "--date", "2024-02-20"))
    ok(bilan(*args, "--signed", "2024-02-26", "--date", "2024-02-26"))
    with sqlite3.connect(store) as connection:
        kinds = connection.execute("SELECT kind, on_date FROM evidence_records WHERE"
                                   " dossier_id = ?", (leap,)).fetchall()
    assert kinds.count(("agreement_sent", "2024-02-20")) == 1 and ("agreement_signed",
                                                                   "2024-02-26") in kinds
    assert bilan(*args, "--signed", "2024-02-27").code == 2  # signed once
    # A CPF bilan declared as such before any invoice: its entry deadline is watched.
    cpf = new(bilan, tmp_path, "cpf", "2025-03-03")
    session(bilan, cpf, "2025-03-03", "2", "preparation", "beneficiary")
    assert status(bilan, cpf, "2025-03-05")["entry_state"] is None  # not known as CPF
    ok(bilan("evidence", "record", cpf, "funding", "--funder", "cpf"))
    state = status(bilan, cpf, "2025-03-05")
    assert (state["entry_deadline"], state["entry_state"]) == ("2025-03-06", "near")
    assert state["warnings"] == ["entry_near"]
    assert bilan("evidence", "record", cpf, "information", "--funder", "cpf").code == 2
    ok(bilan("complaint", "add", "--dossier", cpf, "--received", "2025-03-04", "--channel",
             "email", "--subject", "Qx7-note-libre : un reproche détaillé"))
    ok(bilan("complaint", "handle", "1", "--handled", "2025-03-05", "--answer",
             "Qx7-note-libre : une réponse"))
    ok(bilan("evidence", "pack", "--period", "2025-03-01:2025-03-31", "--output",
             tmp_path / "march", "--date", "2025-04-01"))
    register = (tmp_path / "march" / "reclamations.csv").read_text("utf-8")
    assert f"1,{cpf},2025-03-04,email,2025-03-05,oui,2025-03-05" in register
    assert "Qx7" not in register
    assert not list((tmp_path / "march").glob("bpf-*.json"))  # March is not a whole year
