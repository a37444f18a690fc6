"""The counsellor's workspace: login with the store's accounts, their dossiers, one dossier.

- ``GET|POST /connexion``: the login form (an account of the store whose web password was set
  by ``bilan user passwd``); attempts are counted in the store, per account and per address,
  so the limit holds across workers.
- ``POST /deconnexion``: ends the session (the cookie is cleared).
- ``GET /espace``: the account's dossiers (an administrator's: every dossier), each with its
  hours against 24, sessions, and questionnaires answered.
- ``GET /espace/dossiers/{id}``: one dossier: sessions, consents, questionnaires answered,
  invitations (``POST .../invitations`` makes one and shows its link once,
  ``POST .../invitations/{n}/revocation`` revokes one), the documents kept in the store
  (``GET .../documents/{name}`` downloads one, audited).

Every page acts through the store as the logged-in account (:meth:`Store.acting_as`): a
dossier the account may not see answers as a dossier that does not exist.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bilan_core.web import security

SESSION = "bilan_session"
PRE = "bilan_login"  # the login form's own token, before any session
SESSION_AGE = 8 * 3600
#: Failed logins allowed per account, and per client address, in a quarter of an hour.
LOGIN_LIMIT, ADDRESS_LIMIT, WINDOW = 10, 30, 900
MAXIMUM_HOURS = 24


def routes(app: Any, page: Callable[..., Response]) -> list[Route]:
    """The workspace's routes, on the application's shared state ``app``."""
    sessions = URLSafeTimedSerializer(app.secret, salt="bilan-session")

    def account(request: Request) -> tuple[str, str, Any] | None:
        """The logged-in account's name, its session nonce, and the store acting for it."""
        raw = request.cookies.get(SESSION)
        if not raw:
            return None
        try:
            found = sessions.loads(raw, max_age=SESSION_AGE)
        except BadSignature:
            return None
        if not (isinstance(found, dict) and isinstance(found.get("a"), str)
                and isinstance(found.get("n"), str)):
            return None
        from bilan_core.errors import UsageError

        try:
            view = app.store.acting_as(found["a"])  # a disabled account is out at once
        except UsageError:
            return None
        return found["a"], found["n"], view

    def login_page(request: Request, message: str | None = None, status: int = 200,
                   name: str = "") -> Response:
        nonce = request.cookies.get(PRE) or secrets.token_urlsafe(16)
        response = page("login.html", status=status, title="Connexion", message=message,
                        name=name, csrf=security.form_token(app.secret, "login", nonce))
        _cookie(response, request, PRE, nonce, 1800)
        return response

    async def login(request: Request) -> Response:
        if request.method == "GET":
            return login_page(request)
        form = await request.form()
        nonce = request.cookies.get(PRE, "")
        if not nonce or not security.valid_form_token(app.secret, form.get("csrf"), "login",
                                                      nonce):
            return page("invalid.html", status=403, title="Formulaire expiré")
        name = str(form.get("compte", "")).strip()[:63]
        password = str(form.get("mot_de_passe", ""))
        address = request.client.host if request.client else "?"
        if not (app.store.attempt(f"login-address:{address}", ADDRESS_LIMIT, WINDOW)
                and app.store.attempt(f"login-account:{name}", LOGIN_LIMIT, WINDOW)):
            return login_page(request, "Trop de tentatives : réessayez dans un quart d'heure.",
                              status=429, name=name)
        if not _password_ok(app.store.password_hash(name) if name else None, password):
            return login_page(request, "Compte ou mot de passe incorrect.", status=401,
                              name=name)
        response = RedirectResponse("/espace", status_code=303)
        _cookie(response, request, SESSION,
                sessions.dumps({"a": name, "n": secrets.token_urlsafe(16)}), SESSION_AGE)
        response.delete_cookie(PRE, path="/")
        return response

    async def logout(request: Request, name: str, view: Any, csrf: str,
                     form: Any) -> Response:
        response = RedirectResponse("/connexion", status_code=303)
        response.delete_cookie(SESSION, path="/")
        return response

    def guarded(handler: Any) -> Any:
        """A page of a logged-in account; a form sent to it carries the session's token."""
        async def run(request: Request) -> Response:
            found = account(request)
            if found is None:
                return RedirectResponse("/connexion", status_code=303)
            name, nonce, view = found
            csrf = security.form_token(app.secret, "session", nonce)
            form = None
            if request.method == "POST":
                form = await request.form()
                if not security.valid_form_token(app.secret, form.get("csrf"), "session",
                                                 nonce):
                    return page("invalid.html", status=403, title="Formulaire expiré")
            response: Response = await handler(request, name, view, csrf, form)
            return response
        return run

    async def dossiers(request: Request, name: str, view: Any, csrf: str,
                       form: Any) -> Response:
        rows = []
        for info in view.dossiers():
            answered = view.answers(info.id, audit=False) if info.status == "open" else {}
            rows.append({"id": info.id, "label": info.label, "beneficiary": info.beneficiary,
                         "status": info.status, "hours": f"{info.hours.normalize():f}",
                         "sessions": info.sessions,
                         "maximum": MAXIMUM_HOURS,
                         "answered": sorted(i for i, e in answered.items()
                                            if e.get("completed_on"))})
        return page("dossiers.html", title="Vos dossiers", account=name, rows=rows, csrf=csrf)

    async def dossier(request: Request, name: str, view: Any, csrf: str, form: Any,
                      link: str | None = None, status: int = 200) -> Response:
        from bilan_core.errors import UsageError

        dossier_id = request.path_params["dossier"]
        try:
            info = view.info(dossier_id)
            sessions_held = view.sessions(dossier_id)
            consents = view.consents(dossier_id)
            invitations = view.invitations(dossier_id)
            answered = view.answers(dossier_id, audit=False) if info.status == "open" else {}
            documents = view.documents(dossier_id) if info.status != "purged" else []
        except UsageError:
            return page("invalid.html", status=404, title="Dossier introuvable")
        return page("dossier.html", status=status, title=f"Dossier {info.id}", account=name,
                    info=info, sessions=sessions_held, consents=consents,
                    invitations=invitations, documents=[d["name"] for d in documents],
                    answered={i: len(e.get("answers", {})) for i, e in answered.items()},
                    completed=sorted(i for i, e in answered.items() if e.get("completed_on")),
                    link=link, csrf=csrf, maximum=MAXIMUM_HOURS,
                    hours=f"{info.hours.normalize():f}")

    async def invite(request: Request, name: str, view: Any, csrf: str,
                     form: Any) -> Response:
        from bilan_core.cli.invite import base_url_of
        from bilan_core.errors import UsageError

        dossier_id = request.path_params["dossier"]
        try:
            planned = _planned(view, dossier_id)
            chosen = [i for i in form.getlist("questionnaire") if i in planned] or planned
            if not chosen:
                raise UsageError("aucun questionnaire")
            days = min(max(int(str(form.get("jours", "14"))), 1), 90)
            _number, token = view.invite(dossier_id, chosen,
                                         datetime.now(timezone.utc) + timedelta(days=days))
        except (UsageError, ValueError):
            return page("invalid.html", status=404, title="Dossier introuvable")
        base = base_url_of(None) if _configured() else str(request.base_url).rstrip("/")
        return await dossier(request, name, view, csrf, None,
                             link=f"{base}/invitation/{token}")

    async def revoke(request: Request, name: str, view: Any, csrf: str,
                     form: Any) -> Response:
        from bilan_core.errors import UsageError

        dossier_id = request.path_params["dossier"]
        try:
            view.revoke_invitation(dossier_id, int(request.path_params["number"]))
        except (UsageError, ValueError):
            return page("invalid.html", status=404, title="Dossier introuvable")
        return RedirectResponse(f"/espace/dossiers/{dossier_id}", status_code=303)

    async def document(request: Request, name: str, view: Any, csrf: str,
                       form: Any) -> Response:
        from bilan_core.errors import UsageError

        dossier_id, wanted = request.path_params["dossier"], request.path_params["name"]
        try:
            found = [d for d in view.documents(dossier_id) if d["name"] == wanted]
        except UsageError:
            found = []
        if not found:
            return page("invalid.html", status=404, title="Document introuvable")
        kinds = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                 "md": "text/markdown; charset=utf-8", "json": "application/json"}
        extension = wanted.rsplit(".", 1)[-1]
        return Response(found[0]["content"], media_type=kinds.get(extension,
                                                                    "application/octet-stream"),
                        headers={"content-disposition": f'attachment; filename="{wanted}"'})

    return [
        Route("/connexion", login, methods=["GET", "POST"]),
        Route("/deconnexion", guarded(logout), methods=["POST"]),
        Route("/espace", guarded(dossiers)),
        Route("/espace/dossiers/{dossier}", guarded(dossier)),
        Route("/espace/dossiers/{dossier}/invitations", guarded(invite), methods=["POST"]),
        Route("/espace/dossiers/{dossier}/invitations/{number}/revocation", guarded(revoke),
              methods=["POST"]),
        Route("/espace/dossiers/{dossier}/documents/{name}", guarded(document)),
    ]


def _cookie(response: Response, request: Request, name: str, value: str, age: int) -> None:
    response.set_cookie(name, value, max_age=age, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/")


def _password_ok(hashed: str | None, password: str) -> bool:
    """Whether ``password`` matches the argon2 ``hashed`` (a missing account or password
    costs the same time as a wrong one)."""
    from argon2 import PasswordHasher
    from argon2.exceptions import InvalidHashError, VerificationError

    hasher = PasswordHasher()
    try:
        return bool(hasher.verify(hashed or _dummy(), password)) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


@functools.lru_cache(maxsize=1)
def _dummy() -> str:
    """A hash to check a password against when the account has none."""
    from argon2 import PasswordHasher

    return str(PasswordHasher().hash(secrets.token_urlsafe(16)))


def _configured() -> bool:
    import os

    return bool(os.environ.get("BILAN_BASE_URL"))


def _planned(view: Any, dossier_id: str) -> list[str]:
    from bilan_core.cli.invite import _planned_instruments

    return _planned_instruments(view, dossier_id)
