"""The provider's evidence on the web: the sessions' signatures, the feedback questionnaires
and the result indicators.

The counsellor's routes (a logged-in account, :func:`workspace_routes`):

- ``GET|POST /espace/dossiers/{id}/presence``: the attendance sheet: each session with its
  beneficiary's and counsellor's signatures; the counsellor signs, and the beneficiary signs
  on the counsellor's screen by typing their name;
- ``POST /espace/dossiers/{id}/retours``: a link to one of the installed feedback
  questionnaires (:func:`~bilan_core.evidence.feedback.issue_feedback`), shown once on the
  dossier's page, as an invitation's;
- ``GET /espace/indicateurs?debut=&fin=`` and ``GET /espace/indicateurs.csv``: the result
  indicators of a period (the current year by default), over the dossiers the account sees.

The beneficiary's routes (an invitation's cookie, :func:`beneficiary_routes`):

- ``GET|POST /reponses/presence``: with a link to the bilan's questionnaires, the sessions
  held that the beneficiary has not signed yet, each signed by typing their name;
- ``GET /retours``, ``GET|POST /retours/{instrument}?page=N``, ``POST
  /retours/{instrument}/reponse``, ``GET /retours/fin``: with a feedback link, the provider's
  questionnaires, saved as evidence apart from the bilan (:meth:`Store.save_feedback
  <bilan_core.store.evidence.EvidenceStore.save_feedback>`). Nothing of the dossier's
  content is read: it may be closed, or destroyed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bilan_core.i18n import N_, _, date_text
from bilan_core.web import security, threaded

#: Where a feedback link leads (``/invitation/{token}`` sends it there).
FEEDBACK = "/retours"
#: The time zone the signatures' moments are shown in.
TIME_ZONE = "Europe/Paris"
MODALITIES = {"presentiel": N_("in person"), "distance": N_("distance")}
WAYS = {"screen": N_("on screen"), "link": N_("from their link")}
#: The form token's own parts for a signature from a beneficiary's link (an instrument's
#: token has one part after the cookie's digest: these cannot be taken for one another).
SIGNING = ("presence", "signature")


# -- shared ------------------------------------------------------------------------------

def feedback_catalogue(app: Any) -> dict[str, Any]:
    """The installed feedback questionnaires, by id (from the installed plugins only)."""
    from bilan_core.evidence.feedback import feedback_instruments

    return feedback_instruments(app.installed().registry.instruments)


def feedback_choices(app: Any) -> list[dict[str, str]]:
    """The feedback questionnaires a counsellor may send a link to: id and title."""
    return [{"id": key, "title": instrument.title}
            for key, instrument in sorted(feedback_catalogue(app).items())]


def paris_moment(moment: str) -> str:
    """A moment of the store (ISO, UTC) as the pages say it, in Paris time."""
    from zoneinfo import ZoneInfo

    when = datetime.fromisoformat(moment.strip().replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    local = when.astimezone(ZoneInfo(TIME_ZONE))
    return _("{date} at {time} (Paris time)").format(date=date_text(local.date()),
                                                     time=local.strftime("%H:%M"))


def attendance(view: Any, dossier_id: str) -> list[dict[str, Any]]:
    """A dossier's sessions, in date order, each with its beneficiary's and counsellor's
    signature (signer, moment, way, and whether the session is still as signed) or None."""
    signed: dict[tuple[int, str], dict[str, Any]] = {}
    for signature in view.signatures(dossier_id):
        signed[(signature["session"], signature["role"])] = {
            "signer": signature["signer"], "moment": paris_moment(signature["signed_at"]),
            "via": _(WAYS.get(signature["via"], signature["via"])),
            "valid": signature["valid"]}
    return [{"id": session.id, "held_on": session.held_on,
             "date": date_text(session.held_on), "hours": f"{session.hours.normalize():f}",
             "step": session.step,
             "modality": _(MODALITIES.get(session.modality, session.modality)),
             "remote": session.modality == "distance",
             "beneficiary": signed.get((session.id, "beneficiary")),
             "counsellor": signed.get((session.id, "counsellor"))}
            for session in view.sessions(dossier_id)]


def _session_number(form: Any) -> int:
    """The session a signature form names (``seance``)."""
    try:
        number = int(str(form.get("seance", ""))[:12])
    except ValueError:
        number = 0
    if not 0 < number < 2**31:
        raise ValueError(_("Choose the session to sign."))
    return number


def _said(exc: Exception) -> str:
    return " ".join(str(exc).split())


def period(query: Mapping[str, str]) -> tuple[date, date]:
    """The period a query asks for (``debut``, ``fin``: YYYY-MM-DD), the current calendar
    year by default; ValueError when a date is not one or the period ends before it starts."""
    year = date.today().year
    start_text = query.get("debut", "").strip()
    end_text = query.get("fin", "").strip()
    try:
        start = date.fromisoformat(start_text) if start_text else date(year, 1, 1)
        end = date.fromisoformat(end_text) if end_text else date(year, 12, 31)
    except ValueError:
        raise ValueError(_("Give the period's dates as YYYY-MM-DD.")) from None
    if end < start:
        raise ValueError(_("The period ends before it starts."))
    return start, end


# -- the counsellor's pages ----------------------------------------------------------------

def workspace_routes(app: Any, page: Callable[..., Response], guarded: Callable[[Any], Any],
                     dossier_page: Callable[..., Response]) -> list[Route]:
    """The workspace's evidence routes: ``guarded`` makes a route of a logged-in account's
    handler (its session and form token checked), ``dossier_page`` is the dossier's page."""

    def presence(request: Request, name: str, view: Any, csrf: str, form: Any) -> Response:
        """The attendance sheet; a form signs a session (``role``: counsellor or
        beneficiary, ``seance``, and ``nom``: the name the beneficiary typed)."""
        from bilan_core.errors import UsageError

        dossier_id = request.path_params["dossier"]
        try:
            info = view.info(dossier_id)
        except UsageError:
            return page("invalid.html", status=404, title=_("Dossier not found"))
        message, status = None, 200
        if form is not None:
            try:
                message = _sign_on_screen(view, info.id, name, form)
            except (UsageError, ValueError) as exc:
                message, status = _said(exc), 400
        return page("presence.html", status=status,
                    title=_("Attendance of dossier {id}").format(id=info.id), account=name,
                    info=info, sessions=attendance(view, info.id), csrf=csrf,
                    message=message, failed=status != 200,
                    signs=view.actor.role == "counsellor")

    def send_feedback(request: Request, name: str, view: Any, csrf: str,
                      form: Any) -> Response:
        """A link to a feedback questionnaire (``questionnaire``), shown once."""
        from bilan_core.errors import UsageError
        from bilan_core.evidence.feedback import issue_feedback
        from bilan_core.web.workspace import invitation_link

        dossier_id = request.path_params["dossier"]
        try:
            view.info(dossier_id)
        except UsageError:
            return page("invalid.html", status=404, title=_("Dossier not found"))
        try:
            _number, token = issue_feedback(view, dossier_id,
                                            str(form.get("questionnaire", "")),
                                            feedback_catalogue(app), date.today())
        except (UsageError, ValueError) as exc:
            return dossier_page(request, name, view, csrf, None, status=400,
                                message=_said(exc))
        return dossier_page(request, name, view, csrf, None,
                            link=invitation_link(request, token))

    def wrong_period(request: Request, name: str, exc: ValueError) -> Response:
        """The indicators' page saying what is wrong with the period asked for."""
        return page("indicators.html", status=400, title=_("Result indicators"),
                    account=name, rows=[], message=str(exc),
                    start=request.query_params.get("debut", ""),
                    end=request.query_params.get("fin", ""))

    def indicators(request: Request, name: str, view: Any, csrf: str,
                   form: Any) -> Response:
        """The result indicators of a period, in a table."""
        try:
            start, end = period(request.query_params)
        except ValueError as exc:
            return wrong_period(request, name, exc)
        return page("indicators.html", title=_("Result indicators"), account=name,
                    rows=_indicators(app, view, start, end), message=None,
                    start=start.isoformat(), end=end.isoformat())

    def indicators_csv(request: Request, name: str, view: Any, csrf: str,
                       form: Any) -> Response:
        """The result indicators of a period, as a CSV file to publish."""
        from bilan_core.evidence.build import rows_to_csv

        try:
            start, end = period(request.query_params)
        except ValueError as exc:
            return wrong_period(request, name, exc)
        filename = f"indicateurs-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(rows_to_csv(_indicators(app, view, start, end)),
                        media_type="text/csv; charset=utf-8",
                        headers={"content-disposition": f'attachment; filename="{filename}"'})

    return [
        Route("/espace/indicateurs", guarded(indicators)),
        Route("/espace/indicateurs.csv", guarded(indicators_csv)),
        Route("/espace/dossiers/{dossier}/presence", guarded(presence),
              methods=["GET", "POST"]),
        Route("/espace/dossiers/{dossier}/retours", guarded(send_feedback), methods=["POST"]),
    ]


def _sign_on_screen(view: Any, dossier_id: str, account: str, form: Any) -> str:
    """Sign a session on the counsellor's screen, as its counsellor (the account's name) or
    as its beneficiary (the name they typed); a sentence saying it is done."""
    if view.actor.role != "counsellor":
        raise ValueError(_("Signatures are collected by the dossier's counsellor."))
    number = _session_number(form)
    role = form.get("role")
    if role == "counsellor":
        signer = account
    elif role == "beneficiary":
        signer = str(form.get("nom", ""))
    else:
        raise ValueError(_("Choose who signs."))
    signed = view.sign_session(dossier_id, number, role=role, signer=signer, via="screen")
    return _("Session {number} signed by {signer}.").format(number=number,
                                                            signer=signed["signer"])


def _indicators(app: Any, view: Any, start: date, end: date) -> list[dict[str, Any]]:
    from bilan_core.evidence.build import indicator_rows

    return indicator_rows(view, start, end, app.installed().registry.instruments,
                          date.today())


# -- the beneficiary's pages ---------------------------------------------------------------

def beneficiary_routes(app: Any, page: Callable[..., Response]) -> list[Route]:
    """The routes a beneficiary's link opens besides the bilan's questionnaires."""
    from bilan_core.web.app import (
        COOKIE,
        PAGE_SIZE,
        _choices,
        _first_unanswered_page,
        _invalid,
        page_of,
    )

    def presence(request: Request, form: Any) -> Response:
        """The sessions held that the beneficiary has not signed; a form signs one
        (``seance``, and ``nom``: the name they typed)."""
        from bilan_core.errors import UsageError

        opened = app.opened(request)
        if opened is None:
            return _invalid()
        invitation, view = opened
        digest = request.cookies.get(COOKIE, "")
        message, status = None, 200
        if form is not None:
            if not security.valid_form_token(app.secret, form.get("csrf"), digest, *SIGNING):
                return page("invalid.html", status=403, title=_("Form expired"))
            try:
                number = _session_number(form)
                if number not in {s["id"] for s in _to_sign(view, invitation.dossier_id)}:
                    raise ValueError(_("This session is not one you can sign here."))
                view.sign_session(invitation.dossier_id, number, role="beneficiary",
                                  signer=str(form.get("nom", "")), via="link",
                                  invitation_id=invitation.id)
            except (UsageError, ValueError) as exc:
                message, status = _said(exc), 400
            else:
                return RedirectResponse("/reponses/presence?signee=1", status_code=303)
        elif "signee" in request.query_params:
            message = _("Your signature is recorded.")
        return page("sign.html", status=status, title=_("Sign your sessions"),
                    provider=app.provider(view, invitation.dossier_id),
                    sessions=_to_sign(view, invitation.dossier_id), message=message,
                    failed=status != 200,
                    csrf=security.form_token(app.secret, digest, *SIGNING))

    def opened_feedback(request: Request) -> tuple[Any, Any, Any] | None:
        """The feedback link of the request, the store as its counsellor, and the installed
        questionnaire the path names, which the link opens; None otherwise."""
        opened = app.opened(request, purpose="feedback")
        if opened is None:
            return None
        invitation, view = opened
        wanted = request.path_params["instrument"]
        instrument = (feedback_catalogue(app).get(wanted)
                      if wanted in invitation.instruments else None)
        if instrument is None:
            return None
        return invitation, view, instrument

    def welcome(request: Request, form: Any) -> Response:
        opened = app.opened(request, purpose="feedback")
        if opened is None:
            return _invalid()
        invitation, view = opened
        known = feedback_catalogue(app)
        saved = _feedback_saved(view, invitation.dossier_id)
        questionnaires = [
            {"id": key, "title": known[key].title, "size": len(known[key].items),
             "answered": len(saved.get(key, {})),
             "done": _complete(known[key], saved.get(key, {}))}
            for key in invitation.instruments if key in known]
        return page("feedback.html", title=_("Your opinion"), provider=_brand(view),
                    questionnaires=questionnaires,
                    expires=date_text(date.fromisoformat(invitation.expires_at[:10])))

    def questionnaire(request: Request, form: Any) -> Response:
        found = opened_feedback(request)
        if found is None:
            return _invalid()
        invitation, view, instrument = found
        digest = request.cookies.get(COOKIE, "")
        number, pages, items = page_of(request, instrument)
        saved = _feedback_saved(view, invitation.dossier_id).get(instrument.id, {})
        errors: dict[str, str] = {}
        given: dict[str, str] = {}
        if form is not None:
            if not security.valid_form_token(app.secret, form.get("csrf"), digest, "feedback",
                                             instrument.id):
                return page("invalid.html", status=403, title=_("Form expired"))
            valid: dict[str, int] = {}
            for item in items:
                raw = form.get(f"item-{item.id}")
                text = raw if isinstance(raw, str) else ""
                given[item.id] = text
                try:
                    valid[item.id] = _feedback_value(instrument, item, text)
                except ValueError as exc:
                    errors[item.id] = str(exc)
            if valid:  # the page's valid answers, even when others are missing
                view.save_feedback(invitation.dossier_id, instrument.id, instrument.version,
                                   valid)
            if not errors:
                saved = {**saved, **valid}
                if _complete(instrument, saved):
                    return RedirectResponse(
                        _after(app, view, invitation), status_code=303)
                following = (number + 1 if number < pages
                             else _first_unanswered_page(instrument, saved))
                return RedirectResponse(f"{FEEDBACK}/{instrument.id}?page={following}",
                                        status_code=303)
        else:
            given = {key: str(value) for key, value in saved.items()}
        return page("questionnaire.html", status=400 if errors else 200,
                    provider=_brand(view), title=instrument.title, instrument=instrument,
                    items=items, choices=_choices(instrument), page=number, pages=pages,
                    first=(number - 1) * PAGE_SIZE + 1,
                    total=len(instrument.items), given=given, errors=errors, base=FEEDBACK,
                    csrf=security.form_token(app.secret, digest, "feedback", instrument.id),
                    shown=app.cookies.dumps(time.time()))

    def one_answer(request: Request, form: Any) -> Response:
        """One answer, saved as soon as it is given (the page's script sends each choice)."""
        found = opened_feedback(request)
        if found is None:
            return JSONResponse({"error": _("unknown questionnaire")}, status_code=404)
        invitation, view, instrument = found
        if not security.valid_form_token(app.secret, form.get("csrf"),
                                         request.cookies.get(COOKIE, ""), "feedback",
                                         instrument.id):
            return JSONResponse({"error": _("form expired")}, status_code=403)
        from bilan_core.web.app import posted_answer

        posted = posted_answer(instrument, form, _feedback_value)
        if isinstance(posted, Response):
            return posted
        item, value = posted
        view.save_feedback(invitation.dossier_id, instrument.id, instrument.version,
                           {item.id: value})
        return JSONResponse({"saved": item.id})

    def done(request: Request, form: Any) -> Response:
        opened = app.opened(request, purpose="feedback")
        if opened is None:
            return _invalid()
        _invitation, view = opened
        return page("feedback_done.html", title=_("Thank you"), provider=_brand(view))

    return [
        Route("/reponses/presence", threaded(presence, app.threads), methods=["GET", "POST"]),
        Route(FEEDBACK, threaded(welcome, app.threads)),
        Route(f"{FEEDBACK}/fin", threaded(done, app.threads)),
        Route(f"{FEEDBACK}/{{instrument}}", threaded(questionnaire, app.threads),
              methods=["GET", "POST"]),
        Route(f"{FEEDBACK}/{{instrument}}/reponse", threaded(one_answer, app.threads),
              methods=["POST"]),
    ]


def _to_sign(view: Any, dossier_id: str) -> list[dict[str, Any]]:
    """The sessions at a distance held by today that the beneficiary has not signed (one
    held in person is signed on the counsellor's screen)."""
    today = date.today()
    return [session for session in attendance(view, dossier_id)
            if session["held_on"] <= today and session["beneficiary"] is None
            and session["remote"]]


def _brand(view: Any) -> dict[str, str]:
    """What the feedback pages name the provider by: its legal name, when it is set."""
    name = view.provider_details().get("legal_name")
    return {"name": name} if name else {}


def _feedback_saved(view: Any, dossier_id: str) -> dict[str, dict[str, int]]:
    """The feedback answers given for a dossier, by questionnaire and item."""
    return dict(view.feedback_answers(dossier_id).get(dossier_id, {}))


def _complete(instrument: Any, answers: Mapping[str, Any]) -> bool:
    return all(item.id in answers for item in instrument.items)


def _feedback_value(instrument: Any, item: Any, text: str) -> int:
    """A feedback answer as the store keeps it (a point of the scale), read as the bilan's
    answers are; ValueError with the message to show."""
    from bilan_core.web.app import _answer

    if not text.strip():
        raise ValueError(_("Choose an answer to continue."))
    value = _answer(instrument, item, text)
    if not isinstance(value, int):
        raise ValueError(_("Choose an answer to continue."))
    return int(value)


def _after(app: Any, view: Any, invitation: Any) -> str:
    """Where a completed feedback questionnaire leads: the thanks once every questionnaire
    of the link is answered, else the link's list."""
    known = feedback_catalogue(app)
    saved = _feedback_saved(view, invitation.dossier_id)
    finished = all(_complete(known[key], saved.get(key, {}))
                   for key in invitation.instruments if key in known)
    return f"{FEEDBACK}/fin" if finished else FEEDBACK
