"""``bilan purge``: remove what interrupted commands left behind."""

from __future__ import annotations

import click

from bilan_core.i18n import _, ngettext


@click.command("purge", help=_(
    "Complete or undo output writes that a killed command left half done, and delete"
    " their staging folders, so that no copy of a dossier outlives its run.\n"
    "\n"
    "Every command does this when it starts; ``purge`` does only this (in a cron job, say)."))
def purge_command() -> None:
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
