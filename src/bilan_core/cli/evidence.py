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
    if len(value) > MAX_TEXT:
        raise UsageError(_("--{key}: at most {n} characters").format(
            key=key.replace("_", "-"), n=MAX_TEXT))
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
    if key == "email" and value and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise UsageError(_("--email: an address such as nom@example.fr is expected, got"
                           " {value!r}").format(value=value))
    return value


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
            click.echo(f"{option[2:]:<{width}}  {values[key]}")


# -- bilan provider ------------------------------------------------------------------------

@click.group("provider", help=_("The provider's legal details, for agreements, attendance"
                                " sheets and certificates."))
def provider_group() -> None:
    """The provider's legal details."""


@provider_group.command("set", help=_(
    "Set the provider's legal details (an administrator's right); an empty value removes one."))
@_options(PROVIDER_KEYS)
def provider_set(**given: str | None) -> None:
    """Set the provider's legal details."""
    from bilan_core.errors import UsageError

    chosen = {key: _checked_text(key, value) for key, value in given.items()
              if value is not None}
    if not chosen:
        raise UsageError(_("provider set: give at least one detail ({options})").format(
            options=", ".join(option for _key, option, _help in PROVIDER_KEYS)))
    _show(state().store().set_provider(chosen), PROVIDER_KEYS)


@provider_group.command("show", help=_("Show the provider's legal details."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def provider_show(as_json: bool) -> None:
    """Show the provider's legal details."""
    details = state().store().provider_details()
    if as_json:
        echo_json(details)
    else:
        _show(details, PROVIDER_KEYS)


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
