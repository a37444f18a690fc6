"""Commands that describe the installation: ``plugins``, ``hooks`` and ``schema``."""

from __future__ import annotations

import inspect
import json
from typing import Any

import click

from bilan_core.cli import state
from bilan_core.i18n import N_, _

#: How the table names a plugin's status (``--json`` keeps the identifiers).
STATUSES = {"pending": N_("pending"), "loaded": N_("loaded"), "blocked": N_("blocked"),
            "not-allowed": N_("not allowed"), "failed": N_("failed")}


@click.command("plugins",
               help=_("List every plugin: version, distribution, status, load time and hooks."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of a table."))
def plugins_command(as_json: bool) -> None:
    """List every plugin: version, distribution, status, load time and hooks."""
    host = state().host()
    infos = list(host.plugins.values())
    if as_json:
        click.echo(json.dumps([p.as_json() for p in infos], indent=2, ensure_ascii=False))
        return
    rows = [(_("NAME"), _("VERSION"), _("DISTRIBUTION"), _("STATUS"), _("LOAD"), _("HOOKS"))]
    for p in infos:
        rows.append((p.name, p.version or "-", p.distribution or "-", _(STATUSES[p.status]),
                     f"{p.load_time * 1000:.1f} ms", ", ".join(p.hooks) or "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths)) + "  " + row[5])


@click.command("hooks", help=_("Print the reference of every hook, from the specifications."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
def hooks_command(as_json: bool) -> None:
    """Print the reference of every hook, from the specifications."""
    from bilan_core import hookspecs

    reference: list[dict[str, Any]] = []
    for family in hookspecs.FAMILIES:
        hooks = []
        for name, function in vars(family).items():
            if name.startswith("_"):
                continue
            opts = getattr(function, "bilan_spec", {}) or {}
            signature = str(inspect.signature(function)).replace("(self, ", "(").replace("'", "")
            hooks.append({"name": name, "signature": signature,
                          "firstresult": bool(opts.get("firstresult")),
                          "doc": inspect.getdoc(function) or ""})
        reference.append({"family": family.__name__.removesuffix("Specs").lower(),
                          "doc": inspect.getdoc(family) or "", "hooks": hooks})
    if as_json:
        click.echo(json.dumps(reference, indent=2, ensure_ascii=False))
        return
    for family_ref in reference:
        click.secho(f"== {family_ref['family']} ==", bold=True)
        click.echo(family_ref["doc"] + "\n")
        for hook in family_ref["hooks"]:
            first = "  [first result wins]" if hook["firstresult"] else ""
            click.secho(f"{hook['name']}{hook['signature']}{first}", bold=True)
            click.echo("    " + hook["doc"].replace("\n", "\n    ") + "\n")


@click.command("schema", help=_("Print the JSON Schema of the pipeline file, loaded plugins'"
                                 " sections included."))
def schema_command() -> None:
    """Print the JSON Schema of the pipeline file, loaded plugins' sections included."""
    from bilan_core.config.pipeline import pipeline_table

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "bilan pipeline",
        **pipeline_table(state().host()).json_schema(),
    }
    click.echo(json.dumps(schema, indent=2, ensure_ascii=False))
