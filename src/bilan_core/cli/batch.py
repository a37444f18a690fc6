"""``bilan batch``: many dossiers, in worker processes, with a progress bar and a report."""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any, TextIO

import click

from bilan_core.cli import DATE, PATH, error_line, state, warning_line
from bilan_core.i18n import _, ngettext


@click.command("batch", help=_(
    "Run many dossiers: each PATH is a pipeline file, or a folder in which every file named"
    " pipeline.toml, at any depth, is one dossier (or --dossier ID for dossiers of the store)."
    "\n\n"
    "Each dossier is written to its own sub-folder of --output. A dossier that fails is"
    " reported and the batch goes on; the exit status is 0 when every dossier is done, 1 when"
    " any failed."))
@click.argument("paths", nargs=-1, type=PATH, metavar="[PATH]...")
@click.option("--dossier", "dossier_ids", multiple=True, metavar="ID",
              help=_("A dossier of the store (repeatable), instead of pipeline files."))
@click.option("-o", "--output", type=PATH, required=True,
              help=_("Folder receiving one sub-folder per dossier."))
@click.option("-j", "--jobs", type=click.IntRange(min=1, max=256), default=None,
              help=_("Worker processes (default: one per processor)."))
@click.option("--date", "when", type=DATE, help=_("Reference date (overrides the files')."))
@click.option("--format", "formats", metavar="FMT[,FMT...]",
              help=_("Formats of the synthèse (overrides [report] formats), e.g. json,md."))
@click.option("--replace", is_flag=True,
              help=_("Write into output sub-folders that hold other dossiers, deleting them."))
@click.option("--json", "as_json", is_flag=True,
              help=_("Print the report as JSON on stdout."))
def batch_command(paths: tuple[Path, ...], dossier_ids: tuple[str, ...], output: Path,
                  jobs: int | None, when: date | None, formats: str | None, replace: bool,
                  as_json: bool) -> int:
    from bilan_core.batch import find_pipelines, run_batch, stored_jobs
    from bilan_core.cli.run import _formats
    from bilan_core.errors import UsageError
    from bilan_core.files import output_problem

    if bool(paths) == bool(dossier_ids):
        raise UsageError(_("give pipeline files or folders, or --dossier ID (one of the two)"))
    problem = output_problem(output)
    if problem:
        raise UsageError(_("{path}: cannot write the output folder there: {problem}").format(
            path=output, problem=problem))
    work = find_pipelines(paths, output) if paths else stored_jobs(dossier_ids, output)
    workers = min(jobs or _processors(), len(work))
    current = state()
    options = {"plugins": [*current.explicit, *(f"no:{b}" for b in current.blocked)],
               "strict": current.strict, "slow_hook": current.slow_hook,
               "store": current.store_url, "formats": _formats(formats), "date": when,
               "replace": replace}
    output.mkdir(mode=0o700, parents=True, exist_ok=True)
    progress = Progress(len(work), sys.stderr)
    seen_notices: set[str] = set()

    def told(outcome: Any) -> None:
        progress.clear()
        for line in outcome.notices:
            if line not in seen_notices:  # the same plugin failure, from every worker
                seen_notices.add(line)
                warning_line(line)
        for line in outcome.errors:
            error_line(_named(line, outcome.job.source))
        for line in outcome.warnings:
            warning_line(_named(line, outcome.job.source))
        progress.advance(outcome.done)

    started = time.perf_counter()
    try:
        outcomes = run_batch(work, workers, options, told)
    finally:
        progress.clear()
    elapsed = time.perf_counter() - started
    done = sum(o.done for o in outcomes)
    failed = len(outcomes) - done
    if as_json:
        order = {job: n for n, job in enumerate(work)}
        click.echo(json.dumps({
            "done": done, "failed": failed, "seconds": round(elapsed, 3), "jobs": workers,
            "dossiers": [o.as_json() for o in sorted(outcomes, key=lambda o: order[o.job])],
        }, ensure_ascii=False, indent=2))
    else:
        click.echo(_("{done}, {failed} in {seconds:.1f} s ({workers})").format(
            done=ngettext("{n} dossier done", "{n} dossiers done", done).format(n=done),
            failed=ngettext("{n} failed", "{n} failed", failed).format(n=failed),
            seconds=elapsed,
            workers=ngettext("{n} worker process", "{n} worker processes", workers).format(
                n=workers)))
        for outcome in outcomes:
            if not outcome.done:
                click.echo(_("failed: {source}").format(source=outcome.job.source))
    return 1 if failed else 0


def _named(line: str, source: str) -> str:
    """A line of one dossier, named by its file or id; a line that names the file already
    by its base name (a pipeline's warning) names it in full instead."""
    if line.startswith(source):
        return line
    base = os.path.basename(source)
    for separator in (": ", " : "):
        if base and line.startswith(base + separator):
            return source + line[len(base):]
    return f"{source}: {line}"


def _processors() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        return os.cpu_count() or 1


class Progress:
    """A progress bar on a terminal (``[#####     ] 37/100, 1 failed, 12 s``), nothing
    elsewhere. It draws on the stream under the command's control-character filter: the
    carriage return it needs is its own, and no text of a dossier goes into it."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = total
        self.count = 0
        self.failed = 0
        self.started = time.perf_counter()
        self.stream: TextIO = getattr(stream, "wrapped", stream)
        self.shown = bool(getattr(self.stream, "isatty", lambda: False)())
        self.drawn = 0
        self.draw()

    def advance(self, done: bool) -> None:
        self.count += 1
        self.failed += not done
        self.draw()

    def draw(self) -> None:
        if not self.shown:
            return
        filled = self.WIDTH * self.count // max(self.total, 1)
        line = "[{bar}] {count}/{total}{failed}, {seconds:.0f} s".format(
            bar="#" * filled + " " * (self.WIDTH - filled), count=self.count, total=self.total,
            failed=", " + ngettext("{n} failed", "{n} failed", self.failed).format(
                n=self.failed) if self.failed else "",
            seconds=time.perf_counter() - self.started)
        self.stream.write("\r" + line.ljust(self.drawn))
        self.stream.flush()
        self.drawn = len(line)

    def clear(self) -> None:
        if self.shown and self.drawn:
            self.stream.write("\r" + " " * self.drawn + "\r")
            self.stream.flush()
            self.drawn = 0
