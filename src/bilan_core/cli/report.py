"""``bilan report``: render a dossier's synthèse again, without rerunning the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from bilan_core.cli import PATH, state


@click.command("report")
@click.argument("dossier_file", metavar="DOSSIER.json",
                type=PATH)
@click.option("--format", "formats", metavar="FMT[,FMT...]", default="html",
              show_default=True, help="Formats to write, e.g. html,pdf,md,json.")
@click.option("-o", "--output", type=PATH,
              help="Output folder (default: the dossier's folder).")
@click.option("--audience", type=click.Choice(["beneficiary", "counsellor"]),
              default="beneficiary", show_default=True,
              help="The beneficiary's document, or the counsellor's working notes.")
@click.option("--recipient", metavar="NAME",
              help="A copy for a third party; refused without a recorded sharing consent.")
@click.option("--replace", is_flag=True,
              help="Write into an output folder that holds another dossier, deleting it.")
def report_command(dossier_file: Path, formats: str, output: Path | None, audience: str,
                   recipient: str | None, replace: bool) -> None:
    """Render the synthèse of a dossier written by ``bilan run``.

    The dossier file is read as untrusted input: it is validated again, and its template runs
    in the sandbox. The new files join the output folder's set in one step; copies for
    recipients whose sharing consent the dossier no longer records are deleted.
    """
    from bilan_core.errors import UsageError, did_you_mean
    from bilan_core.model import Audience, ConsentKind
    from bilan_core.model.serialize import read_dossier
    from bilan_core.outputs import write_folder
    from bilan_core.pipeline import render_outputs

    dossier = read_dossier(dossier_file)
    if dossier.synthesis is None:
        raise UsageError(f"{dossier_file}: this dossier has no synthèse yet (run the pipeline"
                         " to its end)")
    host = state().host()
    chosen = tuple(dict.fromkeys(f.strip() for f in formats.split(",") if f.strip()))
    for fmt in chosen:
        if fmt not in host.registry.renderers:
            raise UsageError(f"unknown format {fmt!r}" + did_you_mean(
                fmt, host.registry.renderers) + "; available: "
                + ", ".join(sorted(host.registry.renderers)))
    rendered = render_outputs(dossier, chosen, host, Audience(audience), recipient)

    def keep(entry: dict[str, Any]) -> str | None:
        shared = entry.get("recipient")
        if shared and not dossier.has_consent(ConsentKind.SHARING, str(shared)):
            return f"the dossier no longer records a sharing consent for {shared!r}"
        return None

    folder = output or dossier_file.parent
    written = write_folder(folder, dossier.id, rendered, replace=replace, keep=keep,
                           say=lambda line: click.echo(f"bilan: {line}", err=True))
    click.echo("Wrote: " + ", ".join(str(path) for path in written))
