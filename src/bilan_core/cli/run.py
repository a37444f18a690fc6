"""``bilan validate`` and ``bilan run``: check a pipeline file, then run it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bilan_core.cli import DATE, PATH, note_line, state, warning_line
from bilan_core.i18n import _, ngettext

if TYPE_CHECKING:
    from collections.abc import Callable

    from bilan_core.model import Dossier


def _formats(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(dict.fromkeys(f.strip() for f in value.split(",") if f.strip()))


def load(path: Path, when: date | None, formats: str | None = None):  # type: ignore[no-untyped-def]
    """Load the host the pipeline asks for (the command line winning) and the pipeline."""
    from bilan_core.cli.dossier import host_for
    from bilan_core.config.pipeline import Overrides, load_pipeline

    # The pipeline's folder is on the import path only for the modules it names.
    host = host_for(path)
    overrides = Overrides(reference_date=when,
                          formats=_formats(formats))
    return host, load_pipeline(path, host, overrides)


def _warn(lines: tuple[object, ...]) -> None:
    for line in lines:
        warning_line(line)


@click.command("validate", help=_("Check a pipeline file and every file it references,"
                                   " contents included."))
@click.argument("pipeline_file", metavar="PIPELINE.toml",
                type=PATH)
@click.option("--date", "when", type=DATE, help=_("Reference date (overrides the file's)."))
def validate_command(pipeline_file: Path, when: date | None) -> None:
    """Check a pipeline file and every file it references, contents included."""
    _host, pipeline = load(pipeline_file, when)
    _warn(pipeline.warnings)
    hours = sum(s.hours for s in pipeline.steps).normalize()
    instruments = {i for s in pipeline.steps for i in s.instruments}
    # The English forms are the same (as the tests read them); a catalog gives each its own.
    click.echo(_("{file}: valid — {steps}, {hours} h planned, {instruments}, {responses},"
                 " reference date {date}").format(
        file=pipeline_file,
        steps=ngettext("{n} steps", "{n} steps", len(pipeline.steps)).format(
            n=len(pipeline.steps)),
        hours=f"{hours:f}",
        instruments=ngettext("{n} instruments", "{n} instruments", len(instruments)).format(
            n=len(instruments)),
        responses=ngettext("{n} responses files", "{n} responses files",
                           len(pipeline.responses)).format(n=len(pipeline.responses)),
        date=pipeline.reference_date.isoformat()))


@click.command("run", help=_(
    "Run every step of a pipeline and write the dossier and the synthèse.\n"
    "\n"
    "The output folder receives the whole set in one step: a run that fails or is killed"
    " leaves the previous set as it was. With --dossier ID, the steps a dossier of the store"
    " has not done yet run, each kept in the store as it ends; the documents are kept there"
    " too (and written to --output if given)."))
@click.argument("pipeline_file", metavar="PIPELINE.toml", type=PATH, required=False)
@click.option("--dossier", "dossier_id", metavar="ID", help=_("A dossier of the store."))
@click.option("-o", "--output", type=PATH,
              help=_("Folder to write dossier.json and the synthèse into."))
@click.option("--date", "when", type=DATE, help=_("Reference date (overrides the file's)."))
@click.option("--format", "formats", metavar="FMT[,FMT...]",
              help=_("Formats of the synthèse (overrides [report] formats), e.g. json,md."))
@click.option("--replace", is_flag=True,
              help=_("Write into an output folder that holds another dossier, deleting it."))
def run_command(pipeline_file: Path | None, dossier_id: str | None, output: Path | None,
                when: date | None, formats: str | None, replace: bool) -> None:
    """Run every step of a pipeline and write the dossier and the synthèse.

    The output folder receives the whole set in one step: a run that fails or is killed
    leaves the previous set as it was.
    """
    from bilan_core.errors import UsageError
    from bilan_core.outputs import check_target
    from bilan_core.pipeline import run_pipeline, write_outputs

    if (pipeline_file is None) == (dossier_id is None):
        raise UsageError(_("give a pipeline file or --dossier ID (one of the two)"))
    if dossier_id is not None:
        dossier = _run_stored(dossier_id, output, when, formats, replace)
        _summary(dossier, [])
        return
    assert pipeline_file is not None
    if output is None:
        raise UsageError(_("give the output folder with -o/--output"))
    host, pipeline = load(pipeline_file, when, formats)
    check_target(output, pipeline.id, replace)  # said before the run, not after it
    dossier = run_pipeline(pipeline, host)
    written = write_outputs(dossier, pipeline.formats, host, output, replace=replace,
                            say=note_line)
    _summary(dossier, written)


def _run_stored(dossier_id: str, output: Path | None, when: date | None, formats: str | None,
                replace: bool) -> Dossier:
    """Run what remains of a dossier of the store, saving it after each step."""
    from bilan_core.cli.dossier import host_for

    dossier, written, names = run_stored(state().store(), dossier_id, output, when,
                                         _formats(formats), replace, host_for, say=note_line)
    if written:
        click.echo(_("Wrote: {files}").format(files=", ".join(str(p) for p in written)))
    click.echo(_("documents kept in the store for dossier {id}: {names}").format(
        id=dossier_id, names=", ".join(names)))
    return dossier


def run_stored(store: Any, dossier_id: str, output: Path | None, when: date | None,
               formats: tuple[str, ...] | None, replace: bool,
               host_for: Callable[[Path, str | None], Any],
               say: Callable[[str], None] = lambda line: None,
               ) -> tuple[Dossier, list[Path], list[str]]:
    """Run what remains of a dossier of the store, keeping it after each step, then its
    documents; write them to ``output`` too when given. The dossier, the files written and
    the names of the documents kept."""
    import attrs

    from bilan_core.model.serialize import dossier_to_json
    from bilan_core.outputs import check_target, write_folder
    from bilan_core.pipeline import render_all, run_steps
    from bilan_core.store.dossiers import load_for_run

    host, pipeline, dossier, info = load_for_run(store, dossier_id, host_for, when)
    chosen = formats or pipeline.formats
    if output is not None:
        check_target(output, dossier_id, replace)
    version = [info.version]

    def save(current: Dossier, step_id: str) -> Dossier:
        version[0] = store.save_state(dossier_id, dossier_to_json(current), version[0],
                                      step=step_id)
        say(_("step {step} done and kept in the store").format(step=step_id))
        return current

    dossier = run_steps(pipeline, host, dossier, after_step=save)
    dossier = attrs.evolve(dossier, id=dossier_id)
    rendered = render_all(dossier, chosen, host, on=date.today())  # copies made today
    version[0] = store.save_state(dossier_id, dossier_to_json(dossier), version[0],
                                  step="synthesis")
    store.save_documents(dossier_id, rendered, expected=version[0])
    written = []
    if output is not None:
        written = write_folder(output, dossier_id, rendered, replace=replace, say=say)
    return dossier, written, [r.name for r in rendered]


def _summary(dossier: Dossier, written: list[Path]) -> None:
    _warn(dossier.warnings)
    click.echo(_("Bilan {dossier} — {beneficiary}, reference date {date}").format(
        dossier=dossier.id, beneficiary=dossier.beneficiary.id,
        date=dossier.reference_date.isoformat()))
    # A step's title is document text (French); the terminal names the step by its id, in a
    # line of one language.
    from bilan_core.config.pipeline import PHASE_NAMES

    phases = {phase: _(name) for phase, name in PHASE_NAMES.items()}
    width = max(len(s.id) for s in dossier.plan) if dossier.plan else 0
    phase_width = max(len(name) for name in phases.values())
    for number, (planned, done) in enumerate(zip(dossier.plan, dossier.steps_done), start=1):
        click.echo(f"  {number}. {planned.id.ljust(width)}  {phases[planned.phase]:<{phase_width}}"
                   f"  {planned.hours.normalize():>5f} h  ({done.plugin})")
    click.echo(ngettext("Total: {hours} h planned in {n} steps",
                        "Total: {hours} h planned in {n} steps", len(dossier.steps_done)).format(
        hours=f"{dossier.planned_hours.normalize():f}", n=len(dossier.steps_done)))
    if written:
        click.echo(_("Wrote: {files}").format(files=", ".join(str(p) for p in written)))
