"""``bilan funding quote`` and ``bilan funding rules``."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from bilan_core.cli import DATE, PATH, state
from bilan_core.i18n import N_, _, date_text, money_text

MAX_PRICE = Decimal(100_000)


def parse_price(value: str) -> Decimal:
    """``--price``: an amount in euros, zero or more."""
    from bilan_core.model.common import to_euros

    try:
        amount = to_euros(value.replace(",", ".").replace("€", "").strip())
    except ValueError:
        raise click.BadParameter(
            _("{value!r} is not an amount in euros (e.g. 1950 or 1950.00)").format(value=value),
            param_hint="'--price'") from None
    if amount < 0:
        raise click.BadParameter(
            _("{value} is negative: a price is zero or more").format(value=value),
            param_hint="'--price'")
    if amount > MAX_PRICE:
        raise click.BadParameter(
            _("{value}: a bilan's price is at most {maximum} euros here").format(
                value=value, maximum=MAX_PRICE),
            param_hint="'--price'")
    return amount


def parse_hours(value: str) -> Decimal:
    """``--hours``: more than 0 (the legal maximum is checked for the date)."""
    from bilan_core.model.common import to_hours

    try:
        hours = to_hours(value.replace(",", "."))
    except ValueError:
        raise click.BadParameter(_("{value!r} is not a number of hours").format(value=value),
                                 param_hint="'--hours'") from None
    if hours <= 0:
        raise click.BadParameter(_("{value}: a bilan lasts more than 0 hours").format(
            value=value), param_hint="'--hours'")
    return hours


#: The beneficiary's status, for the counsellor's terminal (documents agree with the address).
STATUS_NAMES = {
    "private_employee": N_("private-sector employee"),
    "public_agent": N_("public agent"),
    "job_seeker": N_("job seeker"),
    "self_employed": N_("self-employed"),
}
ELIGIBILITY = {"eligible": N_("eligible"), "not_eligible": N_("not eligible"),
               "to_check": N_("to check")}


@click.group("funding", help=_("Who pays for a bilan, how much is left to pay, and why."))
def funding_group() -> None:
    """Who pays for a bilan, how much is left to pay, and why."""


def _decision_json(decision: Any) -> dict[str, Any]:
    from bilan_core.model.serialize import converter

    data: dict[str, Any] = converter.unstructure(decision)
    return data


@funding_group.command("quote", help=_("Every funder's decision for a quote, and the combined"
                                        " funding plan."))
@click.argument("beneficiary_file", metavar="BENEFICIARY.toml",
                type=PATH)
@click.option("--price", "price_text", required=True, metavar="EUROS",
              help=_("The quote's price in euros."))
@click.option("--hours", "hours_text", required=True, metavar="HOURS",
              help=_("The quote's hours."))
@click.option("--date", "when", type=DATE,
              help=_("The date the rules are evaluated for (default: today)."))
@click.option("--qualiopi/--not-qualiopi", default=True,
              help=_("Whether the provider is Qualiopi-certified (default: yes)."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
def quote_command(beneficiary_file: Path, price_text: str, hours_text: str,
                  when: date | None, qualiopi: bool, as_json: bool) -> None:
    """Every funder's decision for a quote, and the combined funding plan."""
    price, hours = parse_price(price_text), parse_hours(hours_text)
    from bilan_core import rules
    from bilan_core.components import FundingRequest
    from bilan_core.config.beneficiary import read_beneficiary_file
    from bilan_core.errors import UsageError
    from bilan_core.funding.study import study

    on = when or date.today()
    beneficiary = read_beneficiary_file(beneficiary_file)
    ceiling = rules.maximum_hours_rule(on, beneficiary.working_time)
    if ceiling is not None and hours > ceiling.value:
        raise UsageError(f"--hours {hours}: {ceiling.text}")
    if beneficiary.previous_bilan is not None and beneficiary.previous_bilan > on:
        raise UsageError(_("{file}: the previous bilan ({previous}) comes after the date of"
                           " the quote ({date})").format(
            file=beneficiary_file, previous=beneficiary.previous_bilan.isoformat(),
            date=on.isoformat()))
    request = FundingRequest(beneficiary=beneficiary, price=price, hours=hours, on=on,
                             provider_qualiopi=qualiopi)
    decisions, plan = study(request, state().host())
    if as_json:
        from bilan_core.model.serialize import converter

        click.echo(json.dumps({
            "beneficiary": beneficiary.id, "price": str(price), "hours": str(hours),
            "date": on.isoformat(), "provider_qualiopi": qualiopi,
            "decisions": [_decision_json(d) for d in decisions],
            "plan": converter.unstructure(plan)}, indent=2, ensure_ascii=False))
        return
    # The funders' names, traces and paperwork are French text of the documents, each on a
    # line of its own or a value of a message; the frame around them follows the locale.
    click.echo(_("Funding request — beneficiary {beneficiary} ({status}), quote {price} for"
                 " {hours} h, on {date}").format(
        beneficiary=beneficiary.id, status=_(STATUS_NAMES[beneficiary.status.value]),
        price=money_text(price), hours=f"{hours.normalize():f}", date=date_text(on)))
    order = {"eligible": 0, "to_check": 1, "not_eligible": 2}
    for decision in sorted(decisions, key=lambda d: order[d.eligibility.value]):
        label = _(ELIGIBILITY[decision.eligibility.value])
        if decision.covered:
            line = _("{funder}: {eligibility} — covers {amount}").format(
                funder=decision.name, eligibility=label, amount=money_text(decision.covered))
        else:
            line = _("{funder}: {eligibility}").format(funder=decision.name, eligibility=label)
        click.echo("\n" + line)
        failed = decision.eligibility.value == "not_eligible"
        for trace in decision.trace:
            if not failed or trace.startswith("✘"):  # why not, without the noise
                click.echo(f"    {trace}")
        for paper in () if failed else decision.paperwork:
            click.echo(f"    → {paper}")
    click.echo("\n" + _("Funding plan:"))
    click.echo(f"    {plan.explanation}")


@funding_group.command("rules", help=_("Every funding rule of every installed funder, with its"
                                        " dates and source."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
def rules_command(as_json: bool) -> None:
    """Every funding rule of every installed funder, with its dates and source."""
    from bilan_core.model.common import sureness_label
    from bilan_core.model.serialize import converter

    host = state().host()
    rows = []
    for funder_id, funder in sorted(host.registry.funders.items()):
        for rule in funder.rules:
            row = converter.unstructure(rule)
            row["plugin"] = host.registry.owners[("register_funders", funder_id)]
            rows.append(row)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for row in rows:
        since = row["in_force_from"] or "…"
        until = row["in_force_until"] or "…"
        amount = f" [{row['amount']} €]" if row["amount"] else ""
        click.echo(f"{row['funder']:<16} {row['id']:<30} {since} → {until}{amount}"
                   f"  ({sureness_label(row['sureness'])})")
        # The rule's text and source are the funder's French text, each a line of its own.
        click.echo(f"{'':<16} {row['text']}")
        click.echo(f"{'':<16} ↳ {row['source']}")
