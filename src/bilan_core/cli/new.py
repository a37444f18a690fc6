"""``bilan new plugin``: the project of a new plugin, whose tests pass as generated."""

from __future__ import annotations

from pathlib import Path

import click

from bilan_core.cli import PATH
from bilan_core.i18n import _
from bilan_core.scaffold import KINDS


@click.group("new", help=_("Create the files of a new project."))
def new_group() -> None:
    """Create the files of a new project."""


@new_group.command("plugin", help=_(
    "Create the project of a new plugin.\n"
    "\n"
    "NAME is its distribution's name, such as bilan-acme-tests: lowercase letters, digits and"
    " hyphens. The project is ready to install (pip install -e .) and to test (python -m pytest):"
    " a pyproject with the bilan entry point and the range of bilan-core it supports, the"
    " package (a TOML instrument, or a module implementing hooks), a README saying what to"
    " edit, and tests using bilan's testing kit."))
@click.argument("name", metavar="NAME")
@click.option("--kind", required=True, type=click.Choice(list(KINDS)),
              help=_("What the plugin provides: an instrument written in TOML (no Python), a"
                     " funder, a step, a report section or a renderer."))
@click.option("--output", type=PATH, metavar="DIR",
              help=_("The project's folder, absent or empty (default: NAME in the current"
                     " folder)."))
def plugin_command(name: str, kind: str, output: Path | None) -> None:
    """Create the project of a new plugin."""
    from bilan_core.scaffold import generate, project_names, taken_by

    try:
        names = project_names(name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'NAME'") from None
    owner = taken_by(names)
    if owner is not None:
        raise click.BadParameter(
            _("the plugin name {plugin!r} is taken by {owner}; choose another NAME").format(
                plugin=names.plugin, owner=owner), param_hint="'NAME'")
    target = output if output is not None else Path(name)
    written = generate(kind, names, target)
    click.echo(_("Created the {kind} plugin {name} in {folder} ({count} files).").format(
        kind=kind, name=name, folder=target, count=len(written)))
    click.echo(_("Next: cd {folder}; pip install -e '.[test]'; python -m pytest; then read"
                 " README.md, which says what to edit.").format(folder=target))
