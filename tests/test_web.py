"""The web application: a beneficiary answers in a browser, through an invitation link."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from conftest import PIPELINE
from starlette.testclient import TestClient

from bilan_core.store.core import Store

QUESTIONNAIRE = PIPELINE.replace(
    '[[steps]]\nid = "needs_analysis"\nhours = 3',
    '[[steps]]\nid = "needs_analysis"\nhours = 3\ninstruments = ["riasec", "valeurs"]')
BASE = "http://127.0.0.1:8000"


@pytest.fixture
def web(bilan, tmp_path, monkeypatch):
    """A store with one open dossier of Alice's, a link to its RIASEC inventory, and the
    application on that store."""
    from bilan_core.web.app import create_app

    store_path = tmp_path / "store.sqlite"
    monkeypatch.setenv("BILAN_STORE", str(store_path))
    monkeypatch.delenv("BILAN_USER", raising=False)
    monkeypatch.delenv("BILAN_WEB_SECRET", raising=False)
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    path = tmp_path / "pipeline.toml"
    path.write_text(QUESTIONNAIRE, encoding="utf-8")
    made = bilan("dossier", "new", path, "--counsellor", "alice")
    assert made.code == 0, made.err
    dossier = made.out.split()[-1]
    link = bilan("invite", dossier, "--instrument", "riasec").out.strip()
    app = create_app()

    class Web:
        pass

    found = Web()
    found.dossier, found.link, found.app, found.store_path = dossier, link, app, store_path
    found.token = link.rsplit("/", 1)[1]
    return found


def _invited(bilan, dossier: str, store_path):
    """A link to a dossier's RIASEC inventory, and the application on its store."""
    from types import SimpleNamespace

    from bilan_core.web.app import create_app

    link = bilan("invite", dossier, "--instrument", "riasec").out.strip()
    return SimpleNamespace(app=create_app(), link=link, store_path=store_path,
                           dossier=dossier)


def _client(web) -> TestClient:
    return TestClient(web.app, base_url=BASE)


def _open(web) -> TestClient:
    client = _client(web)
    response = client.get(web.link.removeprefix(BASE), follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/reponses"
    return client


def _form(client: TestClient, page: int) -> tuple[dict[str, str], list[str]]:
    text = client.get(f"/reponses/riasec?page={page}").text
    fields = dict(re.findall(r'<input type="hidden" name="(csrf|shown)" value="([^"]+)"', text))
    items = list(dict.fromkeys(re.findall(r'name="item-([^"]+)"', text)))
    return fields, items


def _answer_pages(client: TestClient, pages: range, value: str = "3") -> str | None:
    location = None
    for page in pages:
        fields, items = _form(client, page)
        response = client.post(f"/reponses/riasec?page={page}", follow_redirects=False,
                               data={**fields, **{f"item-{i}": value for i in items}})
        assert response.status_code == 303, response.text
        location = response.headers["location"]
    return location


def _saved(web) -> dict:
    store = Store.open(str(web.store_path))
    try:
        return store.answers(web.dossier, audit=False).get("riasec", {})
    finally:
        store.close()


def test_the_beneficiary_answers_every_page_and_each_answer_is_kept(web):
    client = _open(web)
    welcome = client.get("/reponses")
    assert welcome.status_code == 200
    assert '<html lang="fr">' in welcome.text
    assert "Inventaire d&#39;intérêts professionnels (RIASEC)" in welcome.text
    assert "60 questions, pas encore commencé" in welcome.text
    assert "Vos réponses sont confidentielles" in welcome.text
    assert "la réalisation du bilan" in welcome.text  # the consent recorded
    assert web.token not in welcome.text
    assert _answer_pages(client, range(1, 7)) == "/reponses"
    saved = _saved(web)
    assert len(saved["answers"]) == 60 and set(saved["answers"].values()) == {3}
    assert saved["completed_on"] is not None
    assert all(seconds >= 0 for seconds in saved["timings"].values())
    assert "terminé" in client.get("/reponses").text


def test_closing_halfway_then_the_same_link_on_another_device_resumes(web):
    first = _open(web)
    assert _answer_pages(first, range(1, 3)) == "/reponses/riasec?page=3"
    assert len(_saved(web)["answers"]) == 20
    other = _open(web)  # a new browser: no cookie, the same link
    assert "20 réponses sur 60" in other.get("/reponses").text
    page_one = other.get("/reponses/riasec?page=1").text
    assert page_one.count("checked") == 10
    assert _answer_pages(other, range(3, 7)) == "/reponses"
    assert len(_saved(web)["answers"]) == 60


def test_a_page_with_missing_or_wrong_answers_says_where_and_keeps_the_rest(web):
    client = _open(web)
    fields, items = _form(client, 1)
    data = {**fields, **{f"item-{i}": "2" for i in items[:7]}, f"item-{items[7]}": "9"}
    response = client.post("/reponses/riasec?page=1", data=data, follow_redirects=False)
    assert response.status_code == 400
    assert response.text.count("Choisissez une réponse pour continuer.") == 2
    assert "tapez un nombre entier de 0 à 4" in response.text
    assert f'aria-describedby="erreur-{items[8]}"' in response.text
    assert len(_saved(web)["answers"]) == 7


@pytest.mark.parametrize("fields", [{}, {"csrf": "0" * 64}])
def test_a_form_without_its_token_is_refused_and_saves_nothing(web, fields):
    client = _open(web)
    _form_fields, items = _form(client, 1)
    response = client.post("/reponses/riasec?page=1", follow_redirects=False,
                           data={**fields, **{f"item-{i}": "1" for i in items}})
    assert response.status_code == 403
    assert _saved(web).get("answers", {}) == {}


def test_a_revoked_expired_or_closed_link_opens_nothing(web, bilan):
    client = _open(web)
    assert bilan("invite", web.dossier, "--revoke", "1").code == 0
    for path in ("/reponses", "/reponses/riasec", "/reponses/fin"):
        response = client.get(path)
        assert response.status_code == 404 and "Lien non valable" in response.text
        assert "Inventaire" not in response.text
    assert _client(web).get(web.link.removeprefix(BASE)).status_code == 404
    store = Store.open(str(web.store_path))
    try:
        _number, expired = store.invite(web.dossier, ["riasec"],
                                        datetime.now(timezone.utc) - timedelta(seconds=1))
        _number, valid = store.invite(web.dossier, ["riasec"],
                                      datetime.now(timezone.utc) + timedelta(days=1))
    finally:
        store.close()
    assert _client(web).get(f"/invitation/{expired}").status_code == 404
    opened = _client(web)
    assert opened.get(f"/invitation/{valid}").status_code == 200
    assert bilan("dossier", "close", web.dossier).code == 0
    assert opened.get("/reponses").status_code == 404


def test_only_the_invited_questionnaires_and_a_signed_cookie_open_anything(web):
    client = _open(web)
    assert client.get("/reponses/valeurs").status_code == 404  # planned, not invited
    assert client.get("/reponses/competences").status_code == 404
    from itsdangerous import URLSafeTimedSerializer

    from bilan_core.store.core import token_digest

    # The same content signed with another secret: as a forger would make it.
    other = URLSafeTimedSerializer(b"x" * 64, salt="bilan-invitation")
    forged = TestClient(web.app, base_url=BASE,
                        cookies={"bilan_invitation": other.dumps(token_digest(web.token))})
    assert forged.get("/reponses").status_code == 404
    genuine = client.cookies.get("bilan_invitation")
    payload, _sep, signature = genuine.rpartition(".")
    flipped = signature[:5] + ("A" if signature[5] != "A" else "B") + signature[6:]
    altered = TestClient(web.app, base_url=BASE,
                         cookies={"bilan_invitation": f"{payload}.{flipped}"})
    assert altered.get("/reponses").status_code == 404
    assert _client(web).get("/reponses").status_code == 404
    assert _client(web).get("/invitation/" + "A" * 43).status_code == 404


def test_every_page_carries_the_security_headers_and_a_strict_cookie(web):
    client = _client(web)
    opened = client.get(web.link.removeprefix(BASE), follow_redirects=False)
    cookie = opened.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "secure" not in cookie
    secure = TestClient(web.app, base_url="https://bilan.example.fr")
    over_https = secure.get(web.link.removeprefix(BASE), follow_redirects=False)
    assert "secure" in over_https.headers["set-cookie"].lower()
    for path in ("/reponses", "/reponses/riasec", "/reponses/fin", "/nulle-part",
                 "/invitation/x"):
        response = client.get(path)
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        assert "'unsafe-inline'" not in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store", path
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"
    text = client.get("/reponses/riasec").text
    assert re.findall(r"<script[^>]*>", text) == [
        '<script src="/static/autosave.js" defer>']  # no inline script


def test_serve_answers_on_loopback(tmp_path, bilan, monkeypatch):
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "bilan_core", "serve", "--port",
                               str(port)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/reponses", timeout=2)
            except urllib.error.HTTPError as exc:
                assert exc.code == 404 and exc.headers["cache-control"] == "no-store"
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, server.stderr
                time.sleep(0.2)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    assert f"serving on http://127.0.0.1:{port}/" in err


# -- the counsellor's workspace ---------------------------------------------------------------

PASSWORD = "cheval-batterie-agrafe"


@pytest.fixture
def workspace(web, bilan, tmp_path):
    """Alice has a web password; Bruno, another counsellor, has a dossier of his own."""
    secret = tmp_path / "password.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    assert bilan("user", "passwd", "alice", "--password-file", secret).code == 0
    assert bilan("user", "add", "bruno", "--role", "counsellor", "--password-file",
                 secret).code == 0
    brunos = tmp_path / "bruno" / "pipeline.toml"
    brunos.parent.mkdir()
    brunos.write_text(QUESTIONNAIRE.replace("B-TEST-001", "B-BRUNO-777"), encoding="utf-8")
    made = bilan("dossier", "new", brunos, "--counsellor", "bruno")
    assert made.code == 0, made.err
    web.brunos = made.out.split()[-1]
    return web


def _login(web, name: str = "alice", password: str = PASSWORD, app=None):
    client = TestClient(app or web.app, base_url=BASE)
    form = client.get("/connexion").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    response = client.post("/connexion", data={"csrf": csrf, "compte": name,
                                               "mot_de_passe": password},
                           follow_redirects=False)
    return client, response


def _csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)


def test_a_counsellor_logs_in_and_sees_only_their_own_dossiers(workspace):
    assert _client(workspace).get("/espace", follow_redirects=False).headers[
        "location"] == "/connexion"
    client, response = _login(workspace, password="faux")
    assert response.status_code == 401 and "Compte ou mot de passe incorrect." in response.text
    assert "bilan_session" not in response.headers.get("set-cookie", "")
    client, response = _login(workspace)
    assert response.status_code == 303 and response.headers["location"] == "/espace"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    listing = client.get("/espace").text
    assert workspace.dossier in listing and workspace.brunos not in listing
    page = client.get(f"/espace/dossiers/{workspace.dossier}")
    assert page.status_code == 200 and "Invitation 1 : riasec" in page.text
    for path in (f"/espace/dossiers/{workspace.brunos}",
                 f"/espace/dossiers/{workspace.brunos}/documents/synthese.html",
                 "/espace/dossiers/inexistant"):
        refused = client.get(path)
        assert refused.status_code == 404, path
        assert workspace.brunos not in refused.text
    forged = client.post(f"/espace/dossiers/{workspace.brunos}/invitations",
                         data={"csrf": _csrf(page.text)})
    assert forged.status_code == 404


def test_forms_of_the_workspace_need_their_token(workspace):
    client = TestClient(workspace.app, base_url=BASE)
    assert client.post("/connexion", data={"compte": "alice", "mot_de_passe": PASSWORD},
                       follow_redirects=False).status_code == 403
    client, _response = _login(workspace)
    for path in (f"/espace/dossiers/{workspace.dossier}/invitations",
                 f"/espace/dossiers/{workspace.dossier}/invitations/1/revocation",
                 "/deconnexion"):
        assert client.post(path, data={"csrf": "0" * 64}).status_code == 403, path
    listed = client.get(f"/espace/dossiers/{workspace.dossier}").text
    assert listed.count("Invitation ") == 1 and "active" in listed


def test_an_invitation_made_on_the_web_opens_its_link_once_shown(workspace):
    client, _response = _login(workspace)
    page = client.get(f"/espace/dossiers/{workspace.dossier}").text
    made = client.post(f"/espace/dossiers/{workspace.dossier}/invitations",
                       data={"csrf": _csrf(page), "jours": "7"})
    link = re.search(r'value="(http://127\.0\.0\.1:8000/invitation/[A-Za-z0-9_-]{43})"',
                     made.text).group(1)
    beneficiary = _client(workspace)
    assert beneficiary.get(link.removeprefix(BASE)).status_code == 200
    again = client.get(f"/espace/dossiers/{workspace.dossier}").text
    assert link not in again  # shown once
    revoked = client.post(f"/espace/dossiers/{workspace.dossier}/invitations/2/revocation",
                          data={"csrf": _csrf(again)}, follow_redirects=False)
    assert revoked.status_code == 303
    assert beneficiary.get("/reponses").status_code == 404


def test_failed_logins_are_limited_across_two_workers(workspace, monkeypatch):
    from bilan_core.web.app import create_app

    # One window for the whole test: a window's edge passing mid-test would reset counts.
    monkeypatch.setattr("bilan_core.web.workspace.WINDOW", 10**9)

    second = create_app()  # another worker on the same store
    for attempt in range(10):
        _unused, response = _login(workspace, password="faux",
                                    app=(workspace.app, second)[attempt % 2])
        assert response.status_code == 401, attempt
    _unused, response = _login(workspace, password="faux", app=second)
    assert response.status_code == 429 and "Trop de tentatives" in response.text
    _unused, response = _login(workspace, app=workspace.app)  # the right password, too late
    assert response.status_code == 429


def test_links_that_open_nothing_are_limited_per_address(web, monkeypatch):
    monkeypatch.setattr("bilan_core.web.app.WINDOW", 10**9)  # one window for the whole test
    client = _client(web)
    for _ in range(30):
        assert client.get("/invitation/" + "B" * 43).status_code == 404
    assert client.get("/invitation/" + "B" * 43).status_code == 429


def test_a_document_of_the_store_downloads_for_its_counsellor_only(workspace, bilan,
                                                                  monkeypatch):
    assert bilan("run", "--dossier", workspace.dossier, "--format", "html").code == 0
    client, _response = _login(workspace)
    page = client.get(f"/espace/dossiers/{workspace.dossier}").text
    assert "synthese.html" in page
    download = client.get(f"/espace/dossiers/{workspace.dossier}/documents/synthese.html")
    assert download.status_code == 200
    assert download.headers["content-disposition"] == 'attachment; filename="synthese.html"'
    assert "<html" in download.text
    bruno, _response = _login(workspace, name="bruno")
    assert bruno.get(f"/espace/dossiers/{workspace.dossier}/documents/synthese.html"
                     ).status_code == 404


def test_each_choice_is_saved_at_once_by_the_pages_script(web):
    client = _open(web)
    fields, items = _form(client, 1)
    url = "/reponses/riasec/reponse"
    saved = client.post(url, data={**fields, "item": items[0], "value": "4"})
    assert saved.status_code == 200 and saved.json() == {"saved": items[0]}
    assert _saved(web)["answers"] == {items[0]: 4}
    for data, status in (({**fields, "item": items[1], "value": "9"}, 400),
                         ({**fields, "item": "nope", "value": "1"}, 400),
                         ({"csrf": "0" * 64, "shown": fields["shown"], "item": items[1],
                           "value": "1"}, 403)):
        assert client.post(url, data=data).status_code == status, data
    assert client.post("/reponses/valeurs/reponse",
                       data={**fields, "item": "AUT1", "value": "1"}).status_code == 404
    assert _client(web).post(url, data={**fields, "item": items[1], "value": "1"}
                             ).status_code == 404  # no cookie: no invitation
    assert _saved(web)["answers"] == {items[0]: 4}


def test_no_route_reaches_another_dossier_with_a_valid_link_or_session(workspace, bilan):
    """Every route of the application, with every parameter taken from Bruno's dossier,
    asked by Alice's beneficiary (a valid link) and by Alice (a valid session)."""
    from starlette.routing import Route

    assert bilan("run", "--dossier", workspace.brunos, "--format", "html").code == 0
    monkey_store = Store.open(str(workspace.store_path))
    try:
        brunos_number, _brunos_token = monkey_store.invite(
            workspace.brunos, ["riasec"], datetime.now(timezone.utc) + timedelta(days=1))
        secret_bits = {workspace.brunos, "B-BRUNO-777"}
        assert {d["name"] for d in monkey_store.documents(workspace.brunos)} == {
            "dossier.json", "synthese.html"}
    finally:
        monkey_store.close()
    values = {"dossier": workspace.brunos, "number": str(brunos_number), "action": "etapes",
              "name": "synthese.html", "instrument": "riasec", "token": "C" * 43}
    beneficiary = _open(workspace)  # Alice's beneficiary: a valid link to her dossier
    alice, _response = _login(workspace)
    alices_csrf = _csrf(alice.get(f"/espace/dossiers/{workspace.dossier}").text)
    fields, _items = _form(beneficiary, 1)
    tried = 0
    for route in workspace.app.routes:
        if not isinstance(route, Route) or route.path == "/deconnexion":
            continue  # logging out is tested on its own; here Alice stays logged in
        path = route.path
        for key, value in values.items():
            path = path.replace("{" + key + "}", value)
        for method in sorted(route.methods or {"GET"}):
            if method == "HEAD":
                continue
            for who, client, csrf in (("beneficiary", beneficiary, fields.get("csrf")),
                                      ("alice", alice, alices_csrf)):
                response = client.request(method, path, follow_redirects=False,
                                          data={"csrf": csrf, "shown": fields["shown"],
                                                "item": "R01", "value": "1"}
                                          if method == "POST" else None)
                tried += 1
                body = response.text
                if "{dossier}" in route.path or "{number}" in route.path:
                    expected = 404 if who == "alice" else 303  # hers: as if it did not exist
                    assert response.status_code == expected, (who, method, path,
                                                              response.status_code)
                    if response.status_code == 303:
                        assert response.headers["location"] == "/connexion", (who, path)
                assert not any(bit in body for bit in secret_bits), (who, method, path)
    assert tried >= 20
    store = Store.open(str(workspace.store_path))
    try:  # Bruno's dossier is as it was: no answer, his invitation still active
        assert store.answers(workspace.brunos, audit=False) == {}
        assert [i["state"] for i in store.invitations(workspace.brunos)] == ["active"]
    finally:
        store.close()


def test_sessions_consents_and_the_remaining_steps_from_the_dossiers_page(workspace):
    beneficiary = _open(workspace)
    assert _answer_pages(beneficiary, range(1, 7), value="4") == "/reponses"
    client, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}"
    csrf = _csrf(client.get(url).text)
    logged = client.post(f"{url}/seances", data={"csrf": csrf, "date": "2026-10-05",
                                                 "heures": "2,5", "etape": "preparation",
                                                 "modalite": "distance"})
    assert logged.status_code == 200 and "Séance 1 enregistrée" in logged.text
    assert "2.5 h sur 24" in logged.text
    for data in ({"date": "hier", "heures": "2"}, {"date": "2026-10-06", "heures": "0.1"},
                 {"date": "2026-10-06", "heures": "30"}):
        refused = client.post(f"{url}/seances", data={"csrf": csrf, "etape": "preparation",
                                                      **data})
        assert refused.status_code == 400, data
    agreed = client.post(f"{url}/accords", data={"csrf": csrf, "type": "sharing",
                                                 "date": "2026-10-05",
                                                 "destinataire": "employeur"})
    assert agreed.status_code == 200 and re.search(r"Accord \d+ enregistré\.", agreed.text)
    assert "transmission de la synthèse (employeur)" in agreed.text
    ran = client.post(f"{url}/etapes", data={"csrf": csrf})
    assert ran.status_code == 200, ran.text
    assert "Étapes menées : preparation, needs_analysis" in ran.text
    assert "Code Holland" in ran.text and "documents/synthese.json" in ran.text
    store = Store.open(str(workspace.store_path))
    try:
        assert [s.hours for s in store.sessions(workspace.dossier)] == [Decimal("2.50")]
        trail = [e["action"] for e in store.audit_trail(workspace.dossier)]
    finally:
        store.close()
    assert "dossier.results" in trail  # the results read, audited


@pytest.mark.parametrize("shown", [False, True])
def test_results_reach_the_beneficiary_only_when_the_pipeline_says_so(bilan, tmp_path,
                                                                      monkeypatch, shown):

    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    path = tmp_path / "pipeline.toml"
    text = QUESTIONNAIRE + ("\n[web]\nshow_results = true\n" if shown else "")
    path.write_text(text, encoding="utf-8")
    dossier = bilan("dossier", "new", path, "--counsellor", "alice").out.split()[-1]
    web = _invited(bilan, dossier, tmp_path / "store.sqlite")
    client = _open(web)
    assert _answer_pages(client, range(1, 7), value="2") == "/reponses"
    assert "Vos résultats" not in client.get("/reponses").text  # the steps have not run
    assert bilan("run", "--dossier", dossier, "--format", "json").code == 0
    welcome = client.get("/reponses").text
    assert ("Vos résultats" in welcome) is shown
    assert ("Code Holland" in welcome) is shown


def test_a_consent_revoked_from_the_dossiers_page(workspace):
    client, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}"
    csrf = _csrf(client.get(url).text)
    assert client.post(f"{url}/accords", data={"csrf": csrf, "type": "sharing",
                                               "destinataire": "cep"}).status_code == 200
    revoked = client.post(f"{url}/retraits", data={"csrf": csrf, "type": "sharing",
                                                   "destinataire": "cep"})
    assert revoked.status_code == 200 and "Accord retiré" in revoked.text
    assert "transmission de la synthèse (cep) : donné le" in revoked.text
    assert "retiré le" in revoked.text


def test_only_an_administrator_manages_the_accounts(workspace, bilan, tmp_path):
    client, _response = _login(workspace)  # Alice, a counsellor
    assert client.get("/espace/comptes").status_code == 404
    secret = tmp_path / "chef.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    assert bilan("user", "add", "chef", "--role", "admin", "--password-file",
                 secret).code == 0
    chef, response = _login(workspace, name="chef")
    assert response.status_code == 303
    listing = chef.get("/espace")
    assert "Les comptes de la base" in listing.text
    page = chef.get("/espace/comptes")
    assert page.status_code == 200 and "bruno" in page.text
    csrf = _csrf(page.text)
    short = chef.post("/espace/comptes", data={"csrf": csrf, "action": "creer", "nom": "eve",
                                               "role": "counsellor", "mot_de_passe": "court"})
    assert short.status_code == 400 and "12 caractères" in short.text
    made = chef.post("/espace/comptes", data={"csrf": csrf, "action": "creer", "nom": "eve",
                                              "role": "counsellor",
                                              "mot_de_passe": "une-phrase-assez-longue"})
    assert made.status_code == 200 and "Compte eve créé." in made.text
    _eve, response = _login(workspace, name="eve", password="une-phrase-assez-longue")
    assert response.status_code == 303
    disabled = chef.post("/espace/comptes", data={"csrf": csrf, "action": "desactiver",
                                                  "nom": "bruno"})
    assert disabled.status_code == 200 and "Compte bruno désactivé" in disabled.text
    _bruno, response = _login(workspace, name="bruno")
    assert response.status_code == 401  # a disabled account has no password any more
    assert client.post("/espace/comptes", data={"csrf": _csrf(client.get(
        f"/espace/dossiers/{workspace.dossier}").text), "action": "desactiver",
        "nom": "chef"}).status_code == 404  # a counsellor may not, even with her token


EVIL_PLUGIN = '''
from pathlib import Path

Path(__file__).with_name("imported").write_text("the module ran")
'''


def test_the_web_server_never_imports_a_pipelines_own_modules(bilan, tmp_path, monkeypatch):

    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    folder = tmp_path / "dossier"
    folder.mkdir()
    (folder / "evil_module_web.py").write_text(EVIL_PLUGIN, encoding="utf-8")
    path = folder / "pipeline.toml"
    path.write_text('plugins = ["evil_module_web"]\n' + QUESTIONNAIRE, encoding="utf-8")
    dossier = bilan("dossier", "new", path, "--counsellor", "alice").out.split()[-1]
    (folder / "imported").unlink()  # the CLI imported it: whoever ran it answers for it
    import sys

    sys.modules.pop("evil_module_web", None)  # in this process too: a web worker's own
    web = _invited(bilan, dossier, tmp_path / "store.sqlite")
    client = _open(web)
    assert "Inventaire" in client.get("/reponses").text
    assert client.get("/reponses/riasec").status_code == 200
    assert not (folder / "imported").exists()


def test_a_completed_questionnaires_answers_are_final(web):
    client = _open(web)
    assert _answer_pages(client, range(1, 7), value="3") == "/reponses"
    fields, items = _form(client, 1)
    late = client.post("/reponses/riasec/reponse", data={**fields, "item": items[0],
                                                          "value": "4"})
    assert late.status_code == 409
    again = client.post("/reponses/riasec?page=1", follow_redirects=False,
                        data={**fields, **{f"item-{i}": "0" for i in items}})
    assert again.status_code == 303 and again.headers["location"] == "/reponses"
    assert set(_saved(web)["answers"].values()) == {3}


def test_a_logout_or_a_new_password_ends_every_copy_of_the_session(workspace, bilan,
                                                                   tmp_path):
    client, _response = _login(workspace)
    copied = TestClient(workspace.app, base_url=BASE,
                        cookies={"bilan_session": client.cookies.get("bilan_session")})
    assert copied.get("/espace", follow_redirects=False).status_code == 200
    csrf = _csrf(client.get("/espace").text)
    assert client.post("/deconnexion", data={"csrf": csrf},
                       follow_redirects=False).status_code == 303
    assert copied.get("/espace", follow_redirects=False).headers["location"] == "/connexion"
    again, _response = _login(workspace)
    assert again.get("/espace", follow_redirects=False).status_code == 200
    secret = tmp_path / "new.txt"
    secret.write_text("un-tout-autre-mot-de-passe\n", encoding="utf-8")
    assert bilan("user", "passwd", "alice", "--password-file", secret).code == 0
    assert again.get("/espace", follow_redirects=False).status_code == 303


def test_successful_logins_are_not_counted_and_odd_numbers_are_no_crash(workspace):
    for _ in range(12):
        _unused, response = _login(workspace)
        assert response.status_code == 303
    client, _response = _login(workspace)
    csrf = _csrf(client.get(f"/espace/dossiers/{workspace.dossier}").text)
    for number in ("99999999999999999999999", "0", "-1"):
        response = client.post(f"/espace/dossiers/{workspace.dossier}/invitations/{number}"
                               "/revocation", data={"csrf": csrf})
        assert response.status_code == 404, number
        assert response.headers["cache-control"] == "no-store"


def test_addresses_are_counted_by_ipv6_network(monkeypatch):
    from starlette.requests import Request

    from bilan_core.web.workspace import client_address

    def request(host: str) -> Request:
        return Request({"type": "http", "client": (host, 1234), "headers": []})

    assert client_address(request("2001:db8:1:2::5")) == client_address(
        request("2001:db8:1:2:ffff::9")) == "2001:db8:1:2::/64"
    assert client_address(request("203.0.113.9")) == "203.0.113.9"


def test_serve_refuses_to_act_as_one_account(bilan, tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_STORE", str(tmp_path / "store.sqlite"))
    assert bilan("user", "add", "alice", "--role", "counsellor").code == 0
    monkeypatch.setenv("BILAN_USER", "alice")
    refused = bilan("serve", "--port", "1")
    assert refused.code == 2 and "as its owner" in refused.err


def test_a_counsellor_creates_a_dossier_from_a_template(workspace, tmp_path, monkeypatch):
    folder = tmp_path / "modeles"
    folder.mkdir()
    (folder / "salarie.toml").write_text(QUESTIONNAIRE.replace("B-TEST-001", "MODELE"),
                                         encoding="utf-8")
    (folder / "module.toml").write_text('plugins = ["something"]\n' + QUESTIONNAIRE,
                                        encoding="utf-8")
    (folder / "notes.txt").write_text("not a template", encoding="utf-8")
    monkeypatch.setenv("BILAN_TEMPLATES", str(folder))
    client, _response = _login(workspace)
    form = client.get("/espace/nouveau").text
    assert re.findall(r'<option value="([^"]+)">', form) == ["module", "salarie"]
    csrf = _csrf(form)
    for data, expected in (({"modele": "autre", "beneficiaire": "B-1"}, "Choisissez"),
                           ({"modele": "salarie", "beneficiaire": "Jean Dupont"}, "pseudonyme"),
                           ({"modele": "module", "beneficiaire": "B-2"}, "propres modules")):
        refused = client.post("/espace/nouveau", data={"csrf": csrf, **data})
        assert refused.status_code == 400 and expected in refused.text, data
    made = client.post("/espace/nouveau", follow_redirects=False,
                       data={"csrf": csrf, "modele": "salarie", "beneficiaire": "B-2026-0042"})
    assert made.status_code == 303
    dossier = made.headers["location"].rsplit("/", 1)[1]
    page = client.get(made.headers["location"]).text
    assert "bénéficiaire B-2026-0042" in page and "MODELE" not in page
    notes = f"/espace/dossiers/{dossier}/notes"  # the template's text, for her
    written = client.post(notes, follow_redirects=False, data={
        **_notes_form(client.get(notes).text), "skills_exploration.strengths": "Écoute"})
    assert written.status_code == 303, written.text
    ran = client.post(f"/espace/dossiers/{dossier}/etapes", data={"csrf": _csrf(page)})
    assert ran.status_code == 200 and "synthese.json" in ran.text
    store = Store.open(str(workspace.store_path))
    try:
        info = store.info(dossier)
        assert (info.counsellor, info.beneficiary) == ("alice", "B-2026-0042")
        kept = {d["name"]: d["content"] for d in store.documents(dossier)}
    finally:
        store.close()
    assert b'"B-2026-0042"' in kept["synthese.json"] and b"MODELE" not in kept["synthese.json"]
    assert "Écoute" in kept["synthese.json"].decode()


# -- hostile values of the inputs the web application added -----------------------------------

HOSTILE = '<script>alert(1)</script>"\'&'


def test_hostile_form_values_are_refused_or_shown_as_text(workspace, bilan, tmp_path):
    secret = tmp_path / "chef.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    assert bilan("user", "add", "chef", "--role", "admin", "--password-file",
                 secret).code == 0
    chef, _response = _login(workspace, name="chef")
    csrf = _csrf(chef.get("/espace/comptes").text)
    for name in (HOSTILE, "../../etc", "a" * 200, ""):
        refused = chef.post("/espace/comptes", data={"csrf": csrf, "action": "creer",
                                                     "nom": name, "role": "counsellor",
                                                     "mot_de_passe": "une-phrase-assez-longue"})
        assert refused.status_code == 400, name
        assert "<script>" not in refused.text
    alice, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}"
    csrf = _csrf(alice.get(url).text)
    shown = alice.post(f"{url}/accords", data={"csrf": csrf, "type": "sharing",
                                               "destinataire": HOSTILE})
    assert "<script>alert" not in shown.text  # refused, or shown escaped
    for data in ({"type": HOSTILE}, {"type": "bilan", "date": HOSTILE},
                 {"type": "retention", "jusqu_au": "2026-13-45"}):
        assert alice.post(f"{url}/accords", data={"csrf": csrf, **data}).status_code == 400
    for data in ({"date": "2026-10-05", "heures": HOSTILE, "etape": "preparation"},
                 {"date": "2026-10-05", "heures": "2", "etape": HOSTILE}):
        response = alice.post(f"{url}/seances", data={"csrf": csrf, **data})
        assert response.status_code == 400 and "<script>alert" not in response.text
    invited = alice.post(f"{url}/invitations", data={"csrf": csrf, "jours": HOSTILE,
                                                     "questionnaire": HOSTILE})
    assert invited.status_code == 404 and "<script>alert" not in invited.text


def test_hostile_templates_folder_offers_only_its_own_regular_files(workspace, tmp_path,
                                                                  monkeypatch):
    folder = tmp_path / "modeles"
    folder.mkdir()
    outside = tmp_path / "ailleurs.toml"
    outside.write_text(QUESTIONNAIRE, encoding="utf-8")
    (folder / "lien.toml").symlink_to(outside)
    (folder / "dossier.toml").mkdir()
    (folder / "vrai.toml").write_text(QUESTIONNAIRE.replace("B-TEST-001", "MODELE"), "utf-8")
    monkeypatch.setenv("BILAN_TEMPLATES", str(folder))
    client, _response = _login(workspace)
    form = client.get("/espace/nouveau").text
    assert re.findall(r'<option value="([^"]+)">', form) == ["vrai"]
    for chosen in ("lien", "../ailleurs", "dossier"):
        refused = client.post("/espace/nouveau", data={"csrf": _csrf(form), "modele": chosen,
                                                       "beneficiaire": "B-9"})
        assert refused.status_code == 400, chosen


def test_a_short_web_secret_is_refused(monkeypatch):
    from bilan_core.errors import UsageError
    from bilan_core.web.security import secret

    monkeypatch.setenv("BILAN_WEB_SECRET", "short")
    with pytest.raises(UsageError, match="at least 32 characters"):
        secret()


@pytest.mark.parametrize("value", ['"yes"', "1", "[true]"])
def test_web_show_results_takes_a_boolean_only(bilan, pipeline_file, value):
    path = pipeline_file(QUESTIONNAIRE + f"\n[web]\nshow_results = {value}\n")
    result = bilan("validate", path)
    assert result.code == 2 and "show_results" in result.err
    assert len(result.err.strip().splitlines()) == 1
    unknown = bilan("validate", pipeline_file(QUESTIONNAIRE + "\n[web]\nshow = true\n"))
    assert unknown.code == 2 and "show" in unknown.err


def _notes_form(text: str) -> dict[str, str]:
    """The notes page's form as a browser would send it untouched."""
    import html

    form: dict[str, object] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', text):
        form[name] = html.unescape(value)
    for name, value in re.findall(r'<textarea id="[^"]+" name="([^"]+)"[^>]*>(.*?)</textarea>',
                                  text, re.S):
        form[name] = html.unescape(value)
    for tag in re.findall(r"<input (?![^>]*type=\"(?:hidden|checkbox)\")[^>]*>", text):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            form[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, value in re.findall(
            r'<input type="checkbox" name="([^"]+)" value="([^"]+)" checked>', text):
        form.setdefault(name, [])
        form[name].append(value)  # type: ignore[union-attr]
    for select in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', text,
                             re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select[1])
        form[select[0]] = chosen.group(1) if chosen else ""
    return form  # type: ignore[return-value]


def _stored_pipeline(web) -> str:
    store = Store.open(str(web.store_path))
    try:
        return store.content(web.dossier, purpose="test")[1]
    finally:
        store.close()


def test_the_notes_of_each_step_are_edited_on_the_web(workspace):
    client, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}/notes"
    assert f'href="{url}"' in client.get(f"/espace/dossiers/{workspace.dossier}").text
    page = client.get(url)
    assert page.status_code == 200
    text = page.text
    for heading in ("Analyse des besoins et des attentes", "Métiers proposés : codes ROME ou"
                    " intitulés", "Le projet professionnel", "Points forts",
                    "Conditions de travail écartées", "Actions convenues"):
        assert heading in text, heading
    assert "Faire le point après dix ans dans le même poste." in text  # as the file has it
    assert "Technicienne de maintenance\nFormatrice</textarea>" in text
    form = _notes_form(text)
    unchanged = client.post(url, data=form, follow_redirects=False)
    assert unchanged.headers["location"].endswith("inchangees=1")
    before = _stored_pipeline(workspace)
    form.update({
        "needs_analysis.expectations": "Savoir quels métiers me conviennent\r\n\r\n"
                                       "  Garder mon salaire  ",
        "skills_exploration.strengths": "Organisation\nÉcoute « active »",
        "career_options.proposed": "K2111\nFormatrice",
        "career_options.avoid": ["travail de nuit"],
        "career_options.max_training_months": "12",
        "action_plan.project": 'Devenir formatrice.\nPuis "conseillère" \\ en insertion.',
        "action_plan.actions.0.title": "Enquête métier",
        "action_plan.actions.0.kind": "immersion",
        "action_plan.actions.0.due": "2026-12-15",
    })
    saved = client.post(url, data=form, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"].endswith("enregistrees=1")
    assert "Notes enregistrées." in client.get(saved.headers["location"]).text
    after = _stored_pipeline(workspace)
    assert after.startswith(before.split("[plugin.needs_analysis]")[0])  # the rest untouched
    from bilan_core.config.toml import parse_toml

    plugin = parse_toml(after)["plugin"]
    assert plugin["needs_analysis"] == {
        "request": "Faire le point après dix ans dans le même poste.",
        "expectations": ["Savoir quels métiers me conviennent", "Garder mon salaire"]}
    assert plugin["skills_exploration"] == {"strengths": ["Organisation", "Écoute « active »"]}
    assert plugin["career_options"] == {"proposed": ["K2111", "Formatrice"],
                                        "avoid": ["travail de nuit"],
                                        "max_training_months": 12}
    assert plugin["action_plan"]["project"] == ('Devenir formatrice.\nPuis "conseillère" \\ en'
                                                " insertion.")
    assert [dict(a) for a in plugin["action_plan"]["actions"]] == [
        {"title": "Enquête métier", "kind": "immersion", "due": date(2026, 12, 15)}]
    store = Store.open(str(workspace.store_path))
    try:
        assert "dossier.update" in [e["action"] for e in store.audit_trail(workspace.dossier)]
    finally:
        store.close()
    ran = client.post(f"/espace/dossiers/{workspace.dossier}/etapes",
                      data={"csrf": form["csrf"]})
    assert ran.status_code == 200, ran.text
    held = client.get(url).text  # the steps held: their notes shown, not edited
    assert "Étape menée" in held and 'name="needs_analysis.request"' not in held
    assert "Garder mon salaire" in held


def test_notes_with_problems_save_nothing_and_say_where(workspace):
    client, _response = _login(workspace)
    url = f"/espace/dossiers/{workspace.dossier}/notes"
    form = _notes_form(client.get(url).text)
    before = _stored_pipeline(workspace)
    form.update({"career_options.max_training_months": "douze",
                 "career_options.avoid": ["le vol"],
                 "action_plan.actions.1.kind": "training",  # a row without its action
                 "needs_analysis.request": "Une demande <script>alert(1)</script>"})
    refused = client.post(url, data=form)
    assert refused.status_code == 400
    assert "3 champs à corriger : rien n&#39;est enregistré." in refused.text
    assert "une ligne a besoin de son champ « Action », ou laissez-la vide" in refused.text
    assert 'aria-describedby="erreur-note-career_options-max_training_months"' in refused.text
    assert 'value="douze"' in refused.text  # what was typed, shown again
    assert "<script>alert(1)</script>" not in refused.text  # shown as text
    assert _stored_pipeline(workspace) == before
    stale = _notes_form(client.get(url).text)
    beneficiary = _open(workspace)  # an answer saved meanwhile changes no note: no conflict
    assert _answer_pages(beneficiary, range(1, 2)) == "/reponses/riasec?page=2"
    form = {**stale, "needs_analysis.request": "Une autre demande"}
    assert client.post(url, data=form, follow_redirects=False).status_code == 303
    late = client.post(url, data={**stale, "needs_analysis.request": "Plus tard"})
    assert late.status_code == 400 and "ces notes ont changé depuis" in late.text
    again = client.post(url, data=_notes_form(late.text))  # the page refused, sent again
    assert again.status_code == 400 and "ces notes ont changé depuis" in again.text
    assert "Une autre demande" in _stored_pipeline(workspace)
    assert client.post(url, data={**stale, "csrf": ""}).status_code == 403


# -- the pages' language ----------------------------------------------------------------------

def test_the_pages_are_french_by_default_and_english_on_request(workspace, bilan,
                                                                 monkeypatch):
    from bilan_core.errors import UsageError
    from bilan_core.web.app import create_app

    french = _login(workspace)[0].get("/connexion").text  # the default: French
    assert '<html lang="fr">' in french and "Se connecter" in french
    monkeypatch.setenv("BILAN_WEB_LANGUAGE", "en")
    english = create_app()
    login = TestClient(english, base_url=BASE).get("/connexion").text
    assert '<html lang="en">' in login and "<h1>Login</h1>" in login
    assert ">Log in</button>" in login
    for word in ("Connexion", "Se connecter", "Mot de passe", "consultant·e", "confidentiels"):
        assert word not in login, word
    link = bilan("invite", workspace.dossier, "--instrument", "riasec").out.strip()
    client = TestClient(english, base_url=BASE)
    assert client.get(link.removeprefix(BASE), follow_redirects=False).status_code == 303
    welcome = client.get("/reponses").text
    assert '<html lang="en">' in welcome and "<h1>Your questionnaires</h1>" in welcome
    assert "Your answers are confidential" in welcome and "This link is valid until" in welcome
    for word in ("Vos questionnaires", "Bonjour", "confidentielles", "jusqu'au", "réponses"):
        assert word not in welcome, word
    page = client.get("/reponses/riasec").text
    assert "Save and continue" in page and "Enregistrer" not in page
    client, _response = _login(workspace, app=english)
    dossier = client.get(f"/espace/dossiers/{workspace.dossier}").text
    assert "<h2 id=\"seances\">Sessions</h2>" in dossier and "Séances" not in dossier
    monkeypatch.setenv("BILAN_WEB_LANGUAGE", "de")
    with pytest.raises(UsageError, match="BILAN_WEB_LANGUAGE"):
        create_app()
    refused = bilan("serve", "--language", "de")
    assert refused.code == 2 and "--language" in refused.err


def test_a_beneficiarys_actions_are_audited_through_their_invitation(workspace, bilan):
    _open(workspace)
    client = _open(workspace)
    assert _answer_pages(client, range(1, 2)) == "/reponses/riasec?page=2"
    store = Store.open(str(workspace.store_path))
    try:
        trail = store.audit_trail(workspace.dossier)
        number = store.invitations(workspace.dossier)[0]["id"]
        assert store.invitations(workspace.dossier)[0]["last_used_at"] is not None
    finally:
        store.close()
    import json

    through = [(e["action"], e["actor"]) for e in trail
               if json.loads(e["detail"]).get("via") == f"invitation {number}"]
    assert ("invitation.open", "alice") in through  # the counsellor's account, via the link
    assert [a for a, _ in through].count("invitation.open") == 1  # opened twice, within the hour
    assert ("answers.start", "alice") in through
    listing = bilan("invite", workspace.dossier, "--list").out
    assert "last opened" in listing
    alice, _response = _login(workspace)
    assert "ouverte pour la dernière fois le" in alice.get(
        f"/espace/dossiers/{workspace.dossier}").text


def test_an_oversized_or_unmeasured_form_is_refused_before_anyone_is_known(web):
    client = _client(web)
    big = client.post("/connexion", content=b"compte=" + b"a" * 600_000,
                      headers={"content-type": "application/x-www-form-urlencoded"})
    assert big.status_code == 413

    def chunks():
        yield b"compte=alice"

    unmeasured = client.post("/connexion", content=chunks(),
                             headers={"content-type": "application/x-www-form-urlencoded"})
    assert unmeasured.status_code == 413
