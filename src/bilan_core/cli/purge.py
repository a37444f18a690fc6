"""``bilan purge``: remove what interrupted commands left behind."""

from __future__ import annotations

import click


@click.command("purge")
def purge_command() -> None:
    """Complete or undo output writes that a killed command left half done, and delete
    their staging folders, so that no copy of a dossier outlives its run.

    Every command does this when it starts; ``purge`` does only this (in a cron job, say).
    """
    from bilan_core.outputs import recover

    removed = recover()
    for folder in removed:
        click.echo(f"removed {folder}")
    click.echo(f"purged {len(removed)} folder(s) left by interrupted commands")
