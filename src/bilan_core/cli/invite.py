"""``bilan invite``: a link for the beneficiary to answer a dossier's questionnaires."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import click

from bilan_core.cli import note_line, state
from bilan_core.i18n import _

#: Where ``bilan serve`` listens unless told otherwise.
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
#: The longest an invitation lives: a link is a key to a dossier's questionnaires.
LONGEST = timedelta(days=90)
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


@click.command("invite", help=_(
    "Invite a dossier's beneficiary to answer questionnaires in a browser: prints the link,"
    " whose token is shown this once and kept only as a hash. With --list, the dossier's"
    " invitations; with --revoke N, revoke one."))
@click.argument("dossier_id", metavar="DOSSIER")
@click.option("--instrument", "instruments", multiple=True, metavar="ID",
              help=_("A questionnaire of the dossier the link opens (repeatable; default:"
                     " every questionnaire of its steps)."))
@click.option("--expires", default="14d", metavar="DURATION", show_default=True,
              help=_("How long the link works: hours, days or weeks (48h, 14d, 2w), 90 days"
                     " at most."))
@click.option("--base-url", metavar="URL",
              help=_("The web application's address (also BILAN_BASE_URL; default: where"
                     " bilan serve listens, http://127.0.0.1:8000)."))
@click.option("--list", "listing", is_flag=True, help=_("List the dossier's invitations."))
@click.option("--revoke", type=click.IntRange(min=1), metavar="N",
              help=_("Revoke invitation N of the dossier."))
@click.option("--json", "as_json", is_flag=True, help=_("With --list: print JSON."))
def invite_command(dossier_id: str, instruments: tuple[str, ...], expires: str,
                   base_url: str | None, listing: bool, revoke: int | None,
                   as_json: bool) -> None:
    from bilan_core.errors import UsageError

    store = state().store()
    if listing and revoke is not None:
        raise UsageError(_("give --list or --revoke N, not both"))
    if listing:
        _list(store.invitations(dossier_id), as_json)
        return
    if revoke is not None:
        store.revoke_invitation(dossier_id, revoke)
        note_line(_("invitation {number} of dossier {id} revoked: its link opens nothing"
                    " now").format(number=revoke, id=dossier_id))
        return
    base = base_url_of(base_url)
    lifetime = duration(expires)
    from bilan_core.store.dossiers import planned_instruments

    planned = planned_instruments(store, dossier_id)
    chosen = list(dict.fromkeys(instruments)) or planned
    unknown = [i for i in chosen if i not in planned]
    if unknown:
        raise UsageError(_("dossier {id}: {instrument!r} is not one of its questionnaires;"
                           " its steps plan: {planned}").format(
            id=dossier_id, instrument=unknown[0], planned=", ".join(planned) or _("none")))
    if not chosen:
        raise UsageError(_("dossier {id}: its steps plan no questionnaire to answer").format(
            id=dossier_id))
    until = datetime.now(timezone.utc) + lifetime
    number, token = store.invite(dossier_id, chosen, until)
    click.echo(f"{base}/invitation/{token}")
    note_line(_("invitation {number} of dossier {id}: {instruments}; the link works until"
                " {until} (UTC)").format(number=number, id=dossier_id,
                                         instruments=", ".join(chosen),
                                         until=until.strftime("%Y-%m-%d %H:%M")))


def duration(text: str) -> timedelta:
    """``48h``, ``14d``, ``2w``: a lifetime of an hour to 90 days."""
    from bilan_core.errors import UsageError

    match = re.fullmatch(r"([1-9][0-9]{0,4})([hdw])", text.strip())
    if match is None:
        raise UsageError(_("--expires: expected hours, days or weeks such as 48h, 14d or 2w,"
                           " got {text!r}").format(text=text))
    lifetime = int(match.group(1)) * _UNITS[match.group(2)]
    if lifetime > LONGEST:
        raise UsageError(_("--expires: an invitation works 90 days at most, got {text}")
                         .format(text=text))
    return lifetime


def base_url_of(given: str | None) -> str:
    """The web application's address: the option, ``BILAN_BASE_URL``, or where ``bilan
    serve`` listens by default; an http or https URL without query or credentials."""
    from urllib.parse import urlsplit

    from bilan_core.errors import UsageError

    text = (given or os.environ.get("BILAN_BASE_URL") or DEFAULT_BASE_URL).strip()
    parts = urlsplit(text)
    if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query
            or parts.fragment or parts.username or parts.password):
        raise UsageError(_("--base-url: expected the address of the web application, such as"
                           " https://bilan.example.fr, got {text!r}").format(text=text))
    return text.rstrip("/")


def _list(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    names = {"active": _("active"), "expired": _("expired"), "revoked": _("revoked")}
    for row in rows:
        click.echo(_("{number}  {state:<8} {instruments}  created {created} by {by}, until"
                     " {until}").format(number=row["id"], state=names[row["state"]],
                                        instruments=", ".join(row["instruments"]),
                                        created=row["created_at"][:16].replace("T", " "),
                                        by=row["created_by"],
                                        until=row["expires_at"][:16].replace("T", " "))
                   + (_("; last opened {when}").format(
                       when=row["last_used_at"][:16].replace("T", " "))
                      if row.get("last_used_at") else _("; never opened")))
    if not rows:
        click.echo(_("no invitation"))
