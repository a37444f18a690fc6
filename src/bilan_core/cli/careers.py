"""``bilan careers``: career options for a dossier, explained."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bilan_core.cli import PATH, state
from bilan_core.i18n import _


def recorded_settings(dossier: Any, file: Path) -> dict[str, Any]:
    """The matching settings the run recorded in the dossier, checked again: the file may
    have been edited, so they go through the schema of ``[plugin.career_options]``."""
    from bilan_core.config.schema import Context
    from bilan_core.errors import ConfigError
    from bilan_core.steps.career_options import SECTION

    notes = dossier.extra.get("career_options")
    recorded = notes.get("settings") if isinstance(notes, dict) else None
    if recorded is None:
        return {}
    if not isinstance(recorded, dict):
        raise ConfigError(_("{file}: extra.career_options.settings: expected a table").format(
            file=file))
    given = {k: v for k, v in recorded.items() if v is not None}
    if isinstance(given.get("weights"), dict):
        given["weights"] = {k: v for k, v in given["weights"].items() if v is not None}
    where = ("extra", "career_options", "settings")
    checked: dict[str, Any] = SECTION.check(given, where, Context(file))
    return checked


@click.command("careers", help=_(
    "Rank the installed occupations for a dossier written by ``bilan run``.\n"
    "\n"
    "The matching is done again with the occupations installed now (an imported referential"
    " included) and the constraints the pipeline recorded in the dossier."))
@click.argument("dossier_file", metavar="DOSSIER.json",
                type=PATH)
@click.option("--top", type=click.IntRange(1, 500), default=10, show_default=True,
              help=_("How many options to show."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
def careers_command(dossier_file: Path, top: int, as_json: bool) -> None:
    """Rank the installed occupations for a dossier written by ``bilan run``.

    The matching is done again with the occupations installed now (an imported referential
    included) and the constraints the pipeline recorded in the dossier.
    """
    import attrs

    from bilan_core.model.serialize import converter, read_dossier
    from bilan_core.orientation.options import Settings, matched_options

    dossier = read_dossier(dossier_file)
    settings = attrs.evolve(Settings.from_options(recorded_settings(dossier, dossier_file)),
                            max_options=top)
    options, excluded = matched_options(dossier, state().host(), settings)
    options.sort(key=lambda o: (-o.score, o.id))
    if as_json:
        click.echo(json.dumps({"dossier": dossier.id,
                               "options": [converter.unstructure(o) for o in options],
                               "excluded": excluded}, indent=2, ensure_ascii=False))
        return
    if not options:
        click.echo(_("{dossier}: no interests, skills or values results to match with"
                     " (score the instruments in the pipeline first)").format(
            dossier=dossier.id))
        return
    # Titles and explanations are document text (French); each is a line of its own, or a
    # value of a message, never a sentence beside a message of another language.
    click.echo(_("Career options for {beneficiary} ({dossier})").format(
        beneficiary=dossier.beneficiary.id, dossier=dossier.id))
    ranked = [o for o in options if o.code]
    for number, option in enumerate(ranked, start=1):
        click.echo("\n" + _("{number}. {title} [{code}] — score {score}").format(
            number=f"{number:>2}", title=option.title, code=option.code,
            score=f"{option.score:.2f}"))
        click.echo(f"    {option.explanation}")
    for option in (o for o in options if not o.code):  # business creation, an option apart
        click.echo("\n" + _("Outside the ranking: {title} — score {score}").format(
            title=option.title, score=f"{option.score:.2f}"))
        click.echo(f"    {option.explanation}")
    if excluded:
        click.echo("\n" + _("Excluded:"))
    for line in excluded:
        click.echo(f"    {line}")
