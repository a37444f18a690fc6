"""The provider's evidence on the web: the sessions' signatures (on the counsellor's screen and
from the beneficiary's link), the feedback questionnaires (on closed and destroyed dossiers)
and the result indicators."""

from __future__ import annotations

import contextlib
import csv
import io
import re
import sqlite3
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
import test_web
from starlette.testclient import TestClient
from test_web import BASE, PASSWORD, _client, _csrf, _login, _open

from bilan_core.store.core import Store
from bilan_core.store.dossiers import session_rules

#: The fixtures of the web application's tests: a store with Alice's open dossier and a link
#: to its RIASEC inventory (web); Alice's and Bruno's web passwords, Bruno's dossier (workspace).
web, workspace = test_web.web, test_web.workspace

SATISFACTION = "Questionnaire de satisfaction de fin de bilan"
LINK = re.compile(r'value="(http://127\.0\.0\.1:8000/invitation/[A-Za-z0-9_-]{43})"')


@contextlib.contextmanager
def _store(found) -> Iterator[Store]:
    store = Store.open(str(found.store_path))
    try:
        yield store
    finally:
        store.close()


def _log(found, dossier: str, held_on: date = date(2026, 10, 5),
         modality: str = "presentiel") -> int:
    """A session of two hours of the preparation step; its number."""
    with _store(found) as store:
        record, _total = store.log_session(
            dossier, held_on=held_on, hours=Decimal(2), step="preparation",
            modality=modality, check=session_rules("preparation", held_on, Decimal(2)))
    return int(record.id)


def _signatures(found, dossier: str) -> list[dict]:
    with _store(found) as store:
        return store.signatures(dossier)


def _admin(found, bilan, tmp_path) -> TestClient:
    secret = tmp_path / "chef.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    assert bilan("user", "add", "chef", "--role", "admin", "--password-file",
                 secret).code == 0
    chef, response = _login(found, name="chef")
    assert response.status_code == 303
    return chef


# -- the attendance sheet, on the counsellor's screen ---------------------------------------

def test_the_counsellor_and_the_beneficiary_sign_on_the_counsellors_screen(workspace):
    first = _log(workspace, workspace.dossier)
    second = _log(workspace, workspace.dossier, date(2026, 10, 12), "distance")
    client, _response = _login(workspace)
    dossier_page = client.get(f"/espace/dossiers/{workspace.dossier}").text
    url = f"/espace/dossiers/{workspace.dossier}/presence"
    assert f'href="{url}"' in dossier_page
    shown = client.get(url)
    assert shown.status_code == 200 and '<html lang="fr">' in shown.text
    # In person, she signs here; at a distance, from her own link.
    assert f'<label for="nom-{first}">' in shown.text and f'id="nom-{second}"' not in shown.text
    csrf = _csrf(shown.text)
    signed = client.post(url, data={"csrf": csrf, "seance": str(first), "role": "counsellor"})
    assert signed.status_code == 200 and 'role="status"' in signed.text
    signed = client.post(url, data={"csrf": csrf, "seance": str(first), "role": "beneficiary",
                                    "nom": "  Élodie   Martin "})
    assert signed.status_code == 200
    assert "Élodie Martin" in signed.text and "alice" in signed.text
    assert "(heure de Paris)" in signed.text or "(Paris time)" in signed.text
    assert f'id="nom-{first}"' not in signed.text  # signed: no more form for it
    found = _signatures(workspace, workspace.dossier)
    assert sorted((s["session"], s["role"], s["signer"], s["via"], s["valid"])
                  for s in found) == [(first, "beneficiary", "Élodie Martin", "screen", True),
                                      (first, "counsellor", "alice", "screen", True)]
    for data in ({"seance": str(first), "role": "counsellor"},  # signed already
                 {"seance": str(first), "role": "beneficiary", "nom": "Élodie Martin"},
                 {"seance": str(second), "role": "beneficiary", "nom": "   "},  # no name
                 {"seance": "999", "role": "counsellor"},  # no such session
                 {"seance": "abc", "role": "counsellor"},
                 {"seance": str(second), "role": "admin"}):
        refused = client.post(url, data={"csrf": csrf, **data})
        assert refused.status_code == 400, data
        assert 'class="errors" role="alert"' in refused.text, data
    assert client.post(url, data={"csrf": "0" * 64, "seance": str(second),
                                  "role": "counsellor"}).status_code == 403
    assert len(_signatures(workspace, workspace.dossier)) == 2


def test_a_session_changed_after_its_signature_is_flagged(workspace):
    number = _log(workspace, workspace.dossier)
    client, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}/presence"
    csrf = _csrf(client.get(url).text)
    assert client.post(url, data={"csrf": csrf, "seance": str(number),
                                  "role": "counsellor"}).status_code == 200
    assert '<strong class="error">' not in client.get(url).text
    # Sessions are never changed through the store: a change made on the database itself,
    # its guard taken off, as a tampering would.
    with sqlite3.connect(workspace.store_path) as connection:
        connection.execute("DROP TRIGGER sessions_no_update")
        connection.execute("UPDATE sessions SET hours = 3 WHERE id = ?", (number,))
    assert [s["valid"] for s in _signatures(workspace, workspace.dossier)] == [False]
    assert '<strong class="error">' in client.get(url).text


def test_the_attendance_sheet_is_its_counsellors_and_the_administrators(workspace, bilan,
                                                                        tmp_path):
    brunos = _log(workspace, workspace.brunos)
    url = f"/espace/dossiers/{workspace.brunos}/presence"
    assert _client(workspace).get(url, follow_redirects=False).headers[
        "location"] == "/connexion"
    assert _client(workspace).post(url, data={"seance": str(brunos), "role": "counsellor"},
                                   follow_redirects=False).headers["location"] == "/connexion"
    alice, _response = _login(workspace)
    csrf = _csrf(alice.get("/espace").text)
    refused = alice.get(url)
    assert refused.status_code == 404 and "B-BRUNO-777" not in refused.text
    for role in ("counsellor", "beneficiary"):
        assert alice.post(url, data={"csrf": csrf, "seance": str(brunos), "role": role,
                                     "nom": "Alice"}).status_code == 404
    # Bruno's session, signed on Alice's dossier's page: not one of its sessions.
    mine = f"/espace/dossiers/{workspace.dossier}/presence"
    assert alice.post(mine, data={"csrf": csrf, "seance": str(brunos),
                                  "role": "counsellor"}).status_code == 400
    bruno, _response = _login(workspace, name="bruno")
    assert bruno.get(url).status_code == 200
    chef = _admin(workspace, bilan, tmp_path)
    seen = chef.get(url)
    assert seen.status_code == 200 and 'name="nom"' not in seen.text  # it reads only
    assert chef.post(url, data={"csrf": _csrf(chef.get("/espace").text), "seance": str(brunos),
                                "role": "counsellor"}).status_code == 400
    assert _signatures(workspace, workspace.brunos) == []


# -- signing from the beneficiary's link -----------------------------------------------------

def test_the_beneficiary_signs_from_their_link(workspace):
    first = _log(workspace, workspace.dossier)
    second = _log(workspace, workspace.dossier, date(2026, 10, 12), "distance")
    brunos = _log(workspace, workspace.brunos)
    with _store(workspace) as store:
        invitation = store.invitation(workspace.token).id
    beneficiary = _open(workspace)
    assert 'href="/reponses/presence"' in beneficiary.get("/reponses").text
    shown = beneficiary.get("/reponses/presence")
    assert shown.status_code == 200
    # Only the session held at a distance: one held in person is signed on the counsellor's
    # screen.
    assert f'value="{first}"' not in shown.text and f'value="{second}"' in shown.text
    assert f'<label for="nom-{second}">' in shown.text
    csrf = _csrf(shown.text)
    for data in ({"seance": str(brunos), "nom": "Élodie Martin"},  # another dossier's
                 {"seance": str(first), "nom": ""},
                 {"seance": "x", "nom": "Élodie Martin"}):
        refused = beneficiary.post("/reponses/presence", data={"csrf": csrf, **data})
        assert refused.status_code == 400, data
        assert "B-BRUNO-777" not in refused.text
    assert beneficiary.post("/reponses/presence", data={
        "csrf": "0" * 64, "seance": str(first), "nom": "Élodie Martin"}).status_code == 403
    signed = beneficiary.post("/reponses/presence", follow_redirects=False,
                              data={"csrf": csrf, "seance": str(second),
                                    "nom": "Élodie Martin"})
    assert signed.status_code == 303
    assert signed.headers["location"] == "/reponses/presence?signee=1"
    after = beneficiary.get(signed.headers["location"]).text
    assert 'role="status"' in after
    assert f'value="{second}"' not in after and f'value="{first}"' not in after
    again = beneficiary.post("/reponses/presence", data={"csrf": csrf, "seance": str(second),
                                                         "nom": "Élodie Martin"})
    assert again.status_code == 400
    found = _signatures(workspace, workspace.dossier)
    assert len(found) == 1
    assert (found[0]["session"], found[0]["role"], found[0]["signer"], found[0]["via"],
            found[0]["invitation"]) == (second, "beneficiary", "Élodie Martin", "link",
                                        invitation)
    assert found[0]["evidence"] is not None  # a session at a distance: its evidence kept
    assert _signatures(workspace, workspace.brunos) == []
    assert _client(workspace).get("/reponses/presence").status_code == 404  # no link


# -- feedback questionnaires -----------------------------------------------------------------

def _feedback_link(client: TestClient, dossier: str, instrument: str = "satisfaction") -> str:
    page = client.get(f"/espace/dossiers/{dossier}").text
    assert f'name="questionnaire" value="{instrument}"' in page
    made = client.post(f"/espace/dossiers/{dossier}/retours",
                       data={"csrf": _csrf(page), "questionnaire": instrument})
    assert made.status_code == 200, made.text
    return LINK.search(made.text).group(1)


def _feedback_form(client: TestClient, page: int,
                   instrument: str = "satisfaction") -> tuple[dict[str, str], list[str]]:
    text = client.get(f"/retours/{instrument}?page={page}").text
    fields = dict(re.findall(r'<input type="hidden" name="(csrf|shown)" value="([^"]+)"', text))
    items = list(dict.fromkeys(re.findall(r'name="item-([^"]+)"', text)))
    return fields, items


@pytest.mark.parametrize("kept", [True, False], ids=["closed", "destroyed"])
def test_a_feedback_link_is_answered_on_a_closed_or_destroyed_dossier(workspace, kept):
    with _store(workspace) as store:
        store.set_provider({"legal_name": "Cap Parcours Conseil"})
        if kept:
            store.record_consent(workspace.dossier, kind="retention",
                                 given_on=date.today(),
                                 until=date.today() + timedelta(days=300))
        store.close_dossier(workspace.dossier, on=date.today())
        assert store.info(workspace.dossier).status == ("closed" if kept else "purged")
    client, _response = _login(workspace)
    link = _feedback_link(client, workspace.dossier)
    assert link not in client.get(f"/espace/dossiers/{workspace.dossier}").text  # once
    beneficiary = _client(workspace)
    opened = beneficiary.get(link.removeprefix(BASE), follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/retours"
    welcome = beneficiary.get("/retours")
    assert welcome.status_code == 200
    assert "Cap Parcours Conseil" in welcome.text and SATISFACTION in welcome.text
    assert "14 questions" in welcome.text and 'href="/retours/satisfaction"' in welcome.text
    fields, items = _feedback_form(beneficiary, 1)
    assert len(items) == 10
    missing = beneficiary.post("/retours/satisfaction?page=1", follow_redirects=False,
                               data={**fields, **{f"item-{i}": "4" for i in items[:9]},
                                     f"item-{items[9]}": "7"})
    assert missing.status_code == 400
    answered = beneficiary.post("/retours/satisfaction?page=1", follow_redirects=False,
                                data={**fields, **{f"item-{i}": "4" for i in items}})
    assert answered.status_code == 303
    assert answered.headers["location"] == "/retours/satisfaction?page=2"
    fields, rest = _feedback_form(beneficiary, 2)
    assert len(rest) == 4
    saved = beneficiary.post("/retours/satisfaction/reponse",
                             data={**fields, "item": rest[0], "value": "5"})
    assert saved.status_code == 200 and saved.json() == {"saved": rest[0]}
    last = beneficiary.post("/retours/satisfaction?page=2", follow_redirects=False,
                            data={**fields, **{f"item-{i}": "2" for i in rest}})
    assert last.status_code == 303 and last.headers["location"] == "/retours/fin"
    thanks = beneficiary.get("/retours/fin")
    assert thanks.status_code == 200 and "Cap Parcours Conseil" in thanks.text
    with _store(workspace) as store:
        answers = store.feedback_answers(workspace.dossier)[workspace.dossier]
        kinds = [r["kind"] for r in store.evidence_records(workspace.dossier)]
    assert answers == {"satisfaction": {**{i: 4 for i in items}, **{i: 2 for i in rest}}}
    assert kinds == ["feedback_sent"]
    for path in ("/reponses", "/reponses/riasec", "/reponses/presence", "/reponses/fin"):
        assert beneficiary.get(path).status_code == 404, path


def test_each_link_opens_the_pages_of_its_purpose_only(workspace):
    client, _response = _login(workspace)
    feedback = _client(workspace)
    assert feedback.get(_feedback_link(client, workspace.dossier, "suivi").removeprefix(
        BASE)).status_code == 200
    answers = _open(workspace)  # a link to the bilan's RIASEC inventory
    fields, _items = _feedback_form(feedback, 1, "suivi")
    for path in ("/retours", "/retours/suivi", "/retours/fin"):
        assert answers.get(path).status_code == 404, path
    assert answers.post("/retours/suivi?page=1", data={**fields, "item-projet_clair": "4"}
                        ).status_code == 404
    assert answers.post("/retours/suivi/reponse", data={**fields, "item": "projet_clair",
                                                       "value": "4"}).status_code == 404
    riasec = answers.get("/reponses/riasec?page=1").text
    answer_fields = dict(re.findall(r'<input type="hidden" name="(csrf|shown)" value="([^"]+)"',
                                    riasec))
    for path in ("/reponses", "/reponses/riasec", "/reponses/presence", "/reponses/fin"):
        assert feedback.get(path).status_code == 404, path
    assert feedback.post("/reponses/riasec?page=1", data={**answer_fields, "item-R01": "1"}
                         ).status_code == 404
    assert feedback.post("/reponses/presence", data={"csrf": "0" * 64, "seance": "1",
                                                     "nom": "X"}).status_code == 404
    assert feedback.get("/retours/satisfaction").status_code == 404  # not the one sent
    assert feedback.get("/retours/riasec").status_code == 404
    # A token of the link's own pages is no token of another questionnaire.
    assert feedback.post("/retours/suivi/reponse", data={**answer_fields, "item": "projet_clair",
                                                        "value": "4"}).status_code == 403
    with _store(workspace) as store:
        assert store.feedback_answers(workspace.dossier) == {}
        assert store.answers(workspace.dossier, audit=False) == {}


def test_an_unknown_questionnaire_is_refused_and_another_counsellors_dossier_hidden(
        workspace):
    client, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}/retours"
    csrf = _csrf(client.get(f"/espace/dossiers/{workspace.dossier}").text)
    for wanted in ("riasec", "", "nope"):
        refused = client.post(url, data={"csrf": csrf, "questionnaire": wanted})
        assert refused.status_code == 400 and not LINK.search(refused.text), wanted
    assert client.post(f"/espace/dossiers/{workspace.brunos}/retours",
                       data={"csrf": csrf, "questionnaire": "satisfaction"}
                       ).status_code == 404
    with _store(workspace) as store:
        assert [i["purpose"] for i in store.invitations(workspace.dossier)] == ["answers"]
        assert store.invitations(workspace.brunos) == []


# -- result indicators -----------------------------------------------------------------------

def _value(rows: list[dict[str, str]], indicator: str) -> str:
    return next(row["valeur"] for row in rows if row["indicateur"] == indicator)


def test_the_result_indicators_and_their_csv(workspace, bilan, tmp_path):
    _log(workspace, workspace.dossier, date.today())
    _log(workspace, workspace.brunos, date.today())
    assert _client(workspace).get("/espace/indicateurs", follow_redirects=False).headers[
        "location"] == "/connexion"
    client, _response = _login(workspace)
    assert 'href="/espace/indicateurs"' in client.get("/espace").text
    year = date.today().year
    shown = client.get("/espace/indicateurs")
    assert shown.status_code == 200
    assert f'value="{year}-01-01"' in shown.text and f'value="{year}-12-31"' in shown.text
    assert re.search(r"<td>Bénéficiaires accompagnés sur la période</td><td>1</td>",
                     shown.text)
    assert workspace.brunos not in shown.text
    query = f"debut={year}-01-01&fin={year}-12-31"
    assert (f'href="/espace/indicateurs.csv?debut={year}-01-01&amp;fin={year}-12-31"'
            in client.get(f"/espace/indicateurs?{query}").text)
    download = client.get(f"/espace/indicateurs.csv?{query}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert download.headers["content-disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8"))))
    assert _value(rows, "beneficiaries") == "1"
    earlier = list(csv.DictReader(io.StringIO(client.get(
        f"/espace/indicateurs.csv?debut={year - 1}-01-01&fin={year - 1}-12-31").text)))
    assert _value(earlier, "beneficiaries") == "0"
    chef = _admin(workspace, bilan, tmp_path)
    everything = list(csv.DictReader(io.StringIO(chef.get(
        f"/espace/indicateurs.csv?{query}").text)))
    assert _value(everything, "beneficiaries") == "2"
    for bad in ("debut=2026-13-01", "fin=demain", "debut=2026-12-31&fin=2026-01-01"):
        for path in ("/espace/indicateurs", "/espace/indicateurs.csv"):
            refused = client.get(f"{path}?{bad}")
            assert refused.status_code == 400, (path, bad)
            assert 'role="alert"' in refused.text and "<table" not in refused.text


def test_a_hostile_name_typed_to_sign_is_shown_as_text(workspace):
    number = _log(workspace, workspace.dossier)
    client, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}/presence"
    csrf = _csrf(client.get(url).text)
    hostile = '<script>alert(1)</script>{{ 7*7 }}"'
    signed = client.post(url, data={"csrf": csrf, "seance": str(number),
                                    "role": "beneficiary", "nom": hostile})
    assert signed.status_code == 200
    assert "<script>alert(1)" not in signed.text and "&lt;script&gt;" in signed.text
    assert "49" not in signed.text.split("<main", 1)[1].split("</main>", 1)[0]
    assert [s["signer"] for s in _signatures(workspace, workspace.dossier)] == [hostile]
