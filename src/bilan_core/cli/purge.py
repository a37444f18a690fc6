"""``bilan purge``: remove what interrupted commands left behind."""

from __future__ import annotations

from datetime import date

import click

from bilan_core.cli import DATE
from bilan_core.i18n import _, ngettext


@click.command("purge", help=_(
    "Complete or undo output writes that a killed command left half done, and delete"
    " their staging folders, so that no copy of a dossier outlives its run; then destroy the"
    " content of the store's closed dossiers whose retention has ended.\n"
    "\n"
    "Every command does the first when it starts; run ``purge`` daily (in a cron job, say)."))
@click.option("--date", "today", type=DATE, help=_("The day to purge for (default: today)."))
def purge_command(today: date | None) -> None:
    """Complete or undo output writes that a killed command left half done, and delete
    their staging folders, so that no copy of a dossier outlives its run.

    Every command does this when it starts; ``purge`` does only this (in a cron job, say).
    """
    from bilan_core.outputs import recover

    removed = recover()
    for folder in removed:
        click.echo(_("removed {folder}").format(folder=folder))
    # The English forms are the same (as the tests read them); a catalog gives each its own.
    click.echo(ngettext("purged {n} folder(s) left by interrupted commands",
                        "purged {n} folder(s) left by interrupted commands",
                        len(removed)).format(n=len(removed)))
    import os

    from bilan_core.cli import state

    current = state()
    if current.store_url is None and not os.environ.get("BILAN_STORE"):
        from bilan_core.files import data_dir
        from bilan_core.store.engine import FILE_NAME

        if not (data_dir() / FILE_NAME).exists():
            return  # no store: nothing kept to purge
    purged = current.store().purge_expired(today or date.today())
    for dossier_id in purged:
        click.echo(_("destroyed the content of dossier {id}").format(id=dossier_id))
    click.echo(ngettext("purged {n} dossier whose retention has ended",
                        "purged {n} dossiers whose retention has ended",
                        len(purged)).format(n=len(purged)))
