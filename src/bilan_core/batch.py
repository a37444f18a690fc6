"""Many dossiers in one command: ``bilan batch``.

The dossiers are found first (pipeline files, or ids of the store), each given its own
sub-folder of the output folder; then worker processes run them, each worker loading the
plugin host once and keeping it from dossier to dossier. A dossier that fails is reported and
the batch goes on; a worker process that dies (a plugin crashing the interpreter) is replaced,
and the dossier it was running is found by running the unfinished ones again one at a time.

Workers are plain processes of the same program: what a dossier writes goes through the same
code as ``bilan run`` (staged, swapped in whole), so a batch interrupted leaves every output
folder either as it was or complete.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, NamedTuple

from bilan_core.errors import BilanError, UsageError
from bilan_core.i18n import _

#: The file name that makes a folder a dossier, when a folder is given.
PIPELINE_NAME = "pipeline.toml"


class Job(NamedTuple):
    """One dossier to run: a pipeline file or a dossier of the store, and its sub-folder."""

    source: str  # what the report names: the pipeline file as found, or the dossier's id
    output: str  # its output folder
    pipeline: str | None = None
    dossier: str | None = None


class Outcome(NamedTuple):
    """What became of one dossier."""

    job: Job
    done: bool
    seconds: float
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    notices: tuple[str, ...] = ()  # the worker's own (plugins that failed to load): once

    def as_json(self) -> dict[str, Any]:
        return {"source": self.job.source, "output": self.job.output,
                "status": "done" if self.done else "failed",
                "seconds": round(self.seconds, 3), "errors": list(self.errors),
                "warnings": list(self.warnings), "notices": list(self.notices)}


# ------------------------------------------------------------------------------ discovery
def find_pipelines(paths: Sequence[Path], output: Path) -> list[Job]:
    """One job per pipeline: each PATH is a pipeline file, or a folder in which every file
    named ``pipeline.toml``, at any depth (hidden folders and symbolic links left out), is one
    dossier. The sub-folder is the pipeline's folder relative to the PATH given (its name for
    a file, its stem for a file not named ``pipeline.toml``)."""
    jobs: list[Job] = []
    seen_files: set[str] = set()
    names: dict[str, str] = {}
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(_("{path}: no such file or folder").format(path=path))
        if path.is_dir():
            found = list(_walk(path))
            if not found:
                raise UsageError(_("{path}: no file named {name} in this folder or below")
                                 .format(path=path, name=PIPELINE_NAME))
            pairs = [(file, _relative_name(file.parent, path)) for file in found]
        elif path.is_file():
            pairs = [(path, path.parent.resolve().name if path.name == PIPELINE_NAME
                      else path.stem)]
        else:
            raise UsageError(_("{path}: not a pipeline file nor a folder").format(path=path))
        for file, name in pairs:
            if not name or name.startswith(".") or name != name.strip():
                raise UsageError(_("{path}: its name gives no folder name for its output"
                                   " (rename it or its folder)").format(path=file))
            real = os.path.realpath(file)
            if real in seen_files:
                continue  # given twice (a file and its folder): run once
            seen_files.add(real)
            if name in names:
                raise UsageError(_("{first} and {second} would both write into {folder}:"
                                   " give them from folders of different names").format(
                    first=names[name], second=file, folder=output / name))
            names[name] = str(file)
            jobs.append(Job(source=str(file), output=str(output / name), pipeline=str(file)))
    for name in names:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            outer = "/".join(parts[:depth])
            if outer in names:
                raise UsageError(_("{inner} is in the folder of {outer}: each dossier's"
                                   " output folder would hold the other's; move one of"
                                   " them").format(inner=names[name], outer=names[outer]))
    return jobs


def stored_jobs(dossier_ids: Sequence[str], output: Path) -> list[Job]:
    """One job per dossier of the store, written to a sub-folder named by its id."""
    import re

    jobs = []
    for dossier_id in dict.fromkeys(dossier_ids):
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", dossier_id):
            # Only an id the store could have made: it names a folder of the output.
            raise UsageError(_("{id!r} is not a dossier id (letters, digits, '.', '_', '-')")
                             .format(id=dossier_id))
        jobs.append(Job(source=dossier_id, output=str(output / dossier_id), dossier=dossier_id))
    return jobs


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):  # symbolic links to folders are not followed
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if PIPELINE_NAME in files:
            yield Path(root) / PIPELINE_NAME


def _relative_name(folder: Path, top: Path) -> str:
    relative = folder.relative_to(top).as_posix()
    return folder.resolve().name if relative == "." else relative


# -------------------------------------------------------------------------------- workers
#: The worker's own: its command-line state (which loads the host once) and settings.
_WORKER: dict[str, Any] = {}


class Stopped(KeyboardInterrupt):
    """SIGTERM from the batch stopping: raised where the worker stands, so that what it was
    writing is removed on the way up, as ``bilan run`` does."""


def _stop_worker(signum: int, frame: Any) -> None:
    from bilan_core import signals

    signals.received = True
    raise Stopped()


def _start_worker(options: dict[str, Any]) -> None:
    """Prepare a worker process: Ctrl-C is the parent's to handle (a terminal sends it to the
    whole group); the parent stops a worker with SIGTERM; what plugins print goes nowhere
    (the report says what happened); temporary files stay private."""
    from multiprocessing import util

    from bilan_core import signals
    from bilan_core.cli import State
    from bilan_core.outputs import scratch

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stop_worker)
    signals.armed = True  # a KeyboardInterrupt without the signal is a plugin's failure
    # Nothing a plugin prints reaches the terminal or the JSON report, whether through
    # Python's streams or the descriptors themselves (a library, a subprocess).
    quiet = open(os.devnull, "w")  # noqa: SIM115 - kept for the worker's life
    for descriptor in (1, 2):
        os.dup2(quiet.fileno(), descriptor)
    sys.stdout = sys.stderr = quiet
    stack = contextlib.ExitStack()
    stack.enter_context(scratch())
    util.Finalize(None, stack.close, exitpriority=10)
    _WORKER.clear()
    _WORKER.update(options)
    _WORKER["stack"] = stack
    _WORKER["state"] = State(options["plugins"], options["strict"], False,
                             options["slow_hook"], options["store"])
    _WORKER["reported"] = False
    # The plugins, loaded once for the worker's life (a pipeline naming plugins of its own
    # gets its own host); with --strict and a plugin failing, each dossier says so.
    with contextlib.suppress(BilanError):
        _WORKER["state"].host()


def run_job(job: Job) -> Outcome:
    """Run one dossier in this worker; every error becomes the outcome's."""
    started = time.perf_counter()
    before = set(sys.modules)
    folders: list[Path] = []
    try:
        warnings = _run(job, folders)
    except Stopped:
        # What it was writing was removed as the exception went up; its temporary folder
        # now, since exiting at once skips the finalizers.
        _WORKER["stack"].close()
        os._exit(143)
    except BilanError as exc:
        return Outcome(job, False, time.perf_counter() - started,
                       errors=tuple(str(exc).splitlines()) or (type(exc).__name__,),
                       notices=_host_lines())
    except Exception as exc:  # a bug, ours or a plugin's: reported, the batch goes on
        return Outcome(job, False, time.perf_counter() - started, errors=(
            _("internal error: {error}").format(error=f"{type(exc).__name__}: {exc}"),),
            notices=_host_lines())
    finally:
        _forget_modules(before, folders)
    return Outcome(job, True, time.perf_counter() - started, warnings=warnings,
                   notices=_host_lines())


def _forget_modules(before: set[str], folders: list[Path]) -> None:
    """Forget the modules a dossier's pipeline loaded from its own folder
    (``plugins = [...]``): the next dossier in this worker, from another folder, imports
    its own module of the same name, never this one's."""
    roots = [str(folder) + os.sep for folder in folders]
    if not roots:
        return
    for name in set(sys.modules) - before:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file and os.path.realpath(file).startswith(tuple(roots)):
            del sys.modules[name]


def _host_lines() -> tuple[str, ...]:
    """Plugins that failed to load, said once per worker (the report merges them)."""
    state = _WORKER["state"]
    host = state._host
    if host is None or _WORKER["reported"]:
        return ()
    _WORKER["reported"] = True
    return tuple(host.failure_lines()) + tuple(host.warnings)


def _run(job: Job, folders: list[Path]) -> tuple[str, ...]:
    from bilan_core.cli.dossier import host_for

    state = _WORKER["state"]
    formats = _WORKER["formats"]
    when = _WORKER["date"]
    replace = _WORKER["replace"]
    output = Path(job.output)
    if job.dossier is not None:
        from bilan_core.cli.run import run_stored

        def stored_host(path: Path, text: str | None = None) -> Any:
            folders.append(Path(os.path.realpath(path)).parent)
            return host_for(path, text, current=state)

        dossier, _written, _names = run_stored(state.store(), job.dossier, output, when,
                                               formats, replace, stored_host)
        return tuple(str(w) for w in dossier.warnings)
    from bilan_core.config.pipeline import Overrides, load_pipeline
    from bilan_core.outputs import check_target
    from bilan_core.pipeline import run_pipeline, write_outputs

    path = Path(job.pipeline or "")
    folders.append(Path(os.path.realpath(path)).parent)
    host = host_for(path, current=state)
    pipeline = load_pipeline(path, host, Overrides(reference_date=when, formats=formats))
    check_target(output, pipeline.id, replace)
    dossier = run_pipeline(pipeline, host)
    write_outputs(dossier, pipeline.formats, host, output, replace=replace)
    return tuple(str(w) for w in dossier.warnings)  # the pipeline's among them


# --------------------------------------------------------------------------------- runner
def _context() -> Any:
    """New interpreters, not forks: a fork copies whatever threads and locks the parent holds
    (an embedding program's, a test runner's), spawning starts clean. Each worker then loads
    the plugin host once, in :func:`_start_worker`."""
    import multiprocessing

    return multiprocessing.get_context("spawn")


def run_batch(jobs: Sequence[Job], workers: int, options: dict[str, Any],
              on_outcome: Callable[[Outcome], None]) -> list[Outcome]:
    """Run every job in ``workers`` processes; ``on_outcome`` is told of each as it ends.

    A worker that dies takes the dossiers it was running with it: the unfinished ones run
    again one at a time, so the one that kills its worker is found and reported failed, and
    the others run to their end.
    """
    outcomes: list[Outcome] = []
    queue = list(jobs)
    serial = probed = False
    while queue:
        unfinished = _round(queue, 1 if serial else workers, options, outcomes, on_outcome)
        if not unfinished:
            break
        if not probed:  # is it a dossier, or every worker as the plugins load?
            probed = True
            if not _worker_starts(options):
                for job in unfinished:
                    outcome = Outcome(job, False, 0.0, errors=(
                        _("the worker processes stop while the plugins load (a plugin"
                          " crashed the interpreter?)"),))
                    outcomes.append(outcome)
                    on_outcome(outcome)
                break
        if serial or len(unfinished) == 1:
            culprit, queue = unfinished[0], unfinished[1:]
            outcome = Outcome(culprit, False, 0.0, errors=(
                _("the worker process running this dossier stopped (a plugin crashed the"
                  " interpreter?)"),))
            outcomes.append(outcome)
            on_outcome(outcome)
            serial = False
        else:
            queue, serial = unfinished, True
    return outcomes


def _probe() -> bool:
    return True


def _worker_starts(options: dict[str, Any]) -> bool:
    """Whether a worker process starts and loads the plugins without dying."""
    pool = ProcessPoolExecutor(max_workers=1, mp_context=_context(),
                               initializer=_start_worker, initargs=(options,))
    try:
        return pool.submit(_probe).result()
    except BrokenProcessPool:
        return False
    finally:
        pool.shutdown(wait=True)


def _round(queue: list[Job], workers: int, options: dict[str, Any], outcomes: list[Outcome],
           on_outcome: Callable[[Outcome], None]) -> list[Job]:
    """Run ``queue`` in one pool; the jobs a dead worker left unfinished, in their order."""
    pool = ProcessPoolExecutor(max_workers=min(workers, len(queue)), mp_context=_context(),
                               initializer=_start_worker, initargs=(options,))
    futures: dict[Future[Outcome], int] = {}
    unfinished: list[int] = []
    try:
        for index, job in enumerate(queue):
            futures[pool.submit(run_job, job)] = index
        pending = set(futures)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=futures.__getitem__):
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    unfinished.append(futures[future])
                    continue
                outcomes.append(outcome)
                on_outcome(outcome)
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown(wait=True)
    return [queue[i] for i in sorted(unfinished)]


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now (Ctrl-C, SIGTERM): pending dossiers never start; running ones get
    SIGTERM and remove what they were writing (their output folders stay as they were); a
    worker still there after some seconds is killed (``bilan purge`` completes the rest)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    deadline = time.monotonic() + 10
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(5)
