"""``bilan provider``, ``bilan invoice`` and ``bilan dossier identity``: what the provider's
evidence needs that the bilan does not hold, kept in the store apart from its content.

The pipeline is pseudonymous on purpose; agreements, attendance sheets and certificates name
the beneficiary and carry the provider's legal details. The BPF's revenue comes from the
invoices recorded here, never from funding quotes (docs/evidence.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import click

from bilan_core.cli import DATE, state
from bilan_core.cli.store import echo_json
from bilan_core.i18n import N_, _

#: Who pays an invoice, as the BPF's revenue lines group them (cerfa 10443, C).
PAYERS = {
    "cpf": N_("the CPF (Caisse des dépôts)"),
    "opco": N_("an OPCO"),
    "employer": N_("an employer"),
    "france_travail": N_("France Travail"),
    "public": N_("another public funder (region, Agefiph...)"),
    "individual": N_("the beneficiary, on their own money"),
    "provider": N_("another provider (subcontracting)"),
    "other": N_("another payer"),
}
#: The provider's legal details: the key kept, its option, its help.
PROVIDER_KEYS = (
    ("legal_name", "--legal-name", N_("The legal name (raison sociale).")),
    ("siret", "--siret", N_("The SIRET number (14 digits).")),
    ("nda", "--nda", N_("The activity declaration number (NDA, 11 digits).")),
    ("address", "--address", N_("The postal address.")),
    ("representative", "--representative",
     N_("The legal representative, who signs certificates.")),
    ("qualiopi_certificate", "--qualiopi-certificate",
     N_("The Qualiopi certificate's number, and its body if wanted.")),
)
#: The provider's branding on the evidence documents.
BRANDING_KEYS = (
    ("logo", "--logo", N_("An image file (PNG, JPEG or SVG, 256 KiB at most) printed at the"
                          " top of the documents; an empty value removes it.")),
    ("colour", "--colour", N_("The colour of titles and rules, #rgb or #rrggbb.")),
)
#: The SMTP server the feedback links may be sent through (the password: BILAN_SMTP_PASSWORD).
SMTP_KEYS = (
    ("smtp_host", "--smtp-host", N_("The SMTP server that sends the feedback links.")),
    ("smtp_port", "--smtp-port", N_("Its port (default 587, or 465 with --smtp-security"
                                    " ssl).")),
    ("smtp_security", "--smtp-security", N_("starttls (default), ssl or none.")),
    ("smtp_from", "--smtp-from", N_("The sender's address.")),
    ("smtp_user", "--smtp-user", N_("The account to log in as (its password in the"
                                    " environment variable BILAN_SMTP_PASSWORD).")),
)
LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
              ".svg": "image/svg+xml"}
MAX_LOGO = 256 * 1024
#: The beneficiary's identity: the key kept, its option, its help.
IDENTITY_KEYS = (
    ("civility", "--civility", N_("Form of address: Mme, M. or none.")),
    ("first_name", "--first-name", N_("First name(s).")),
    ("last_name", "--last-name", N_("Last name.")),
    ("address", "--address", N_("Postal address.")),
    ("email", "--email", N_("Email address (for invitations and reminders).")),
    ("employer", "--employer", N_("The employer's name, for a tripartite agreement.")),
)
MAX_TEXT = 200
#: Shorter limits, where the store's column is shorter.
TEXT_LIMITS = {"payer_name": 120}
F = TypeVar("F", bound=Callable[..., Any])


def siret_ok(text: str) -> bool:
    """Whether a SIRET is 14 digits passing the Luhn check (La Poste's establishments, SIREN
    356000000, use a digit sum divisible by 5 instead)."""
    if not re.fullmatch(r"\d{14}", text):
        return False
    if text.startswith("356000000"):
        return sum(int(d) for d in text) % 5 == 0
    total = 0
    for position, digit in enumerate(reversed(text)):
        value = int(digit) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _checked_text(key: str, value: str) -> str:
    from bilan_core.errors import UsageError

    value = " ".join(value.split())
    limit = TEXT_LIMITS.get(key, MAX_TEXT)
    if len(value) > limit:
        raise UsageError(_("--{key}: at most {n} characters").format(
            key=key.replace("_", "-"), n=limit))
    if key == "siret" and value and not siret_ok(value.replace(" ", "")):
        raise UsageError(_("--siret: 14 digits with a valid check digit are expected, got"
                           " {value!r}").format(value=value))
    if key == "siret":
        value = value.replace(" ", "")
    if key == "nda" and value and not re.fullmatch(r"\d{11}", value.replace(" ", "")):
        raise UsageError(_("--nda: the activity declaration number has 11 digits, got"
                           " {value!r}").format(value=value))
    if key == "nda":
        value = value.replace(" ", "")
    if key == "civility" and value not in ("", "Mme", "M."):
        raise UsageError(_("--civility: Mme or M. (or an empty value for none), got"
                           " {value!r}").format(value=value))
    if key == "smtp_port" and value and not (value.isdigit() and 0 < int(value) < 65536):
        raise UsageError(_("--smtp-port: a port number from 1 to 65535 is expected, got"
                           " {value!r}").format(value=value))
    if key == "smtp_security" and value not in ("", "starttls", "ssl", "none"):
        raise UsageError(_("--smtp-security: starttls, ssl or none, got {value!r}").format(
            value=value))
    if key in ("email", "smtp_from") and value and not re.fullmatch(
            r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise UsageError(_("--{key}: an address such as nom@example.fr is expected, got"
                           " {value!r}").format(key=key.replace("_", "-"), value=value))
    return value


def _logo(path_text: str) -> str:
    """A logo file as the data: URI the documents print; "" removes it."""
    import base64
    from pathlib import Path

    from bilan_core.errors import UsageError
    from bilan_core.files import read_input

    if not path_text:
        return ""
    path = Path(path_text)
    kind = LOGO_TYPES.get(path.suffix.lower())
    if kind is None:
        raise UsageError(_("--logo {path}: a PNG, JPEG or SVG file is expected").format(
            path=path))
    data = read_input(path, N_("logo file"), MAX_LOGO)
    signatures = {"image/png": (b"\x89PNG",), "image/jpeg": (b"\xff\xd8",),
                  "image/svg+xml": (b"<svg", b"<?xml")}
    if not data.lstrip().startswith(signatures[kind]):
        raise UsageError(_("--logo {path}: the file is not a {kind} image").format(
            path=path, kind=kind))
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def _colour(text: str) -> str:
    from bilan_core.errors import UsageError

    text = text.strip()
    if text and not re.fullmatch(r"#[0-9A-Fa-f]{3}(?:[0-9A-Fa-f]{3})?", text):
        raise UsageError(_("--colour: #rgb or #rrggbb is expected, got {value!r}").format(
            value=text))
    return text


def _options(keys: tuple[tuple[str, str, str], ...]) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        for key, option, help_text in reversed(keys):
            function = click.option(option, key, metavar="TEXT", help=_(help_text))(function)
        return function
    return decorate


def _show(values: dict[str, str], keys: tuple[tuple[str, str, str], ...]) -> None:
    if not values:
        click.echo(_("nothing recorded"))
        return
    width = max(len(option) for _key, option, _help in keys) - 2
    for key, option, _help in keys:
        if values.get(key):
            value = values[key]
            if key == "logo":  # a data: URI; say what it is, not its bytes
                value = _("{kind} image, {size} KiB").format(
                    kind=value[5:value.index(";")], size=len(value) * 3 // 4 // 1024)
            click.echo(f"{option[2:]:<{width}}  {value}")


# -- bilan provider ------------------------------------------------------------------------

@click.group("provider", help=_("The provider's legal details, for agreements, attendance"
                                " sheets and certificates."))
def provider_group() -> None:
    """The provider's legal details."""


@provider_group.command("set", help=_(
    "Set the provider's legal details (an administrator's right); an empty value removes one."))
@_options(PROVIDER_KEYS + BRANDING_KEYS + SMTP_KEYS)
def provider_set(**given: str | None) -> None:
    """Set the provider's legal details."""
    from bilan_core.errors import UsageError

    chosen = {key: _checked_text(key, value) for key, value in given.items()
              if value is not None and key not in ("logo", "colour")}
    if given.get("logo") is not None:
        chosen["logo"] = _logo(given["logo"] or "")
    if given.get("colour") is not None:
        chosen["colour"] = _colour(given["colour"] or "")
    if not chosen:
        raise UsageError(_("provider set: give at least one detail ({options})").format(
            options=", ".join(option for _key, option, _help in PROVIDER_KEYS)))
    _show(state().store().set_provider(chosen), PROVIDER_KEYS + BRANDING_KEYS + SMTP_KEYS)


@provider_group.command("show", help=_("Show the provider's legal details."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def provider_show(as_json: bool) -> None:
    """Show the provider's legal details."""
    details = state().store().provider_details()
    if as_json:
        echo_json(details)
    else:
        _show(details, PROVIDER_KEYS + BRANDING_KEYS + SMTP_KEYS)


# -- bilan dossier identity ---------------------------------------------------------------

@click.command("identity", help=_(
    "The beneficiary's identity for the documents that name them (sealed in the store, apart"
    " from the bilan's content); without options, show it. An empty value removes one."))
@click.argument("dossier_id", metavar="ID")
@_options(IDENTITY_KEYS)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def dossier_identity(dossier_id: str, as_json: bool, **given: str | None) -> None:
    """Set or show the beneficiary's identity."""
    store = state().store()
    chosen = {key: _checked_text(key, value) for key, value in given.items()
              if value is not None}
    identity = (store.set_identity(dossier_id, chosen) if chosen
                else store.identity(dossier_id))
    if as_json:
        echo_json(identity)
    else:
        _show(identity, IDENTITY_KEYS)


# -- bilan invoice -------------------------------------------------------------------------

def _amount(text: str) -> Decimal:
    from bilan_core.errors import UsageError

    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        value = Decimal(-1)
    if not value.is_finite() or value <= 0 or value >= 1_000_000 or value != value.quantize(
            Decimal("0.01")):
        raise UsageError(_("--amount: a positive amount in euros with at most two decimals"
                           " (such as 1450.00) is expected, got {value!r}").format(value=text))
    return value.quantize(Decimal("0.01"))


@click.group("invoice", help=_(
    "The invoices the provider issues for a dossier, and their payments (the BPF's revenue)."))
def invoice_group() -> None:
    """Invoices and payments."""


@invoice_group.command("add", help=_("Record an invoice issued for a dossier."))
@click.argument("dossier_id", metavar="ID")
@click.option("--number", required=True, metavar="TEXT", help=_("The invoice's number."))
@click.option("--payer", type=click.Choice(sorted(PAYERS)), required=True,
              help=_("Who pays it, as the BPF groups revenue."))
@click.option("--payer-name", metavar="TEXT", help=_("The payer's name (an OPCO, an employer)."))
@click.option("--amount", required=True, metavar="EUROS", help=_("Its amount, taxes included."))
@click.option("--date", "issued_on", type=DATE, help=_("The day it was issued (default: today)."))
def invoice_add(dossier_id: str, number: str, payer: str, payer_name: str | None,
                amount: str, issued_on: date | None) -> None:
    """Record an invoice."""
    from bilan_core.errors import UsageError

    number = number.strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}", number):
        raise UsageError(_("--number: letters, digits, '.', '_', '/', '-' (40 at most), got"
                           " {value!r}").format(value=number))
    value = _amount(amount)
    state().store().add_invoice(dossier_id, number=number, issued_on=issued_on or date.today(),
                                payer=payer, amount=value,
                                payer_name=_checked_text("payer_name", payer_name or "") or None)
    click.echo(_("invoice {number} recorded: {amount} € to be paid by {payer}").format(
        number=number, amount=value, payer=_(PAYERS[payer])))


@invoice_group.command("pay", help=_("Record a payment of an invoice."))
@click.argument("number", metavar="NUMBER")
@click.option("--amount", required=True, metavar="EUROS", help=_("The amount paid."))
@click.option("--date", "paid_on", type=DATE, help=_("The day it was paid (default: today)."))
def invoice_pay(number: str, amount: str, paid_on: date | None) -> None:
    """Record a payment."""
    value = _amount(amount)
    due = state().store().pay_invoice(number, paid_on=paid_on or date.today(), amount=value)
    click.echo(_("payment of {amount} € recorded on invoice {number}; {due} € remain due")
               .format(amount=value, number=number, due=due))


@invoice_group.command("list", help=_("List the invoices (of one dossier, or of all you see)."))
@click.argument("dossier_id", metavar="ID", required=False)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def invoice_list(dossier_id: str | None, as_json: bool) -> None:
    """List the invoices."""
    rows = state().store().invoices(dossier_id)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(_("{number}  {date}  dossier {dossier}  {amount} €  {payer}  due"
                     " {due} €").format(number=row["number"], date=row["issued_on"],
                                        dossier=row["dossier"], amount=row["amount"],
                                        payer=row["payer"], due=row["due"]))
    if not rows:
        click.echo(_("no invoice"))


# -- bilan evidence ------------------------------------------------------------------------

def _period(text: str) -> tuple[date, date]:
    """``2026-01-01:2026-12-31``: a period of at most ten years."""
    from bilan_core.errors import UsageError

    try:
        start_text, end_text = text.split(":")
        start, end = date.fromisoformat(start_text.strip()), date.fromisoformat(
            end_text.strip())
    except ValueError:
        raise UsageError(_("--period: two dates such as 2026-01-01:2026-12-31 are expected,"
                           " got {value!r}").format(value=text)) from None
    if end < start or (end - start).days > 3660:
        raise UsageError(_("--period {value}: the end must follow the start, ten years at"
                           " most").format(value=text))
    return start, end


def _entry(store: Any, dossier_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = store.evidence_of([dossier_id])[0]
    return entry


def _write(output: Any, name: str, label: str, files: list[tuple[str, str, bytes]],
           exact: bool = False) -> None:
    from bilan_core.cli import note_line
    from bilan_core.outputs import OutputFile, write_folder

    written = write_folder(output, name, [OutputFile(n, content, kind="evidence",
                                                     audience="provider")
                                          for n, _kind, content in files],
                           replace=True, keep=None if exact else (lambda entry: None),
                           say=note_line)
    click.echo(_("Wrote: {files}").format(files=", ".join(str(p) for p in written)))


def _today(today: date | None) -> date:
    return today or date.today()


OUTPUT = click.option("--output", type=click.Path(file_okay=False, path_type=__import__(
    "pathlib").Path), required=True, help=_("The folder to write the document into."))
TODAY = click.option("--date", "today", type=DATE, help=_(
    "The day the document is established (default: today)."))


@click.group("evidence", help=_(
    "The provider's evidence, from the store's administrative records: signatures of the"
    " sessions, attendance sheets, certificates, agreements, the information document, the"
    " completion and the CPF's deadlines, the BPF's figures, the result indicators, the"
    " feedback questionnaires and an evidence pack for the funders and the Qualiopi"
    " auditor. Never the bilan's results or free text."))
def evidence_group() -> None:
    """The provider's evidence."""


@evidence_group.command("sign", help=_(
    "Sign a session on the counsellor's screen: as its counsellor (the account running the"
    " command) or as its beneficiary, whose name is typed with --name."))
@click.argument("dossier_id", metavar="DOSSIER")
@click.argument("session_id", metavar="SESSION", type=click.IntRange(min=1))
@click.option("--as", "role", type=click.Choice(["beneficiary", "counsellor"]), required=True,
              help=_("Who signs."))
@click.option("--name", metavar="TEXT", help=_("The beneficiary's name, as they type it."))
def evidence_sign(dossier_id: str, session_id: int, role: str, name: str | None) -> None:
    """Sign a session."""
    from bilan_core.errors import UsageError

    store = state().store()
    if role == "beneficiary" and not (name or "").strip():
        raise UsageError(_("--name: the beneficiary types their name to sign"))
    signer = name if role == "beneficiary" else store.actor.name
    done = store.sign_session(dossier_id, session_id, role=role, signer=signer or "",
                              via="screen")
    from bilan_core.evidence.documents import _paris

    click.echo(_("session {session} signed by {signer} ({role}) on {moment}").format(
        session=session_id, signer=done["signer"], role=_(role),
        moment=_paris(done["signed_at"]).isoformat(timespec="minutes")))


@evidence_group.command("record", help=_(
    "Record a dated fact of the evidence: who funds the bilan (funding --funder, before any"
    " invoice: a CPF bilan's declaration deadlines follow from it), the information document"
    " given (information), the entry or exit declared on the CPF portal (cpf-entry,"
    " cpf-exit), an interruption and its reason (interruption --reason)."))
@click.argument("dossier_id", metavar="DOSSIER")
@click.argument("kind", type=click.Choice(["funding", "information", "cpf-entry", "cpf-exit",
                                           "interruption"]))
@click.option("--date", "on", type=DATE, help=_("The day (default: today)."))
@click.option("--reason", type=click.Choice(["force_majeure", "abandonment", "provider"]),
              help=_("Why the bilan ended before its planned hours (interruption)."))
@click.option("--funder", type=click.Choice(sorted(PAYERS)), help=_("Who funds the bilan"
                                                                    " (funding)."))
@click.option("--funder-name", metavar="TEXT", help=_("The funder's name (funding)."))
def evidence_record(dossier_id: str, kind: str, on: date | None, reason: str | None,
                    funder: str | None, funder_name: str | None) -> None:
    """Record a dated fact."""
    from bilan_core.errors import UsageError

    if (kind == "interruption") != (reason is not None):
        raise UsageError(_("--reason goes with interruption, and only with it"))
    if (kind == "funding") != (funder is not None) or (funder_name and kind != "funding"):
        raise UsageError(_("--funder goes with funding, and only with it"))
    key = kind.replace("-", "_")
    detail: dict[str, str] = {"reason": reason} if reason else {}
    if funder is not None:
        detail = {"funder": funder,
                  "funder_name": _checked_text("funder_name", funder_name or "")}
    state().store().record_evidence(dossier_id, key, _today(on), detail)
    click.echo(_("dossier {id}: {kind} recorded on {date}").format(
        id=dossier_id, kind=kind, date=_today(on).isoformat()))


@evidence_group.command("status", help=_(
    "Where dossiers stand: hours planned, logged and signed, the completion rate and its"
    " reason, the entry and exit dates to declare on the CPF portal and their deadlines"
    " (three working days), with warnings."))
@click.argument("dossier_id", metavar="DOSSIER", required=False)
@TODAY
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def evidence_status(dossier_id: str | None, today: date | None, as_json: bool) -> None:
    """Completion and deadlines."""
    import attrs

    from bilan_core.evidence.figures import completion

    store = state().store()
    ids = [dossier_id] if dossier_id else [i.id for i in store.dossiers()]
    found = [completion(entry, _today(today)) for entry in store.evidence_of(ids)]
    if as_json:
        echo_json([attrs.asdict(c) for c in found])
        return
    for c in found:
        click.echo(_("{id}: {signed} h signed of {planned} h planned ({logged} h logged),"
                     " completion {rate}").format(
            id=c.dossier, signed=_h(c.signed_hours), planned=_h(c.planned_hours),
            logged=_h(c.logged_hours),
            rate=_("not computed") if c.rate is None else f"{c.rate} %"))
        if c.reason:
            click.echo("  " + _("reason: {reason}").format(reason=_(c.reason)))
        for label, day, deadline, declared, where in (
                (_("entry"), c.entry_on, c.entry_deadline, c.entry_declared, c.entry_state),
                (_("exit"), c.exit_on, c.exit_deadline, c.exit_declared, c.exit_state)):
            if day is not None and where is not None:
                click.echo("  " + _("{what} on {day}: declare by {deadline} ({state})").format(
                    what=label, day=day, deadline=deadline,
                    state=_(DEADLINE_STATES[where]).format(date=declared)))
        for warning in c.warnings:
            click.echo("  " + _("warning: {text}").format(text=_(WARNINGS[warning])))
    if not found:
        click.echo(_("no dossier"))


DEADLINE_STATES = {
    "declared": N_("declared on {date}"),
    "late": N_("declared late, on {date}"),
    "due": N_("to declare"),
    "near": N_("to declare now: the deadline is near"),
    "past": N_("not declared, the deadline has passed"),
}
WARNINGS = {
    "altered": N_("a session was changed after it was signed: its signature no longer holds"),
    "reason_missing": N_("the bilan ended under 100 %: record why ('bilan evidence record"
                         " DOSSIER interruption --reason ...')"),
    "entry_late": N_("the entry was declared on the CPF portal after its deadline"),
    "entry_near": N_("declare the entry on the CPF portal now: its deadline is near"),
    "entry_past": N_("the entry is not declared on the CPF portal and its deadline has"
                     " passed"),
    "exit_late": N_("the exit was declared on the CPF portal after its deadline"),
    "exit_near": N_("declare the exit on the CPF portal now: its deadline is near"),
    "exit_past": N_("the exit is not declared on the CPF portal and its deadline has"
                    " passed"),
}
INTERRUPTION_REASONS = (N_("force_majeure"), N_("abandonment"), N_("provider"))


def _document(kind: str, dossier_id: str, output: Any, today: date | None,
              **extra: Any) -> None:
    from bilan_core.evidence import build
    from bilan_core.evidence.documents import render_pdf

    store = state().store()
    entry = _entry(store, dossier_id)
    provider = store.provider_details()
    maker = getattr(build, kind)
    context = maker(entry, provider, _today(today), **extra)
    names = {"attendance": "emargement", "certificate": "certificat", "agreement": "convention",
             "information": "information"}
    _write(output, dossier_id, kind, [(f"{dossier_id}-{names[kind]}.pdf", kind,
                                       render_pdf(kind, context))])


@evidence_group.command("attendance", help=_(
    "Write a dossier's attendance sheet (PDF): every session, its signatures, a session"
    " changed after a signature flagged, the connections of remote sessions."))
@click.argument("dossier_id", metavar="DOSSIER")
@OUTPUT
@TODAY
def evidence_attendance(dossier_id: str, output: Any, today: date | None) -> None:
    """The attendance sheet."""
    _document("attendance", dossier_id, output, today)


@evidence_group.command("certificate", help=_(
    "Write a dossier's certificate of completion (certificat de réalisation, PDF) for the"
    " funders that ask for it."))
@click.argument("dossier_id", metavar="DOSSIER")
@OUTPUT
@TODAY
@click.option("--place", metavar="TEXT", help=_("Where it is signed (default: the town of"
                                                 " the provider's address)."))
def evidence_certificate(dossier_id: str, output: Any, today: date | None,
                         place: str | None) -> None:
    """The certificate of completion."""
    _document("certificate", dossier_id, output, today,
              place=_checked_text("place", place) if place else None)


@evidence_group.command("agreement", help=_(
    "Write the agreement signed before the bilan starts (PDF) and record when it was sent"
    " and signed: tripartite when the employer funds it (R6313-8, ten days to sign), a"
    " contract for a self-paying beneficiary, an agreement for another funder. A CPF bilan"
    " has none: the platform's terms take its place (D6353-1 III)."))
@click.argument("dossier_id", metavar="DOSSIER")
@OUTPUT
@click.option("--funder", type=click.Choice(sorted(PAYERS)), required=True,
              help=_("Who funds the bilan."))
@click.option("--funder-name", metavar="TEXT", help=_("The funder's name (an OPCO, an"
                                                      " employer)."))
@click.option("--sent", "sent_on", type=DATE, help=_("The day it is sent for signature"
                                                     " (default: today)."))
@click.option("--signed", "signed_on", type=DATE, help=_("The day it was signed, once it"
                                                         " is."))
@click.option("--payment-terms", metavar="TEXT", help=_("The payment terms."))
@TODAY
def evidence_agreement(dossier_id: str, output: Any, funder: str, funder_name: str | None,
                       sent_on: date | None, signed_on: date | None,
                       payment_terms: str | None, today: date | None) -> None:
    """The agreement."""
    from bilan_core.errors import UsageError
    from bilan_core.evidence.build import AGREEMENT_OF, FUNDERS, SIGNING_DAYS

    if funder == "cpf":
        raise UsageError(_("--funder cpf: a CPF bilan has no agreement to sign, the terms of"
                           " the CPF platform take its place (Code du travail, D6353-1 III)"))
    variant = AGREEMENT_OF.get(funder, "funder")
    store = state().store()
    records = store.evidence_records(dossier_id)
    sent_before = [r["on"] for r in records if r["kind"] == "agreement_sent"]
    signed_before = [r["on"] for r in records if r["kind"] == "agreement_signed"]
    # Signing an agreement sent earlier: the day it was sent is the one recorded.
    sent = sent_on or (sent_before[-1] if sent_before else _today(today))
    if signed_on is not None and signed_on < sent:
        raise UsageError(_("--signed {signed}: before it was sent, on {sent}").format(
            signed=signed_on, sent=sent))
    if signed_on is not None and signed_before and signed_before[-1] != signed_on:
        raise UsageError(_("the agreement is already recorded as signed on {date}").format(
            date=signed_before[-1]))
    detail = {"variant": variant, "funder": funder,
              "funder_name": _checked_text("funder_name", funder_name or ""),
              "payment_terms": _checked_text("payment_terms", payment_terms or "")}
    if sent not in sent_before:
        store.record_evidence(dossier_id, "agreement_sent", sent, detail)
    if signed_on is not None and not signed_before:
        store.record_evidence(dossier_id, "agreement_signed", signed_on, detail)
    if variant == "tripartite" and signed_on is None:
        from datetime import timedelta

        note = _("the employee has {days} days to sign, until {date}; silence is a refusal"
                 " (R6313-8)").format(days=SIGNING_DAYS,
                                      date=sent + timedelta(days=SIGNING_DAYS))
        click.echo(note)
    _document("agreement", dossier_id, output, today, variant=variant,
              funder={"kind": funder, "label": FUNDERS[funder], "name": detail["funder_name"]},
              sent_on=sent, signed_on=signed_on, payment_terms=detail["payment_terms"] or None)


@evidence_group.command("information", help=_(
    "Write the information document given before the bilan starts (PDF: programme, phases,"
    " methods, confidentiality and destruction rules, consent) and record the day it was"
    " given."))
@click.argument("dossier_id", metavar="DOSSIER")
@OUTPUT
@click.option("--given", "given_on", type=DATE, help=_("The day it is given (default:"
                                                       " today)."))
@TODAY
def evidence_information(dossier_id: str, output: Any, given_on: date | None,
                         today: date | None) -> None:
    """The information document."""
    store = state().store()
    if not any(r["kind"] == "information" for r in store.evidence_records(dossier_id)):
        store.record_evidence(dossier_id, "information", given_on or _today(today))
    _document("information", dossier_id, output, today)


@evidence_group.command("bpf", help=_(
    "The figures of the yearly bilan pédagogique et financier for the bilans: line F-3 e"
    " (beneficiaries, hours), F-1 (beneficiaries by type), C (revenue by who paid, from the"
    " invoices), each traced to its dossiers, sessions and invoices."))
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help=_("The year."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def evidence_bpf(year: int, as_json: bool) -> None:
    """The BPF's figures."""
    from bilan_core.evidence.figures import bpf

    store = state().store()
    figures = bpf(store.evidence_of([i.id for i in store.dossiers()]), year)
    if as_json:
        echo_json(figures)
        return
    f3e = figures["f3e"]
    click.echo(_("BPF {year}, bilans de compétences").format(year=year))
    click.echo(_("F-3 e: {n} beneficiaries, {hours} hours ({unsigned} sessions without the"
                 " beneficiary's signature)").format(n=f3e["beneficiaries"], hours=f3e["hours"],
                                                     unsigned=f3e["unsigned_sessions"]))
    for line in figures["f1"]:
        click.echo(f"{line['line']}: {line['beneficiaries']}  {line['label']}")
    for line in figures["revenue"]:
        click.echo(_("{line}: {amount} € invoiced, {received} € received  {label}"
                     " (invoices {invoices})").format(
            line=line["line"], amount=line["amount"], received=line["received"],
            label=line["label"], invoices=", ".join(line["invoices"]) or "-"))
    click.echo(_("revenue: {total} €").format(total=figures["revenue_total"]))


@evidence_group.command("indicators", help=_(
    "The provider's result indicators for a period, ready to publish (Qualiopi indicator"
    " 2): beneficiaries, completion, response and satisfaction rates, complaints."))
@click.option("--period", required=True, metavar="START:END",
              help=_("The period, such as 2026-01-01:2026-12-31."))
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=__import__(
    "pathlib").Path), help=_("Also write them as CSV to this file."))
@TODAY
def evidence_indicators(period: str, csv_file: Any, today: date | None) -> None:
    """The result indicators."""
    from bilan_core.evidence.build import indicator_rows, rows_to_csv

    start, end = _period(period)
    current = state()
    rows = indicator_rows(current.store(), start, end, _instruments(), _today(today))
    for row in rows:
        click.echo(f"{row['label']}: {row['value']}" + (f"  ({row['basis']})"
                                                         if row["basis"] else ""))
    if csv_file is not None:
        from bilan_core.files import atomic_write

        atomic_write(csv_file, rows_to_csv(rows).encode("utf-8"))
        click.echo(_("Wrote: {files}").format(files=csv_file))


def _instruments() -> dict[str, Any]:
    """The installed plugins' instruments (the feedback questionnaires among them)."""
    return dict(state().host().registry.instruments)


@evidence_group.command("pack", help=_(
    "Write an evidence pack for a dossier, or for every dossier of a period: information"
    " document, agreement, attendance sheet, certificate, completion, feedback answers,"
    " invoices, and for a period the result indicators, the complaints register and the"
    " BPF's figures, with an index mapping each document to the Qualiopi indicator and the"
    " rule it serves. No result, score, synthèse or free text of the bilan."))
@click.argument("dossier_id", metavar="DOSSIER", required=False)
@click.option("--period", metavar="START:END", help=_("Every dossier of the period, such as"
                                                       " 2026-01-01:2026-12-31."))
@OUTPUT
@click.option("--zip", "as_zip", is_flag=True, help=_("Also write the folder as a ZIP file"
                                                      " beside it."))
@TODAY
def evidence_pack(dossier_id: str | None, period: str | None, output: Any, as_zip: bool,
                  today: date | None) -> None:
    """An evidence pack."""
    from bilan_core.errors import UsageError
    from bilan_core.evidence.build import pack_files, period_entries

    if (dossier_id is None) == (period is None):
        raise UsageError(_("give a DOSSIER or --period START:END, one of them"))
    store = state().store()
    if period is None:
        assert dossier_id is not None
        files = pack_files(store.evidence_of([dossier_id]), store.provider_details(),
                           _today(today))
    else:
        span = _period(period)
        every = store.evidence_of([info.id for info in store.dossiers()])
        files = pack_files(period_entries(every, *span), store.provider_details(),
                           _today(today), period=span, complaints=store.complaints(),
                           instruments=_instruments(), every=every)
    name = dossier_id or f"period {period}"
    _write(output, name, "pack", files, exact=True)
    if as_zip:
        import io
        import zipfile

        from bilan_core.files import atomic_write

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file_name, _kind, content in files:
                archive.writestr(f"{output.name}/{file_name}", content)
        target = output.parent / f"{output.name}.zip"
        atomic_write(target, buffer.getvalue())
        click.echo(_("Wrote: {files}").format(files=target))


@evidence_group.command("feedback", help=_(
    "Issue a link to a feedback questionnaire (satisfaction at the end, follow-up six"
    " months later) for a dossier, closed or not, and record that it was sent; with --send,"
    " email it to the beneficiary through the provider's SMTP server."))
@click.argument("dossier_id", metavar="DOSSIER")
@click.argument("instrument", metavar="QUESTIONNAIRE")
@click.option("--base-url", metavar="URL", help=_("The web application's address (also"
                                                  " BILAN_BASE_URL)."))
@click.option("--send", is_flag=True, help=_("Email the link to the beneficiary."))
@TODAY
def evidence_feedback(dossier_id: str, instrument: str, base_url: str | None, send: bool,
                      today: date | None) -> None:
    """Send a feedback questionnaire."""
    from bilan_core.cli.invite import base_url_of
    from bilan_core.evidence.feedback import issue_feedback

    base = base_url_of(base_url)
    store = state().store()
    provider = store.provider_details()
    email = store.identity(dossier_id).get("email") if send else None
    _check_sending(send, provider, email, dossier_id)
    instruments = _instruments()

    def deliver(link: str) -> None:
        if send:
            _send_link(provider, str(email), instruments[instrument].title, link)

    issue_feedback(store, dossier_id, instrument, instruments, _today(today),
                   deliver=lambda token: deliver(f"{base}/invitation/{token}"),
                   show=lambda token: click.echo(f"{base}/invitation/{token}"))
    if send:
        click.echo(_("sent to {email}").format(email=email))


def _check_sending(send: bool, provider: dict[str, str], email: str | None,
                   dossier_id: str) -> None:
    from bilan_core.errors import UsageError
    from bilan_core.evidence.mail import configured

    if not send:
        return
    if not configured(provider):
        raise UsageError(_("--send: no SMTP server is configured ('bilan provider set"
                           " --smtp-host HOST --smtp-from ADDRESS')"))
    if not email:
        raise UsageError(_("--send: dossier {id} has no email address ('bilan dossier"
                           " identity {id} --email ...')").format(id=dossier_id))


def _send_link(provider: dict[str, str], email: str, title: str, link: str) -> None:
    from bilan_core.evidence.mail import send

    name = provider.get("legal_name") or _("your bilan de compétences provider")
    send(provider, email, _("Your opinion on your bilan de compétences: {title}").format(
        title=title), _(
        "Hello,\n\n{provider} asks for your opinion on your bilan de compétences"
        " ({title}). The questionnaire takes a few minutes; your answers help improve the"
        " service and never change your results.\n\n{link}\n\nThe link is personal: do not"
        " forward it.\n").format(provider=name, title=title, link=link))


@evidence_group.command("reminders", help=_(
    "The feedback questionnaires to send again (sent a week ago or more and unanswered) and"
    " the follow-up questionnaires due (six months after the bilan's end): a new link for"
    " each, listed for the counsellor to send, or emailed with --send."))
@click.option("--base-url", metavar="URL", help=_("The web application's address (also"
                                                  " BILAN_BASE_URL)."))
@click.option("--send", is_flag=True, help=_("Email each link to its beneficiary."))
@TODAY
def evidence_reminders(base_url: str | None, send: bool, today: date | None) -> None:
    """Feedback reminders."""
    from bilan_core.cli.invite import base_url_of
    from bilan_core.evidence.feedback import due_reminders, issue_feedback

    base = base_url_of(base_url)
    store = state().store()
    provider = store.provider_details()
    due = due_reminders(store.evidence_of([i.id for i in store.dossiers()]), _today(today))
    instruments = _instruments()
    if send:
        _check_sending(True, provider, "-", "")
    for item in due:
        if item["instrument"] not in instruments:
            continue
        email = store.identity(item["dossier"]).get("email")
        what = (_("reminder") if item["kind"] == "reminder" else _("follow-up due"))
        title = instruments[item["instrument"]].title

        def deliver(token: str, email: str | None = email, title: str = title) -> None:
            if send and email:  # sent before it is recorded: a failure records nothing
                _send_link(provider, email, title, f"{base}/invitation/{token}")

        def show(token: str, item: dict[str, Any] = item, what: str = what,
                 email: str | None = email) -> None:
            click.echo(f"{item['dossier']}  {item['instrument']}  {what}  {email or '-'}"
                       f"  {base}/invitation/{token}")

        issue_feedback(store, item["dossier"], item["instrument"], instruments, _today(today),
                       reminder=item["kind"] == "reminder", deliver=deliver, show=show)
    if not due:
        click.echo(_("no reminder due"))


# -- bilan complaint -----------------------------------------------------------------------

@click.group("complaint", help=_("The complaints register: received, handled, the answer"
                                 " and its date (Qualiopi indicator 31)."))
def complaint_group() -> None:
    """The complaints register."""


@complaint_group.command("add", help=_("Enter a complaint in the register; prints its number."))
@click.option("--dossier", "dossier_id", metavar="ID", help=_("The dossier it is about, if"
                                                              " any."))
@click.option("--received", "received_on", type=DATE, help=_("The day it was received"
                                                             " (default: today)."))
@click.option("--channel", type=click.Choice(["oral", "email", "letter", "web", "other"]),
              required=True, help=_("How it was received."))
@click.option("--subject", required=True, metavar="TEXT", help=_("What it is about."))
def complaint_add(dossier_id: str | None, received_on: date | None, channel: str,
                  subject: str) -> None:
    """Enter a complaint."""
    number = state().store().add_complaint(received_on=received_on or date.today(),
                                           channel=channel, subject=_long_text("subject",
                                                                              subject),
                                           dossier_id=dossier_id)
    click.echo(_("complaint {n} entered in the register").format(n=number))


def _long_text(key: str, value: str) -> str:
    from bilan_core.errors import UsageError

    value = value.strip()
    if not value or len(value) > 4000:
        raise UsageError(_("--{key}: 1 to 4000 characters").format(key=key))
    return value


@complaint_group.command("handle", help=_("Record that a complaint was handled, and the"
                                          " answer given."))
@click.argument("number", type=click.IntRange(min=1))
@click.option("--handled", "handled_on", type=DATE, help=_("The day (default: today)."))
@click.option("--answer", metavar="TEXT", help=_("The answer given."))
@click.option("--answered", "answered_on", type=DATE, help=_("The day the answer was given"
                                                             " (default: --handled)."))
def complaint_handle(number: int, handled_on: date | None, answer: str | None,
                     answered_on: date | None) -> None:
    """Handle a complaint."""
    state().store().handle_complaint(number, handled_on=handled_on or date.today(),
                                     answer=_long_text("answer", answer) if answer else None,
                                     answered_on=answered_on)
    click.echo(_("complaint {n} handled").format(n=number))


@complaint_group.command("list", help=_("The complaints register."))
@click.option("--dossier", "dossier_id", metavar="ID", help=_("Only this dossier's."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def complaint_list(dossier_id: str | None, as_json: bool) -> None:
    """The complaints register."""
    rows = state().store().complaints(dossier_id)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        click.echo(_("{n}  received {received} ({channel}){dossier}: {subject}").format(
            n=row["id"], received=row["received_on"], channel=_(row["channel"]),
            dossier=_(", dossier {id}").format(id=row["dossier"]) if row["dossier"] else "",
            subject=row["subject"]))
        if row["handled_on"]:
            click.echo("    " + _("handled {date}").format(date=row["handled_on"])
                       + (_("; answered {date}: {answer}").format(date=row["answered_on"],
                                                                 answer=row["answer"])
                          if row["answer"] else ""))
    if not rows:
        click.echo(_("no complaint"))


def _h(value: Decimal) -> str:
    """Hours without trailing zeros: 5, 2.5."""
    return f"{value.normalize():f}" if value else "0"
