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
- ``GET|POST /espace/dossiers/{id}/notes``: the notes of each step, edited
  (:mod:`bilan_core.web.notes`).
- ``GET|POST /espace/dossiers/{id}/presence`` (the sessions' signatures), ``POST
  .../retours`` (a feedback questionnaire's link, shown once), ``GET /espace/indicateurs``
  and ``GET /espace/indicateurs.csv`` (the result indicators): the provider's evidence
  (:mod:`bilan_core.web.evidence`).

Every page acts through the store as the logged-in account (:meth:`Store.acting_as`): a
dossier the account may not see answers as a dossier that does not exist.
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bilan_core.i18n import _, ngettext
from bilan_core.web import security, threaded

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
                and isinstance(found.get("n"), str) and isinstance(found.get("g"), int)):
            return None
        if app.store.web_sessions(found["a"]) != found["g"]:
            return None  # logged out, a new password, a disabled account: the session ended
        from bilan_core.errors import UsageError

        try:
            view = app.store.acting_as(found["a"])  # a disabled account is out at once
        except UsageError:
            return None
        return found["a"], found["n"], view

    def login_page(request: Request, message: str | None = None, status: int = 200,
                   name: str = "") -> Response:
        nonce = request.cookies.get(PRE) or secrets.token_urlsafe(16)
        response = page("login.html", status=status, title=_("Login"), message=message,
                        name=name, csrf=security.form_token(app.secret, "login", nonce))
        _cookie(response, request, PRE, nonce, 1800)
        return response

    def login(request: Request, form: Any) -> Response:
        if request.method == "GET":
            return login_page(request)
        nonce = request.cookies.get(PRE, "")
        if not nonce or not security.valid_form_token(app.secret, form.get("csrf"), "login",
                                                      nonce):
            return page("invalid.html", status=403, title=_("Form expired"))
        name = str(form.get("compte", "")).strip()[:63]
        password = str(form.get("mot_de_passe", ""))
        keys = ((f"login-address:{client_address(request)}", ADDRESS_LIMIT),
                (f"login-account:{name}", LOGIN_LIMIT))
        if not all(app.store.within_limit(key, limit, WINDOW) for key, limit in keys):
            return login_page(request, _("Too many attempts: try again in a quarter of an hour."),
                              status=429, name=name)
        if not _password_ok(app.store.password_hash(name) if name else None, password):
            for key, limit in keys:  # failures only are counted
                app.store.attempt(key, limit, WINDOW)
            return login_page(request, _("Wrong account or password."), status=401,
                              name=name)
        response = RedirectResponse("/espace", status_code=303)
        _cookie(response, request, SESSION,
                sessions.dumps({"a": name, "n": secrets.token_urlsafe(16),
                                "g": app.store.web_sessions(name)}), SESSION_AGE)
        response.delete_cookie(PRE, path="/")
        return response

    def logout(request: Request, name: str, view: Any, csrf: str,
                     form: Any) -> Response:
        app.store.end_web_sessions(name)  # every device's session, not only this cookie
        response = RedirectResponse("/connexion", status_code=303)
        response.delete_cookie(SESSION, path="/")
        return response

    def guarded(handler: Any) -> Any:
        """A page of a logged-in account; a form sent to it carries the session's token."""
        def run(request: Request, form: Any) -> Response:
            found = account(request)
            if found is None:
                return RedirectResponse("/connexion", status_code=303)
            name, nonce, view = found
            csrf = security.form_token(app.secret, "session", nonce)
            if form is not None and not security.valid_form_token(
                    app.secret, form.get("csrf"), "session", nonce):
                return page("invalid.html", status=403, title=_("Form expired"))
            response: Response = handler(request, name, view, csrf, form)
            return response
        return threaded(run, app.threads)

    def dossiers(request: Request, name: str, view: Any, csrf: str,
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
        return page("dossiers.html", title=_("Your dossiers"), account=name, rows=rows, csrf=csrf,
                    admin=view.actor.sees_all)

    def dossier(request: Request, name: str, view: Any, csrf: str, form: Any,
                      link: str | None = None, status: int = 200,
                      message: str | None = None) -> Response:
        from bilan_core.errors import UsageError
        from bilan_core.web.evidence import feedback_choices

        dossier_id = request.path_params["dossier"]
        try:
            info = view.info(dossier_id)
            sessions_held = view.sessions(dossier_id)
            consents = view.consents(dossier_id)
            invitations = view.invitations(dossier_id)
            answered = view.answers(dossier_id, audit=False) if info.status == "open" else {}
            documents = view.documents(dossier_id) if info.status != "purged" else []
            content = (json.loads(view.content(dossier_id, purpose="results")[2])
                       .get("dossier", {}) if info.status != "purged" else {})
        except UsageError:
            return page("invalid.html", status=404, title=_("Dossier not found"))
        plan = [step.get("id") for step in content.get("plan", [])]
        done = [step.get("id") for step in content.get("steps_done", [])]
        results = [{"title": r.get("title", key), "summary": r.get("summary", {}),
                    "scales": [(r.get("scale_names", {}).get(sc["scale"], sc["scale"]),
                                sc.get("raw"), sc.get("band")) for sc in r.get("scales", [])]}
                   for key, r in sorted(content.get("results", {}).items())]
        return page("dossier.html", status=status, title=_("Dossier {id}").format(id=info.id),
                    account=name, info=info, sessions=sessions_held, consents=consents,
                    invitations=invitations, documents=[d["name"] for d in documents],
                    answered={i: len(e.get("answers", {})) for i, e in answered.items()},
                    completed=sorted(i for i, e in answered.items() if e.get("completed_on")),
                    link=link, csrf=csrf, maximum=MAXIMUM_HOURS,
                    hours=f"{info.hours.normalize():f}", plan=plan, done=done,
                    results=results, message=message, today=date.today().isoformat(),
                    feedback=feedback_choices(app))

    def action(request: Request, name: str, view: Any, csrf: str,
                     form: Any) -> Response:
        """A session, a consent, or the remaining steps: the CLI's own library calls."""
        from bilan_core.errors import BilanError, UsageError

        dossier_id, what = request.path_params["dossier"], request.path_params["action"]
        try:
            view.info(dossier_id)
        except UsageError:
            return page("invalid.html", status=404, title=_("Dossier not found"))
        try:
            said = _act(view, dossier_id, what, form)
        except (BilanError, ValueError) as exc:
            return dossier(request, name, view, csrf, None, status=400,
                                 message=" ".join(str(exc).split()))
        if said is None:
            return page("invalid.html", status=404, title=_("Unknown action"))
        return dossier(request, name, view, csrf, None, message=said)

    def invite(request: Request, name: str, view: Any, csrf: str,
                     form: Any) -> Response:
        from bilan_core.errors import UsageError
        from bilan_core.store.dossiers import planned_instruments

        dossier_id = request.path_params["dossier"]
        try:
            planned = planned_instruments(view, dossier_id)
            chosen = [i for i in form.getlist("questionnaire") if i in planned] or planned
            if not chosen:
                raise UsageError(_("no questionnaire"))
            days = min(max(int(str(form.get("jours", "14"))[:4]), 1), 90)
            _number, token = view.invite(dossier_id, chosen,
                                         datetime.now(timezone.utc) + timedelta(days=days))
        except (UsageError, ValueError):
            return page("invalid.html", status=404, title=_("Dossier not found"))
        return dossier(request, name, view, csrf, None, link=invitation_link(request, token))

    def revoke(request: Request, name: str, view: Any, csrf: str,
                     form: Any) -> Response:
        from bilan_core.errors import UsageError

        dossier_id = request.path_params["dossier"]
        try:
            number = int(request.path_params["number"])
            if not 0 < number < 2**31:
                raise ValueError("no such invitation")
            view.revoke_invitation(dossier_id, number)
        except (UsageError, ValueError):
            return page("invalid.html", status=404, title=_("Dossier not found"))
        return RedirectResponse(f"/espace/dossiers/{dossier_id}", status_code=303)

    def document(request: Request, name: str, view: Any, csrf: str,
                       form: Any) -> Response:
        from bilan_core.errors import UsageError

        dossier_id, wanted = request.path_params["dossier"], request.path_params["name"]
        try:
            found = [d for d in view.documents(dossier_id) if d["name"] == wanted]
        except UsageError:
            found = []
        if not found:
            return page("invalid.html", status=404, title=_("Document not found"))
        kinds = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                 "md": "text/markdown; charset=utf-8", "json": "application/json"}
        extension = wanted.rsplit(".", 1)[-1]
        return Response(found[0]["content"], media_type=kinds.get(extension,
                                                                    "application/octet-stream"),
                        headers={"content-disposition": f'attachment; filename="{wanted}"'})

    def accounts(request: Request, name: str, view: Any, csrf: str,
                       form: Any) -> Response:
        """The administrator's page: every account, a new one, disabling one."""
        from bilan_core.errors import UsageError

        if not view.actor.sees_all:
            return page("invalid.html", status=404, title=_("Page not found"))
        message, status = None, 200
        if form is not None:
            try:
                message = _account_change(view, form)
            except (UsageError, ValueError) as exc:
                message, status = " ".join(str(exc).split()), 400
        return page("accounts.html", status=status, title=_("Accounts"), account=name,
                    users=view.users(), csrf=csrf, message=message)

    def notes(request: Request, name: str, view: Any, csrf: str,
                    form: Any) -> Response:
        """The notes of each step (``GET``), taken in as ``bilan dossier update`` takes an
        edited pipeline (``POST``)."""
        from bilan_core.errors import BilanError, UsageError
        from bilan_core.web import notes as step_notes

        dossier_id = request.path_params["dossier"]
        try:
            info, text, state = view.content(dossier_id, purpose="notes")
        except UsageError:
            return page("invalid.html", status=404, title=_("Dossier not found"))
        message, status = None, 200
        problems: dict[str, str] = {}
        try:
            host = _pipeline_host(info.pipeline_path or "pipeline.toml", text)
        except BilanError as exc:
            return dossier(request, name, view, csrf, None, status=400,
                                 message=" ".join(str(exc).split()))
        steps = step_notes.steps_of(host, state)
        if form is not None:
            if info.status != "open":
                return page("invalid.html", status=404, title=_("Dossier not found"))
            try:
                changed, problems = step_notes.save(view, dossier_id, host, info, text, steps,
                                                    form)
            except (BilanError, ValueError) as exc:
                message, status = " ".join(str(exc).split()), 400
            else:
                if not problems:
                    return RedirectResponse(
                        f"/espace/dossiers/{dossier_id}/notes?"
                        + ("enregistrees=1" if changed else "inchangees=1"), status_code=303)
                message, status = ngettext(
                    "{n} field to correct: nothing is saved.",
                    "{n} fields to correct: nothing is saved.", len(problems)).format(
                        n=len(problems)), 400
        elif "enregistrees" in request.query_params:
            message = _("Notes saved.")
        elif "inchangees" in request.query_params:
            message = _("No note has changed.")
        shown = step_notes.fields(steps, text, form if status == 400 else None)
        return page("notes.html", status=status,
                    title=_("Notes of dossier {id}").format(id=info.id), account=name,
                    info=info, steps=shown, csrf=csrf, message=message, problems=problems,
                    failed=status != 200,
                    base=str(form.get("base", "")) if form is not None and status == 400
                    else step_notes.digest(text))

    def new(request: Request, name: str, view: Any, csrf: str, form: Any) -> Response:
        """A new dossier from one of the provider's pipeline templates (``BILAN_TEMPLATES``:
        a folder of pipeline files whose ``[beneficiary]`` describes a situation)."""
        from bilan_core.errors import BilanError

        if view.actor.role != "counsellor":
            return page("invalid.html", status=404, title=_("Page not found"))
        found = templates()
        message, status = None, 200
        if form is not None:
            chosen = str(form.get("modele", ""))
            person = str(form.get("beneficiaire", "")).strip()
            if chosen not in found:
                message, status = _("Choose a template from the list."), 400
            elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", person):
                message, status = _("The beneficiary's code: letters, digits, “.”, “_”, “-”"
                                    " (a pseudonym, not their name)."), 400
            else:
                try:
                    dossier_id = _create(view, found[chosen], person, name)
                except BilanError as exc:
                    message, status = " ".join(str(exc).split()), 400
                else:
                    return RedirectResponse(f"/espace/dossiers/{dossier_id}",
                                            status_code=303)
        return page("new.html", status=status, title=_("New dossier"), account=name,
                    templates=sorted(found), csrf=csrf, message=message)

    from bilan_core.web.evidence import workspace_routes

    return [
        Route("/espace/nouveau", guarded(new), methods=["GET", "POST"]),
        Route("/espace/comptes", guarded(accounts), methods=["GET", "POST"]),
        Route("/connexion", threaded(login, app.threads), methods=["GET", "POST"]),
        Route("/deconnexion", guarded(logout), methods=["POST"]),
        Route("/espace", guarded(dossiers)),
        Route("/espace/dossiers/{dossier}", guarded(dossier)),
        Route("/espace/dossiers/{dossier}/invitations", guarded(invite), methods=["POST"]),
        Route("/espace/dossiers/{dossier}/invitations/{number}/revocation", guarded(revoke),
              methods=["POST"]),
        Route("/espace/dossiers/{dossier}/documents/{name}", guarded(document)),
        Route("/espace/dossiers/{dossier}/notes", guarded(notes), methods=["GET", "POST"]),
        *workspace_routes(app, page, guarded, dossier),  # before .../{action}
        Route("/espace/dossiers/{dossier}/{action}", guarded(action), methods=["POST"]),
    ]


def _act(view: Any, dossier_id: str, what: str, form: Any) -> str | None:
    """Do what a form of the dossier's page asks; a sentence saying it is done."""
    from decimal import Decimal, InvalidOperation

    from bilan_core.store.dossiers import consent_rules, session_rules

    if what == "seances":
        try:
            held_on = date.fromisoformat(str(form.get("date", "")))
            hours = Decimal(str(form.get("heures", "")).replace(",", "."))
        except (ValueError, InvalidOperation):
            raise ValueError(_("Give the date (YYYY-MM-DD) and the duration in hours.")) from None
        if not (0 < hours <= 24 and hours * 4 == int(hours * 4)):
            raise ValueError(_("The duration is a positive number of hours, in quarter hours."))
        step = str(form.get("etape", ""))
        modality = "distance" if form.get("modalite") == "distance" else "presentiel"
        record, total = view.log_session(dossier_id, held_on=held_on, hours=hours, step=step,
                                         modality=modality,
                                         check=session_rules(step, held_on, hours))
        return _("Session {number} recorded: {date}, {hours} h; {total} h in all.").format(
            number=record.id, date=held_on.isoformat(), hours=f"{hours.normalize():f}",
            total=f"{total.normalize():f}")
    if what == "accords":
        kind = str(form.get("type", ""))
        if kind not in ("bilan", "sharing", "retention"):
            raise ValueError(_("Choose the kind of consent."))
        on = date.fromisoformat(str(form.get("date") or date.today().isoformat()))
        recipient = str(form.get("destinataire", "")).strip() or None
        until_text = str(form.get("jusqu_au", "")).strip()
        until = date.fromisoformat(until_text) if until_text else None
        from bilan_core.model import Consent

        Consent(kind=kind, given_on=on, recipient=recipient, until=until)
        number = view.record_consent(dossier_id, kind=kind, given_on=on, recipient=recipient,
                                     until=until, check=consent_rules(kind, on, until))
        return _("Consent {number} recorded.").format(number=number)
    if what == "retraits":
        kind = str(form.get("type", ""))
        if kind not in ("bilan", "sharing", "retention"):
            raise ValueError(_("Choose the consent withdrawn."))
        on = date.fromisoformat(str(form.get("date") or date.today().isoformat()))
        recipient = str(form.get("destinataire", "")).strip() or None
        revoked = view.revoke_consent(dossier_id, kind=kind, on=on, recipient=recipient)
        return _("Consent withdrawn on {date} ({count} record(s)).").format(
            date=on.isoformat(), count=len(revoked))
    if what == "etapes":
        from bilan_core.cli.run import run_stored

        def host_for(path: Any, text: Any = None) -> Any:
            return _pipeline_host(path, text)

        result, _written, names = run_stored(view, dossier_id, None, None, None, False,
                                             host_for)
        return _("Steps held: {steps}; documents: {documents}.").format(
            steps=", ".join(s.id for s in result.steps_done), documents=", ".join(names))
    return None


def templates() -> dict[str, Any]:
    """The provider's pipeline templates: each ``*.toml`` file of ``BILAN_TEMPLATES``, by
    its name (a regular file of the folder itself; nothing else is offered)."""
    import os
    from pathlib import Path

    folder = os.environ.get("BILAN_TEMPLATES", "")
    if not folder or not Path(folder).is_dir():
        return {}
    return {entry.stem: entry for entry in sorted(Path(folder).iterdir())
            if entry.suffix == ".toml" and entry.is_file() and not entry.is_symlink()}


def _create(view: Any, path: Any, beneficiary: str, counsellor: str) -> str:
    """The dossier made from a template for a beneficiary, as ``bilan dossier new`` does."""
    from bilan_core.config.pipeline import plugin_settings
    from bilan_core.errors import UsageError
    from bilan_core.files import decode_utf8, read_input
    from bilan_core.store.dossiers import new_dossier
    from bilan_core.web.app import web_host

    text = decode_utf8(read_input(path, "pipeline file"), path, "pipeline file")
    settings = plugin_settings(path, text)
    if settings.plugins:
        raise UsageError(_("This template loads modules of its own: make its dossiers on the"
                           " command line (bilan dossier new)."))
    dossier_id, _pipeline = new_dossier(view, web_host(_HOSTS, settings), path, None,
                                        counsellor, beneficiary=beneficiary)
    return str(dossier_id)


def _account_change(view: Any, form: Any) -> str:
    """Add or disable an account, as ``bilan user add`` and ``disable`` do."""
    from argon2 import PasswordHasher

    wanted = str(form.get("nom", "")).strip()
    if form.get("action") == "desactiver":
        view.disable_user(wanted)
        return _("Account {name} disabled: it no longer has access to the store.").format(
            name=wanted)
    role = str(form.get("role", ""))
    if role not in ("counsellor", "admin"):
        raise ValueError(_("Choose the account's role."))
    password = str(form.get("mot_de_passe", ""))
    if len(password) < 12:
        raise ValueError(_("The web password has at least 12 characters."))
    view.add_user(wanted, role, str(PasswordHasher().hash(password)))
    return _("Account {name} created.").format(name=wanted)


_HOSTS: dict[Any, Any] = {}


def _pipeline_host(path: Any, text: Any) -> Any:
    """The web application's host for a stored pipeline (:func:`web_host`); a pipeline that
    names modules of its own runs from the command line."""
    from pathlib import Path

    from bilan_core.config.pipeline import plugin_settings
    from bilan_core.errors import UsageError
    from bilan_core.web.app import web_host

    settings = plugin_settings(Path(path), text)
    if settings.plugins:
        raise UsageError(_("This dossier's pipeline loads modules of its own ({modules}): hold"
                           " its steps on the command line (bilan run --dossier).").format(
                               modules=", ".join(settings.plugins)))
    return web_host(_HOSTS, settings)


def invitation_link(request: Request, token: str) -> str:
    """The link an invitation's token opens: on ``BILAN_BASE_URL`` when it is set, else on
    the address the counsellor's request came to."""
    from bilan_core.cli.invite import base_url_of

    base = base_url_of(None) if _configured() else str(request.base_url).rstrip("/")
    return f"{base}/invitation/{token}"


def client_address(request: Request) -> str:
    """The client's address as the limits count it: an IPv6 address by its /64 (one
    subscriber's whole network), an IPv4 address whole."""
    import ipaddress

    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "?"
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


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
