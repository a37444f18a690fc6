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

from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from bilan_core.errors import UsageError
from bilan_core.i18n import _

#: How long a feedback link works.
LIFETIME = timedelta(days=30)
#: A reminder is due when a questionnaire sent this long ago has no answer.
REMIND_AFTER = timedelta(days=7)
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
                   instruments: Mapping[str, Any], today: date,
                   reminder: bool = False) -> tuple[int, str]:
    """Issue a link to a feedback questionnaire and record that it was sent (the dated fact
    ``feedback_sent``, with the invitation's number and whether it is a reminder); the
    invitation's number and token (shown this once)."""
    known = feedback_instruments(instruments)
    if instrument_id not in known:
        raise UsageError(_("{instrument!r} is not a feedback questionnaire; installed: "
                           "{known}").format(instrument=instrument_id,
                                             known=", ".join(sorted(known)) or _("none")))
    until = datetime.combine(today, time(23, 59), timezone.utc) + LIFETIME
    number, token = store.invite(dossier_id, [instrument_id], until, purpose="feedback")
    store.record_evidence(dossier_id, "feedback_sent", today,
                          {"instrument": instrument_id, "invitation": number,
                           "reminder": reminder})
    return number, token


def due_reminders(entries: Sequence[Mapping[str, Any]], today: date
                  ) -> list[dict[str, Any]]:
    """What to send now, from the dossiers' evidence (:meth:`Store.evidence_of`): a
    questionnaire sent :data:`REMIND_AFTER` ago or more and still unanswered (a reminder;
    once per week at most), and the follow-up questionnaire of a bilan that ended
    :data:`FOLLOW_UP_AFTER` ago and was never sent. Each: dossier, instrument, kind
    (``reminder`` or ``follow_up``), and the date it was last sent."""
    from bilan_core.evidence.figures import completion

    due: list[dict[str, Any]] = []
    for entry in entries:
        dossier = entry["info"].id
        sent: dict[str, date] = {}
        for record in entry["records"]:
            if record["kind"] == "feedback_sent":
                instrument = record["detail"].get("instrument")
                sent[instrument] = max(sent.get(instrument, record["on"]), record["on"])
        for instrument, last in sorted(sent.items()):
            if instrument not in entry["feedback"] and today - last >= REMIND_AFTER:
                due.append({"dossier": dossier, "instrument": instrument, "kind": "reminder",
                            "last_sent": last})
        if FOLLOW_UP not in sent:
            ended = completion(entry, today)
            if ended.ended and ended.exit_on is not None and (
                    today - ended.exit_on >= FOLLOW_UP_AFTER):
                due.append({"dossier": dossier, "instrument": FOLLOW_UP, "kind": "follow_up",
                            "last_sent": None})
    return due
