"""The evidence's figures, computed from the store's administrative records only: a dossier's
completion (rate, entry and exit, the CPF's deadlines), the BPF's yearly figures and the
provider's result indicators. Each takes what :meth:`Store.evidence_of
<bilan_core.store.evidence.EvidenceStore.evidence_of>` reads, so that it can be checked by hand
on a set of dossiers built for a test.

Rules followed (``../shared/domain/provider-evidence.md``, docs/evidence.md):

- completion rate: hours done ÷ hours planned × 100, a whole number (the CDC's "taux de
  réalisation"), rounded down so that it never claims more than was done, from the sessions the
  beneficiary signed whose record is unchanged since; a reason when under 100 % (force
  majeure, abandonment or absence, interruption by the provider);
- entry and exit declared on the CPF portal within three working days (:mod:`.calendar`);
- BPF (cerfa 10443): line F-3 e (bilans: beneficiaries and hours), F-1 (beneficiaries by
  type), C (revenue by who paid), from the sessions held and the invoices issued in the year.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import attrs

from bilan_core.evidence.calendar import DECLARATION_DAYS, add_working_days, deadline_state
from bilan_core.values import plain_repr

ZERO = Decimal(0)
#: Where each kind of payer's revenue goes in the BPF's frame C (cerfa 10443*17), with the
#: line's French label. "public" and "other" are the provider's to place more finely.
REVENUE_LINES = {
    "employer": ("C-1", "Entreprises pour la formation de leurs salariés"),
    "cpf": ("C-2 e", "Compte personnel de formation (Caisse des dépôts)"),
    "opco": ("C-2 h", "OPCO (plan de développement des compétences)"),
    "public": ("C-3 à C-8", "Autres financements publics (à ventiler selon le financeur)"),
    "france_travail": ("C-7", "France Travail"),
    "individual": ("C-9", "Particuliers à leurs propres frais"),
    "provider": ("C-10", "Autres organismes de formation (sous-traitance)"),
    "other": ("C-11", "Autres produits"),
}
#: The BPF's frame F-1 types of trainees.
TRAINEE_TYPES = {
    "a": "Salariés d'employeurs privés",
    "c": "Personnes en recherche d'emploi",
    "d": "Particuliers à leurs propres frais",
    "e": "Autres stagiaires",
}
#: The beneficiary's status (the pipeline's) and its F-1 type, unless they pay themselves.
STATUS_TYPES = {"private_employee": "a", "job_seeker": "c"}


def hours_of(value: Any) -> Decimal:
    """Hours as stored (Decimal, text or number)."""
    return Decimal(str(value)) if value not in (None, "") else ZERO


def rate(done: Decimal, planned: Decimal) -> int | None:
    """The completion rate: a whole percentage, rounded down, 100 at most (None without
    planned hours)."""
    if planned <= 0:
        return None
    value = (done * 100 / planned).to_integral_value(rounding=ROUND_FLOOR)
    return min(int(value), 100)


@plain_repr
@attrs.frozen(repr=False)
class Completion:
    """Where a dossier's bilan stands, for the CPF and the funders."""

    dossier: str
    planned_hours: Decimal
    logged_hours: Decimal
    signed_hours: Decimal
    rate: int | None
    ended: bool
    reason: str | None  # why under 100 %, when recorded
    entry_on: date | None
    exit_on: date | None
    entry_deadline: date | None
    exit_deadline: date | None
    entry_declared: date | None
    exit_declared: date | None
    entry_state: str | None
    exit_state: str | None
    unsigned: tuple[int, ...]  # sessions without a valid signature of the beneficiary
    altered: tuple[int, ...]  # sessions changed after a signature
    warnings: tuple[str, ...]


def valid_sessions(entry: Mapping[str, Any]) -> tuple[list[Any], set[int], set[int]]:
    """The sessions the beneficiary signed, unchanged since; the ids of sessions unsigned by
    the beneficiary and of those changed after any signature."""
    signed_ok: set[int] = set()
    altered: set[int] = set()
    for signature in entry["signatures"]:
        if not signature["valid"]:
            altered.add(signature["session"])
        elif signature["role"] == "beneficiary":
            signed_ok.add(signature["session"])
    done = [s for s in entry["sessions"] if s.id in signed_ok and s.id not in altered]
    unsigned = {s.id for s in entry["sessions"]} - {s.id for s in done}
    return done, unsigned, altered


def planned_hours(entry: Mapping[str, Any]) -> Decimal:
    """The hours the programme planned."""
    return hours_of(entry["programme"].get("planned_hours"))


def completion(entry: Mapping[str, Any], today: date) -> Completion:
    """A dossier's completion from its records (:meth:`Store.evidence_of`)."""
    info = entry["info"]
    done, unsigned, altered = valid_sessions(entry)
    planned = planned_hours(entry)
    signed = sum((hours_of(s.hours) for s in done), ZERO)
    logged = sum((hours_of(s.hours) for s in entry["sessions"]), ZERO)
    records: dict[str, Any] = {}
    for record in entry["records"]:
        records.setdefault(record["kind"], record)
    interruption = records.get("interruption")
    ended = info.status != "open" or interruption is not None
    entry_on = min((s.held_on for s in done), default=None)
    exit_on = max((s.held_on for s in done), default=None) if ended else None
    if interruption is not None and exit_on is None:
        exit_on = interruption["on"]
    entry_declared = records["cpf_entry"]["on"] if "cpf_entry" in records else None
    exit_declared = records["cpf_exit"]["on"] if "cpf_exit" in records else None
    cpf = funded_by(entry) == "cpf" or any(i["payer"] == "cpf" for i in entry["invoices"])
    entry_deadline = (add_working_days(entry_on, DECLARATION_DAYS)
                      if entry_on is not None else None)
    exit_deadline = (add_working_days(exit_on, DECLARATION_DAYS)
                     if exit_on is not None else None)
    value = rate(signed, planned)
    reason = interruption["detail"].get("reason") if interruption is not None else None
    warnings = []
    if altered:
        warnings.append("altered")
    if ended and value is not None and value < 100 and reason is None:
        warnings.append("reason_missing")
    entry_state = exit_state = None
    if cpf and entry_deadline is not None:
        entry_state = deadline_state(entry_deadline, today, entry_declared)
        if entry_state in ("near", "past", "late"):
            warnings.append(f"entry_{entry_state}")
    if cpf and exit_deadline is not None:
        exit_state = deadline_state(exit_deadline, today, exit_declared)
        if exit_state in ("near", "past", "late"):
            warnings.append(f"exit_{exit_state}")
    return Completion(
        dossier=info.id, planned_hours=tidy(planned), logged_hours=tidy(logged),
        signed_hours=tidy(signed),
        rate=value, ended=ended, reason=reason, entry_on=entry_on, exit_on=exit_on,
        entry_deadline=entry_deadline, exit_deadline=exit_deadline,
        entry_declared=entry_declared, exit_declared=exit_declared, entry_state=entry_state,
        exit_state=exit_state, unsigned=tuple(sorted(unsigned)), altered=tuple(sorted(altered)),
        warnings=tuple(warnings))


def funded_by(entry: Mapping[str, Any]) -> str | None:
    """Who funds the bilan as last declared (``bilan evidence record ID funding --funder``,
    or the agreement), before any invoice exists."""
    found = None
    for record in entry["records"]:
        if record["kind"] in ("funding", "agreement_sent", "agreement_signed") and (
                record["detail"].get("funder")):
            found = str(record["detail"]["funder"])
    return found


def percent(part: int | Decimal, whole: int | Decimal) -> int:
    """A share as a whole percentage, halves rounded up (64.5 gives 65)."""
    from decimal import ROUND_HALF_UP

    return int((Decimal(part) * 100 / Decimal(whole)).to_integral_value(ROUND_HALF_UP))


def trainee_type(entry: Mapping[str, Any]) -> str:
    """The BPF's F-1 type of a dossier's beneficiary: ``d`` when every invoice is paid by
    the beneficiary, else by their status (``a`` private employee, ``c`` job seeker, ``e``
    others)."""
    payers = {i["payer"] for i in entry["invoices"]}
    if payers == {"individual"}:
        return "d"
    return STATUS_TYPES.get(str(entry["programme"].get("status")), "e")


def bpf(entries: Sequence[Mapping[str, Any]], year: int) -> dict[str, Any]:
    """The BPF's figures for the bilans of a year, each traced to its dossiers, sessions and
    invoices.

    - F-3 e: the beneficiaries who had at least one session in the year, and the hours of
      the sessions held in the year (the provider's accompaniment hours);
    - F-1: the same beneficiaries by type (:func:`trainee_type`);
    - C: the invoices issued in the year, by who pays (:data:`REVENUE_LINES`), and, for
      information, what was paid in the year.
    """
    beneficiaries: list[str] = []
    hours = ZERO
    sessions: list[dict[str, Any]] = []
    types: dict[str, list[str]] = {key: [] for key in TRAINEE_TYPES}
    revenue: dict[str, dict[str, Any]] = {}
    received: dict[str, Decimal] = {}
    for entry in entries:
        dossier = entry["info"].id
        held = [s for s in entry["sessions"] if s.held_on.year == year]
        if held:
            beneficiaries.append(dossier)
            types[trainee_type(entry)].append(dossier)
            signed = {s["session"] for s in entry["signatures"]
                      if s["role"] == "beneficiary" and s["valid"]}
            for session in held:
                hours += hours_of(session.hours)
                sessions.append({"dossier": dossier, "session": session.id,
                                 "held_on": session.held_on.isoformat(),
                                 "hours": _plain(hours_of(session.hours)),
                                 "signed": session.id in signed})
        for invoice in entry["invoices"]:
            payer = invoice["payer"]
            if date.fromisoformat(invoice["issued_on"]).year == year:
                billed = revenue.setdefault(payer, {"amount": ZERO, "invoices": []})
                billed["amount"] += Decimal(invoice["amount"])
                billed["invoices"].append(invoice["number"])
            for payment in invoice["payments"]:
                if date.fromisoformat(payment["paid_on"]).year == year:
                    received[payer] = received.get(payer, ZERO) + Decimal(payment["amount"])
    lines = []
    for payer, (line, label) in REVENUE_LINES.items():
        if payer in revenue or payer in received:
            found = revenue.get(payer, {"amount": ZERO, "invoices": []})
            lines.append({"line": line, "label": label, "payer": payer,
                          "amount": f"{found['amount']:.2f}",
                          "received": f"{received.get(payer, ZERO):.2f}",
                          "invoices": found["invoices"]})
    total = sum((r["amount"] for r in revenue.values()), ZERO)
    return {
        "year": year,
        "f3e": {"line": "F-3 e", "label": "Bilans de compétences",
                "beneficiaries": len(beneficiaries), "hours": _plain(hours),
                "dossiers": beneficiaries, "sessions": sessions,
                "unsigned_sessions": sum(1 for s in sessions if not s["signed"])},
        "f1": [{"line": f"F-1 {key}", "label": label, "beneficiaries": len(types[key]),
                "dossiers": types[key]} for key, label in TRAINEE_TYPES.items()],
        "revenue": lines,
        "revenue_total": f"{total:.2f}",
    }


def in_period(day: date | None, start: date, end: date) -> bool:
    return day is not None and start <= day <= end


def indicators(entries: Sequence[Mapping[str, Any]], start: date, end: date,
               instruments: Mapping[str, Any], complaints: Sequence[Mapping[str, Any]],
               today: date) -> list[dict[str, Any]]:
    """The provider's result indicators for a period (Qualiopi indicator 2), ready to
    publish: beneficiaries, bilans ended and their completion, each feedback
    questionnaire's response and satisfaction rates (answers in the top two points of its
    scale), and complaints. Each is a row: its id, French label, value and basis."""
    rows: list[dict[str, Any]] = []

    def add(key: str, label: str, value: Any, basis: str = "") -> None:
        rows.append({"indicator": key, "label": label, "value": value, "basis": basis})

    active = [e for e in entries
              if any(in_period(s.held_on, start, end) for s in e["sessions"])]
    add("beneficiaries", "Bénéficiaires accompagnés sur la période", len(active),
        "au moins une séance tenue sur la période")
    ended = []
    for entry in entries:
        done = completion(entry, today)
        if done.ended and in_period(done.exit_on, start, end):
            ended.append(done)
    add("ended", "Bilans terminés sur la période", len(ended), "dernière séance sur la période")
    rates = [c.rate for c in ended if c.rate is not None]
    add("completion_rate", "Taux de réalisation moyen des bilans terminés (%)",
        percent(sum(rates), 100 * len(rates)) if rates else "", f"{len(rates)} bilans")
    add("completed_fully", "Bilans réalisés à 100 %", sum(1 for r in rates if r >= 100),
        f"sur {len(rates)}")
    for instrument_id in sorted({i for e in entries for i in e["feedback"]}
                                | {r["detail"].get("instrument") for e in entries
                                   for r in e["records"] if r["kind"] == "feedback_sent"
                                   and in_period(r["on"], start, end)} - {None}):
        instrument = instruments.get(instrument_id)
        title = instrument.title if instrument is not None else instrument_id
        top = (instrument.response_scale.max - 1) if instrument is not None else 4
        sent = {e["info"].id for e in entries for r in e["records"]
                if r["kind"] == "feedback_sent" and in_period(r["on"], start, end)
                and r["detail"].get("instrument") == instrument_id}
        answered = {e["info"].id: e["feedback"][instrument_id] for e in entries
                    if instrument_id in e["feedback"] and e["info"].id in sent}
        add(f"{instrument_id}.sent", f"{title} : bénéficiaires sollicités", len(sent))
        add(f"{instrument_id}.responses", f"{title} : réponses reçues", len(answered),
            f"taux de réponse {percent(len(answered), len(sent))} %" if sent else "")
        values = [v for answers in answered.values() for v in answers.values()]
        satisfied = sum(1 for v in values if v >= top)
        add(f"{instrument_id}.satisfaction", f"{title} : réponses favorables (%)",
            percent(satisfied, len(values)) if values else "",
            f"{satisfied} réponses sur {len(values)} dans les deux plus hauts degrés"
            if values else "aucune réponse")
    received = [c for c in complaints if in_period(c["received_on"], start, end)]
    add("complaints", "Réclamations reçues", len(received))
    add("complaints_handled", "Réclamations traitées", sum(1 for c in received
                                                           if c["handled_on"] is not None))
    return rows


def tidy(value: Decimal) -> Decimal:
    """Hours without trailing zeros: ``5``, ``2.5``, ``10`` (never ``1E+1``)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else (
        value.normalize())


def _plain(value: Decimal) -> str:
    """Hours as text without trailing zeros."""
    return str(tidy(value))
