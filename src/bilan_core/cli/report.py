"""``bilan report``: render a dossier's synthèse again, without rerunning the pipeline."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click

from bilan_core.cli import PATH, note_line, state
from bilan_core.i18n import _


@click.command("report", help=_(
    "Render the synthèse of a dossier written by ``bilan run``.\n"
    "\n"
    "The dossier file is read as untrusted input: it is validated again, and its template runs"
    " in the sandbox. The new files join the output folder's set in one step; copies for"
    " recipients whose sharing consent the dossier no longer records are deleted."))
@click.argument("dossier_file", metavar="DOSSIER.json", type=PATH, required=False)
@click.option("--dossier", "dossier_id", metavar="ID",
              help=_("A dossier of the store instead of a file; the documents are kept in the"
                     " store (and written to --output if given)."))
@click.option("--format", "formats", metavar="FMT[,FMT...]", default="html",
              show_default=True, help=_("Formats to write, e.g. html,pdf,md,json."))
@click.option("-o", "--output", type=PATH,
              help=_("Output folder (default: the dossier's folder)."))
@click.option("--audience", type=click.Choice(["beneficiary", "counsellor"]),
              default="beneficiary", show_default=True,
              help=_("The beneficiary's document, or the counsellor's working notes."))
@click.option("--recipient", metavar="NAME",
              help=_("A copy for a third party; refused without a recorded sharing consent."))
@click.option("--replace", is_flag=True,
              help=_("Write into an output folder that holds another dossier, deleting it."))
def report_command(dossier_file: Path | None, dossier_id: str | None, formats: str,
                   output: Path | None, audience: str, recipient: str | None,
                   replace: bool) -> None:
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

    if (dossier_file is None) == (dossier_id is None):
        raise UsageError(_("give a dossier file or --dossier ID (one of the two)"))
    store = None
    today: date | None = None  # a dossier file: its reference date
    if dossier_id is not None:
        import attrs

        from bilan_core.model.serialize import dossier_from_json

        store = state().store()
        info, _text, saved = store.content(dossier_id, purpose="report")
        dossier = attrs.evolve(dossier_from_json(saved), id=dossier_id)
        from bilan_core.store.dossiers import stored_consents

        # A copy made today needs a consent in force today (revocations included).
        today = date.today()
        dossier = attrs.evolve(dossier, consents=stored_consents(store.consents(dossier_id),
                                                                 today))
    else:
        assert dossier_file is not None
        dossier = read_dossier(dossier_file)
    if dossier.synthesis is None:
        raise UsageError(_("{file}: this dossier has no synthèse yet (run the pipeline"
                           " to its end)").format(file=dossier_file or dossier_id))
    host = state().host()
    chosen = tuple(dict.fromkeys(f.strip() for f in formats.split(",") if f.strip()))
    for fmt in chosen:
        if fmt not in host.registry.renderers:
            raise UsageError(_("unknown format {format!r}{suggestion}; available: {formats}")
                             .format(format=fmt,
                                     suggestion=did_you_mean(fmt, host.registry.renderers),
                                     formats=", ".join(sorted(host.registry.renderers))))
    rendered = render_outputs(dossier, chosen, host, Audience(audience), recipient, on=today)

    def keep(entry: dict[str, Any]) -> str | None:
        shared = entry.get("recipient")
        if shared and not dossier.has_consent(ConsentKind.SHARING, str(shared), on=today):
            return _("the dossier no longer records a sharing consent for {recipient!r}"
                     ).format(recipient=shared)
        return None

    if store is not None:
        assert dossier_id is not None
        kept = {d["name"]: d for d in store.documents(dossier_id)}
        from bilan_core.outputs import OutputFile

        documents = [OutputFile(d["name"], d["content"], kind=d["kind"],
                                audience=d["audience"], recipient=d["recipient"])
                     for name, d in kept.items()
                     if name not in {r.name for r in rendered} and keep(d) is None]
        store.save_documents(dossier_id, [*documents, *rendered], expected=info.version)
        click.echo(_("documents kept in the store for dossier {id}: {names}").format(
            id=dossier_id, names=", ".join(r.name for r in rendered)))
        if output is None:
            return
    folder = output or (dossier_file.parent if dossier_file else Path("."))
    written = write_folder(folder, dossier.id, rendered, replace=replace, keep=keep,
                           say=note_line)
    click.echo(_("Wrote: {files}").format(files=", ".join(str(path) for path in written)))
