"""The Starlette application: a beneficiary's questionnaires, opened by an invitation link.

The application keeps nothing in memory between requests but what every worker may rebuild
(the plugin host, compiled templates): who is asking is in a signed cookie, every answer is
saved in the store as soon as it is given, and every check is made again at each request (a
revoked or expired link stops working at once). It uses the store as its owner and acts, for
each request, as the account the request is for (:meth:`Store.acting_as`): on PostgreSQL the
database's row-level security applies to that account.

Routes of a beneficiary:

- ``GET /invitation/{token}``: checks the link, keeps its hash in a cookie, goes to
  ``/reponses`` (the token leaves the address bar and the server's logs);
- ``GET /reponses``: the welcome page: who, what for, confidentiality, consents, progress;
- ``GET|POST /reponses/{instrument}?page=N``: a few items at a time, each answer saved;
- ``GET /reponses/fin``: what happens next;
- ``GET|POST /reponses/presence``: the sessions held, signed from the link;
- ``GET /retours``, ``GET|POST /retours/{instrument}``, ``GET /retours/fin``: the provider's
  feedback questionnaires, when the link is a feedback one (:mod:`bilan_core.web.evidence`).

A link opens the pages of its purpose only: a link to the bilan's questionnaires never saves
feedback, and a feedback link (which works on a closed dossier, or one whose content was
destroyed) opens neither the bilan's questionnaires nor its sessions.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bilan_core.i18n import N_, _, date_text
from bilan_core.web import security, threaded

HERE = Path(__file__).parent
#: Items shown on one page of a questionnaire.
PAGE_SIZE = 10
#: How long a beneficiary's cookie lasts without a visit (the link itself may last longer).
INVITATION_COOKIE_AGE = 12 * 3600
COOKIE = "bilan_invitation"
#: Links that open nothing, allowed per client address in a quarter of an hour.
LINK_LIMIT, WINDOW = 30, 900
#: How long a worker keeps what the pages need of a dossier's content.
FACTS_AGE = 300.0
#: How many dossiers' facts a worker keeps at most.
FACTS_KEPT = 1000
CONFIDENTIAL = N_("Your answers are confidential: they belong to you and are shared with no"
                  " one but your counsellor without your consent.")
#: The languages the pages speak (``bilan serve --language``, ``BILAN_WEB_LANGUAGE``).
LANGUAGES = ("fr", "en")


def web_language() -> str:
    """The language of the pages: ``BILAN_WEB_LANGUAGE`` (set by ``bilan serve
    --language``), French by default."""
    from bilan_core.errors import UsageError

    chosen = os.environ.get("BILAN_WEB_LANGUAGE", "") or "fr"
    if chosen not in LANGUAGES:
        raise UsageError(_("BILAN_WEB_LANGUAGE is {value!r}: the pages speak fr or en").format(
            value=chosen))
    return chosen


class Headers:
    """Adds :data:`security.HEADERS` to every response; every request speaks the pages'
    language (the pages, and the library's messages they show, whatever the server's
    locale)."""

    def __init__(self, app: ASGIApp, language: str = "fr") -> None:
        self.app = app
        self.language = language

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        from bilan_core.i18n import speaking

        with speaking(self.language):
            await self._call(scope, receive, send)

    async def _call(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                from starlette.datastructures import MutableHeaders

                security.add_headers(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, sending)


@lru_cache(maxsize=1)
def _templates() -> Any:
    """The pages' Jinja2 environment: sandboxed and escaping, as the reports' is. Its text
    goes through the message catalog (``_()``, ``ngettext()``, newstyle), in the language of
    the request at render time."""
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from bilan_core import i18n

    environment = ImmutableSandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True,
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"])
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n._, ngettext=i18n.ngettext, newstyle=True)
    return environment


def page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page rendered from ``template``, in the language of the request."""
    from bilan_core.i18n import language

    return HTMLResponse(_templates().get_template(template).render(lang=language(),
                                                                    **context),
                        status_code=status)


class Application:
    """The application's state shared by every request of a worker: the store (as its
    owner), the signing secret and the plugin hosts; nothing about any request."""

    def __init__(self, store_url: str | None = None) -> None:
        from bilan_core.store.core import Store
        from bilan_core.web import THREADS

        self.store = Store.open(store_url, connections=THREADS)
        #: Threads for the requests' store work (:func:`bilan_core.web.threaded`): on
        #: PostgreSQL only; SQLite's requests stay on the event loop.
        self.threads = THREADS if self.store.backend == "postgresql" else 0
        self.secret = security.secret()
        self.cookies = URLSafeTimedSerializer(self.secret, salt="bilan-invitation")
        self._hosts: dict[Any, Any] = {}
        self._dossiers: dict[str, Any] = {}
        self._kept = threading.Lock()  # requests run in threads (bilan_core.web.threaded)

    # ---------------------------------------------------------------------- invitations
    def opened(self, request: Request, purpose: str = "answers") -> tuple[Any, Any] | None:
        """The invitation the request's cookie holds, checked again now, and the store as
        its dossier's counsellor; None when there is none, it no longer opens anything, or
        it is for another ``purpose`` (``answers``: the bilan's questionnaires; ``feedback``:
        the provider's)."""
        raw = request.cookies.get(COOKIE)
        if not raw:
            return None
        try:
            digest = self.cookies.loads(raw, max_age=INVITATION_COOKIE_AGE)
        except BadSignature:
            return None
        if not isinstance(digest, str):
            return None
        invitation = self.store.invitation_by_digest(digest)
        if invitation is None or invitation.purpose != purpose:
            return None
        return invitation, self.for_beneficiary(invitation)

    def for_beneficiary(self, invitation: Any) -> Any:
        """The store as the counsellor of the invitation's dossier, its audit entries saying
        they came through the invitation (the beneficiary's link)."""
        return self.store.acting_as(invitation.counsellor, via=f"invitation {invitation.id}")

    def instrument(self, view: Any, dossier_id: str, instrument_id: str) -> Any:
        """The instrument, from the plugins the dossier's pipeline asks for."""
        return self.host(view, dossier_id).registry.instruments.get(instrument_id)

    def provider(self, view: Any, dossier_id: str) -> dict[str, Any]:
        """The dossier's provider (name, counsellor), for the pages' branding."""
        return dict(self._facts(view, dossier_id)[1])

    def _facts(self, view: Any, dossier_id: str) -> tuple[Any, dict[str, Any]]:
        """What the pages need of a dossier's content (its plugin settings, its provider),
        read once in a few minutes per worker: each read of a dossier's content is audited,
        and a page of answers is no reason to read it again."""
        from bilan_core.config.pipeline import plugin_settings

        now = time.monotonic()
        found = self._dossiers.get(dossier_id)
        if found is not None and now - found[0] < FACTS_AGE:
            return found[1], found[2]
        info, text, state = view.content(dossier_id, purpose="web")
        settings = plugin_settings(Path(info.pipeline_path or "pipeline.toml"), text)
        provider = dict(json.loads(state).get("dossier", {}).get("provider", {}))
        provider["show_results"] = _shows_results(text)
        with self._kept:
            while len(self._dossiers) >= FACTS_KEPT:  # the oldest first
                del self._dossiers[next(iter(self._dossiers))]
            self._dossiers[dossier_id] = (now, settings, provider)
        return settings, provider

    def host(self, view: Any, dossier_id: str) -> Any:
        settings, _provider = self._facts(view, dossier_id)
        return web_host(self._hosts, settings)

    def installed(self) -> Any:
        """The host of the installed plugins alone, no pipeline's: the provider's feedback
        questionnaires and the indicators' titles come from it, never from a dossier's
        content (which may be destroyed)."""
        from bilan_core.config.pipeline import PluginSettings

        return web_host(self._hosts, PluginSettings())


def web_host(hosts: dict[Any, Any], settings: Any) -> Any:
    """The plugin host of the web application for a pipeline: the installed plugins (its
    blocked ones left out) and its own instrument files, which are data. Never the modules a
    pipeline names (``plugins = [...]``): the web server runs as the store's owner, and a
    stored pipeline names its folder, which a counsellor may choose; such a pipeline's steps
    run from the command line, where whoever runs them answers for its modules."""
    key = (settings.disabled, tuple((i.id, i.version) for i in settings.instruments))
    with _HOSTS_MADE:  # one thread makes a host; the others wait for it
        return _web_host(hosts, key, settings)


_HOSTS_MADE = threading.Lock()


def _web_host(hosts: dict[Any, Any], key: Any, settings: Any) -> Any:
    from bilan_core.plugins import PluginHost

    host = hosts.get(key)
    if host is None:
        objects = []
        if settings.instruments:
            from bilan_core.instruments.plugin import PLUGIN_NAME, PipelineInstruments

            objects.append((PLUGIN_NAME, PipelineInstruments(settings.instruments)))
        host = PluginHost(blocked=settings.disabled, objects=objects,
                          warn=lambda line: None).load()
        hosts[key] = host
    return host


def _progress(view: Any, dossier_id: str, instruments: Any,
              app: Application) -> list[dict[str, Any]]:
    saved = view.answers(dossier_id, audit=False)
    rows = []
    for instrument_id in instruments:
        instrument = app.instrument(view, dossier_id, instrument_id)
        if instrument is None:
            continue
        entry = saved.get(instrument_id, {})
        answered = len(entry.get("answers", {}))
        rows.append({"id": instrument_id, "title": instrument.title,
                     "size": len(instrument.items), "answered": answered,
                     "done": entry.get("completed_on") is not None})
    return rows


def _invalid() -> HTMLResponse:
    return page("invalid.html", status=404, title=_("Invalid link"))


def create_app(store_url: str | None = None) -> Starlette:
    """The application, on the store ``store_url`` (default: ``BILAN_STORE``, as the CLI)."""
    spoken = web_language()  # a wrong language is said before the store is opened
    app = Application(store_url)

    def invitation(request: Request, form: Any) -> Response:
        token = request.path_params["token"]
        from bilan_core.web.workspace import client_address

        address = client_address(request)
        found = app.store.invitation(token)
        if found is None:
            # Failed links are counted per client address, across workers: guessing is
            # slow, and a wrong link says nothing more than a revoked one.
            if not app.store.attempt(f"invitation-address:{address}", LINK_LIMIT, WINDOW):
                return page("invalid.html", status=429, title=_("Too many attempts"))
            return _invalid()
        from bilan_core.store.core import token_digest

        app.for_beneficiary(found).invitation_used(found.dossier_id, found.id)
        from bilan_core.web.evidence import FEEDBACK

        response = RedirectResponse(FEEDBACK if found.purpose == "feedback" else "/reponses",
                                    status_code=303)
        response.set_cookie(COOKIE, app.cookies.dumps(token_digest(token)),
                            max_age=INVITATION_COOKIE_AGE, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path="/")
        return response

    def welcome(request: Request, form: Any) -> Response:
        opened = app.opened(request)
        if opened is None:
            return _invalid()
        invitation, view = opened
        kinds = {"bilan": N_("carrying out the assessment"),
                 "sharing": N_("sending the synthesis to {recipient}"),
                 "retention": N_("keeping the documents after the assessment")}
        consents = [_(kinds[c.kind]).format(recipient=c.recipient or _("a third party"))
                    if c.kind in kinds else c.kind
                    for c in view.consents(invitation.dossier_id) if c.revoked_on is None]
        provider = app.provider(view, invitation.dossier_id)
        results = []
        if provider.get("show_results"):  # the pipeline says so: [web] show_results
            _info, _text, state = view.content(invitation.dossier_id, purpose="results")
            found = json.loads(state).get("dossier", {}).get("results", {})
            results = [{"title": r.get("title", key), "summary": r.get("summary", {}),
                        "interpretations": r.get("interpretations", [])}
                       for key, r in sorted(found.items()) if key in invitation.instruments]
        return page("welcome.html", title=_("Your questionnaires"), results=results,
                    provider=app.provider(view, invitation.dossier_id),
                    questionnaires=_progress(view, invitation.dossier_id,
                                             invitation.instruments, app),
                    consents=consents, confidential=_(CONFIDENTIAL),
                    expires=date_text(date.fromisoformat(invitation.expires_at[:10])))

    def questionnaire(request: Request, form: Any) -> Response:
        opened = app.opened(request)
        if opened is None:
            return _invalid()
        invitation, view = opened
        instrument_id = request.path_params["instrument"]
        if instrument_id not in invitation.instruments:
            return _invalid()
        instrument = app.instrument(view, invitation.dossier_id, instrument_id)
        if instrument is None:
            return _invalid()
        digest = request.cookies.get(COOKIE, "")
        number, pages, items = page_of(request, instrument)
        errors: dict[str, str] = {}
        given: dict[str, str] = {}
        if form is not None:
            if not security.valid_form_token(app.secret, form.get("csrf"), digest,
                                             instrument_id):
                return page("invalid.html", status=403, title=_("Form expired"))
            seconds = _seconds_per_item(app, form.get("shown"), len(items))
            valid: dict[str, Any] = {}
            for item in items:
                raw = form.get(f"item-{item.id}")
                text = raw if isinstance(raw, str) else ""
                given[item.id] = text
                if not text.strip():
                    errors[item.id] = _("Choose an answer to continue.")
                    continue
                try:
                    value = _answer(instrument, item, text)
                except ValueError as exc:
                    errors[item.id] = str(exc)
                    continue
                valid[item.id] = list(value) if isinstance(value, tuple) else value
            # The page's valid answers, in one transaction, even when others are missing.
            if not view.save_answers(invitation.dossier_id, instrument_id, instrument.version,
                                     valid, seconds):
                return RedirectResponse("/reponses", status_code=303)  # answers are final
            if not errors:
                saved = view.answers(invitation.dossier_id, audit=False).get(instrument_id, {})
                if len(saved.get("answers", {})) >= len(instrument.items):
                    view.complete_administration(invitation.dossier_id, instrument_id,
                                                 date.today())
                    return RedirectResponse("/reponses", status_code=303)
                if number < pages:
                    return RedirectResponse(f"/reponses/{instrument_id}?page={number + 1}",
                                            status_code=303)
                first = _first_unanswered_page(instrument, saved.get("answers", {}))
                return RedirectResponse(f"/reponses/{instrument_id}?page={first}",
                                        status_code=303)
        else:
            saved = view.answers(invitation.dossier_id, audit=False).get(instrument_id, {})
            given = {k: json.dumps(v) if not isinstance(v, str) else v
                     for k, v in saved.get("answers", {}).items()}
        return page("questionnaire.html", status=400 if errors else 200,
                    provider=app.provider(view, invitation.dossier_id),
                    title=instrument.title, instrument=instrument, items=items,
                    choices=_choices(instrument), page=number, pages=pages,
                    first=(number - 1) * PAGE_SIZE + 1, total=len(instrument.items),
                    given=given, errors=errors, base="/reponses",
                    csrf=security.form_token(app.secret, digest, instrument_id),
                    shown=app.cookies.dumps(time.time()))

    def one_answer(request: Request, form: Any) -> Response:
        """One answer, saved as soon as it is given (the page's script sends each choice);
        the page's form still saves the whole page without it."""
        opened = app.opened(request)
        if opened is None:
            return JSONResponse({"error": _("invalid link")}, status_code=404)
        invitation, view = opened
        instrument_id = request.path_params["instrument"]
        instrument = (app.instrument(view, invitation.dossier_id, instrument_id)
                      if instrument_id in invitation.instruments else None)
        if instrument is None:
            return JSONResponse({"error": _("unknown questionnaire")}, status_code=404)
        if not security.valid_form_token(app.secret, form.get("csrf"),
                                         request.cookies.get(COOKIE, ""), instrument_id):
            return JSONResponse({"error": _("form expired")}, status_code=403)
        posted = posted_answer(instrument, form, _answer)
        if isinstance(posted, Response):
            return posted
        item, value = posted
        if not view.save_answers(invitation.dossier_id, instrument_id, instrument.version,
                                 {item.id: list(value) if isinstance(value, tuple) else value},
                                 _seconds_per_item(app, form.get("shown"), 1)):
            return JSONResponse({"error": _("questionnaire completed")}, status_code=409)
        return JSONResponse({"saved": item.id})

    def done(request: Request, form: Any) -> Response:
        opened = app.opened(request)
        if opened is None:
            return _invalid()
        invitation, view = opened
        return page("done.html", title=_("Thank you"),
                    provider=app.provider(view, invitation.dossier_id))

    from bilan_core.web.evidence import beneficiary_routes
    from bilan_core.web.workspace import routes as workspace

    async def failure(request: Request, exc: Exception) -> Response:
        # An error of the application: a page that says so, with the usual headers, and
        # nothing of the error itself (it may hold a dossier's data).
        from bilan_core.i18n import speaking

        with speaking(spoken):  # outside the middleware that sets the pages' language
            response = page("invalid.html", status=500, title=_("Service error"))
        security.add_headers(response.headers)
        return response

    return Starlette(
        exception_handlers={500: failure, Exception: failure},
        routes=[
            *workspace(app, page),
            Route("/invitation/{token}", threaded(invitation, app.threads)),
            Route("/reponses", threaded(welcome, app.threads)),
            Route("/reponses/fin", threaded(done, app.threads)),
            *beneficiary_routes(app, page),  # /reponses/presence before /reponses/{...}
            Route("/reponses/{instrument}", threaded(questionnaire, app.threads),
                  methods=["GET", "POST"]),
            Route("/reponses/{instrument}/reponse", threaded(one_answer, app.threads),
                  methods=["POST"]),
            Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
        ],
        middleware=[Middleware(Headers, language=spoken)],
    )


def posted_answer(instrument: Any, form: Any,
                  parse: Callable[[Any, Any, str], Any]) -> tuple[Any, Any] | Response:
    """The item and the value of one answer sent by the page's script, parsed by
    ``parse(instrument, item, text)``; or the JSON error response to send."""
    item = next((i for i in instrument.items if i.id == form.get("item")), None)
    raw = form.get("value")
    if item is None or not isinstance(raw, str):
        return JSONResponse({"error": _("unknown question")}, status_code=400)
    try:
        return item, parse(instrument, item, raw)
    except ValueError as exc:
        return JSONResponse({"error": str(exc)}, status_code=400)


def _shows_results(text: str) -> bool:
    """Whether a dossier's pipeline (its text, checked when the dossier was made) shows the
    beneficiary their results on the web: ``[web] show_results = true``."""
    from bilan_core.config.toml import parse_toml

    try:
        web = parse_toml(text).get("web")
    except Exception:
        return False
    return isinstance(web, dict) and web.get("show_results") is True


def _answer(instrument: Any, item: Any, text: str) -> Any:
    from bilan_core.cli.administer import parse_answer

    return parse_answer(instrument, item, text)


def _choices(instrument: Any) -> list[tuple[str, str]]:
    """The answers of the instrument's response scale: (value, label)."""
    scale = instrument.response_scale
    low, high = scale.bounds(scale.format)
    labels = list(scale.labels) if scale.labels else []
    return [(str(value), labels[value - low] if value - low < len(labels) else str(value))
            for value in range(low, high + 1)]


def _seconds_per_item(app: Application, shown: Any, count: int) -> float | None:
    """The time spent on the page, shared by its items (for the validity flags)."""
    if not isinstance(shown, str) or not count:
        return None
    try:
        started = app.cookies.loads(shown, max_age=24 * 3600)
    except BadSignature:
        return None
    if not isinstance(started, (int, float)):
        return None
    return round(max(time.time() - float(started), 0.0) / count, 3)


def page_of(request: Request, instrument: Any) -> tuple[int, int, list[Any]]:
    """The page of a questionnaire a request asks for (``?page=N``, kept within its pages),
    how many pages it has, and the page's items."""
    pages = max(1, -(-len(instrument.items) // PAGE_SIZE))
    try:
        number = min(max(int(request.query_params.get("page", "1")), 1), pages)
    except ValueError:
        number = 1
    return number, pages, list(instrument.items[(number - 1) * PAGE_SIZE:number * PAGE_SIZE])


def _first_unanswered_page(instrument: Any, answers: dict[str, Any]) -> int:
    for index, item in enumerate(instrument.items):
        if item.id not in answers:
            return index // PAGE_SIZE + 1
    return 1
