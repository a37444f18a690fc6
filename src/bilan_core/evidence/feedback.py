"""The provider's feedback questionnaires (Qualiopi indicator 30): satisfaction at the end of
the bilan and the follow-up about six months later, sent through the web application's
invitations, with reminders.

A feedback questionnaire is an instrument whose ``purpose`` is ``"feedback"`` (the plugin
``bilan-quality`` ships ``satisfaction`` and ``suivi``). Its answers are provider evidence,
kept apart from the bilan's answers (:meth:`Store.save_feedback
<bilan_core.store.evidence.EvidenceStore.save_feedback>`): a link works on a closed dossier,
and on one whose content was destroyed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from bilan_core.errors import UsageError
from bilan_core.i18n import _

#: How long a feedback link works.
LIFETIME = timedelta(days=30)
#: A reminder is due when a questionnaire sent this long ago has no answer.
REMIND_AFTER = timedelta(days=7)
#: Reminders of one questionnaire, at most: then the beneficiary is left in peace.
MAX_REMINDERS = 2
#: The follow-up questionnaire is due this long after the bilan's end (R6313-4 3° c: a
#: follow-up interview about six months later).
FOLLOW_UP_AFTER = timedelta(days=182)
#: The follow-up instrument's id in bilan-quality (``suivi``); the end-of-bilan one.
FOLLOW_UP = "suivi"
SATISFACTION = "satisfaction"


def feedback_instruments(instruments: Mapping[str, Any]) -> dict[str, Any]:
    """The feedback questionnaires among a host's instruments, by id."""
    return {key: value for key, value in instruments.items()
            if getattr(value, "purpose", "assessment") == "feedback"}


def issue_feedback(store: Any, dossier_id: str, instrument_id: str,
                   instruments: Mapping[str, Any], today: date, reminder: bool = False,
                   deliver: Callable[[str], None] | None = None,
                   show: Callable[[str], None] | None = None) -> tuple[int, str]:
    """Issue a link to a feedback questionnaire (working :data:`LIFETIME` from now), the
    earlier links to it revoked; ``deliver(token)`` sends it (by email), then the dated fact
    ``feedback_sent`` is recorded, with the invitation's number and whether it is a
    reminder, so that a failed sending records nothing; ``show(token)`` prints it. The
    invitation's number and token (shown this once)."""
    known = feedback_instruments(instruments)
    if instrument_id not in known:
        raise UsageError(_("{instrument!r} is not a feedback questionnaire; installed: "
                           "{known}").format(instrument=instrument_id,
                                             known=", ".join(sorted(known)) or _("none")))
    for earlier in store.invitations(dossier_id):
        if (earlier.get("purpose") == "feedback" and earlier["state"] == "active"
                and instrument_id in earlier["instruments"]):
            store.revoke_invitation(dossier_id, earlier["id"])
    until = datetime.now(timezone.utc) + LIFETIME
    number, token = store.invite(dossier_id, [instrument_id], until, purpose="feedback")
    if show is not None:
        show(token)
    if deliver is not None:
        deliver(token)
    store.record_evidence(dossier_id, "feedback_sent", today,
                          {"instrument": instrument_id, "invitation": number,
                           "reminder": reminder})
    return number, token


def due_reminders(entries: Sequence[Mapping[str, Any]], today: date
                  ) -> list[dict[str, Any]]:
    """What to send now, from the dossiers' evidence (:meth:`Store.evidence_of`): a
    questionnaire sent :data:`REMIND_AFTER` ago or more and still unanswered (a reminder;
    once per week at most, :data:`MAX_REMINDERS` in all), and the follow-up questionnaire
    of a bilan that ended :data:`FOLLOW_UP_AFTER` ago and was never sent. Each: dossier,
    instrument, kind (``reminder`` or ``follow_up``), and the date it was last sent."""
    from bilan_core.evidence.figures import completion

    due: list[dict[str, Any]] = []
    for entry in entries:
        dossier = entry["info"].id
        sent: dict[str, date] = {}
        reminders: dict[str, int] = {}
        for record in entry["records"]:
            if record["kind"] == "feedback_sent":
                instrument = record["detail"].get("instrument")
                sent[instrument] = max(sent.get(instrument, record["on"]), record["on"])
                if record["detail"].get("reminder"):
                    reminders[instrument] = reminders.get(instrument, 0) + 1
        for instrument, last in sorted(sent.items()):
            if (instrument not in entry["feedback"] and today - last >= REMIND_AFTER
                    and reminders.get(instrument, 0) < MAX_REMINDERS):
                due.append({"dossier": dossier, "instrument": instrument, "kind": "reminder",
                            "last_sent": last})
        if FOLLOW_UP not in sent:
            ended = completion(entry, today)
            if ended.ended and ended.exit_on is not None and (
                    today - ended.exit_on >= FOLLOW_UP_AFTER):
                due.append({"dossier": dossier, "instrument": FOLLOW_UP, "kind": "follow_up",
                            "last_sent": None})
    return due
