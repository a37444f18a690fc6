"""``bilan validate`` and ``bilan run``: check a pipeline file, then run it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from bilan_core.cli import DATE, PATH, State, note_line, state, warning_line
from bilan_core.i18n import _, ngettext


def _formats(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(dict.fromkeys(f.strip() for f in value.split(",") if f.strip()))


def load(path: Path, when: date | None, formats: str | None = None):  # type: ignore[no-untyped-def]
    """Load the host the pipeline asks for (the command line winning) and the pipeline."""
    from bilan_core.config.pipeline import Overrides, load_pipeline, plugin_settings

    settings = plugin_settings(path)
    current: State = state()
    objects = []
    if settings.instruments:
        from bilan_core.instruments.plugin import PLUGIN_NAME, PipelineInstruments

        objects.append((PLUGIN_NAME, PipelineInstruments(settings.instruments)))
    # The pipeline's folder is on the import path only for the modules it names.
    folder = [path.resolve().parent] if settings.plugins else []
    host = current.host(explicit=settings.plugins, blocked=settings.disabled,
                        search_path=folder, objects=objects)
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
    " leaves the previous set as it was."))
@click.argument("pipeline_file", metavar="PIPELINE.toml",
                type=PATH)
@click.option("-o", "--output", type=PATH,
              required=True, help=_("Folder to write dossier.json and the synthèse into."))
@click.option("--date", "when", type=DATE, help=_("Reference date (overrides the file's)."))
@click.option("--format", "formats", metavar="FMT[,FMT...]",
              help=_("Formats of the synthèse (overrides [report] formats), e.g. json,md."))
@click.option("--replace", is_flag=True,
              help=_("Write into an output folder that holds another dossier, deleting it."))
def run_command(pipeline_file: Path, output: Path, when: date | None,
                formats: str | None, replace: bool) -> None:
    """Run every step of a pipeline and write the dossier and the synthèse.

    The output folder receives the whole set in one step: a run that fails or is killed
    leaves the previous set as it was.
    """
    from bilan_core.outputs import check_target
    from bilan_core.pipeline import run_pipeline, write_outputs

    host, pipeline = load(pipeline_file, when, formats)
    check_target(output, pipeline.id, replace)  # said before the run, not after it
    dossier = run_pipeline(pipeline, host)
    written = write_outputs(dossier, pipeline.formats, host, output, replace=replace,
                            say=note_line)
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
    click.echo(_("Wrote: {files}").format(files=", ".join(str(p) for p in written)))
