"""Output folders: one dossier's complete set of documents, put in place as one step.

``bilan run`` and ``bilan report`` never write into the output folder directly. They write the
whole new set into a private staging folder beside it, then exchange the two folders in one
system call (``renameat2(RENAME_EXCHANGE)``; where the system lacks it, two renames that the
next command completes). A reader, or a command killed at any moment, therefore finds the
previous complete set or the new complete set, never a mixture.

Before the staging folder exists, a record of the operation is written in the private data
folder and locked for as long as the command runs. Whatever ends a command (an exception,
Ctrl-C, SIGTERM, SIGKILL, a power cut), the next command that finds a record whose lock is
free (its process is gone) completes or undoes the operation and removes the staging and old
folders (:func:`recover`, also run by ``bilan purge``): no copy of a dossier outlives the run
that made it.

Writes into one parent folder take turns (a lock on that folder). The folder records which
dossier it belongs to in :data:`MANIFEST`; writing another dossier
into it is refused unless ``replace`` is given, and a folder holding files bilan did not write
is never replaced.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import attrs

from bilan_core.errors import ConfigError, RunError, UsageError
from bilan_core.files import output_problem, private_dir, unusable
from bilan_core.i18n import N_, _
from bilan_core.values import plain_repr

MANIFEST = ".bilan-output.json"
MANIFEST_FORMAT = "bilan-output"
MANIFEST_VERSION = 1
STAGING = ".bilan-staging-"
OLD = ".bilan-old-"
PENDING = "pending"
SCRATCH = "tmp"

# flock: a lock disappears with the process that holds it, however the process ends.
fcntl: Any
try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None


@plain_repr
@attrs.frozen(repr=False)
class OutputFile:
    """One file of an output set, and what it is."""

    name: str
    content: bytes = attrs.field(repr=False)
    kind: str = "synthesis"  # "dossier", "synthesis", "notes"
    audience: str = "beneficiary"
    recipient: str | None = None  # a third party's copy, sent with its sharing consent

    def entry(self) -> dict[str, Any]:
        """The file as the manifest lists it."""
        return {"name": self.name, "kind": self.kind, "audience": self.audience,
                "recipient": self.recipient}


@plain_repr
@attrs.frozen(repr=False)
class Manifest:
    """What an output folder holds: one dossier, and the files bilan wrote there."""

    dossier: str
    files: tuple[dict[str, Any], ...] = ()

    def names(self) -> set[str]:
        """The names of the files listed."""
        return {f["name"] for f in self.files}


def _safe_name(name: Any) -> bool:
    return (isinstance(name, str) and bool(name) and name not in (".", "..")
            and "/" not in name and "\\" not in name and "\x00" not in name
            and not name.startswith(".bilan"))


def read_manifest(folder: Path) -> Manifest | None:
    """The manifest of an output folder, or ``None`` when it has none.

    The folder is read back from disk, so the manifest is untrusted: a damaged one is a
    located error, and file names that could leave the folder are refused.
    """
    from bilan_core.files import decode_utf8, read_input

    path = folder / MANIFEST
    if not path.exists():
        return None
    what = N_("output manifest")
    text = decode_utf8(read_input(path, what, 1_000_000), path, what)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        data = None
    files = data.get("files") if isinstance(data, dict) else None
    if (not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT
            or not isinstance(data.get("dossier"), str) or not isinstance(files, list)
            or not all(isinstance(f, dict) and _safe_name(f.get("name")) for f in files)):
        raise ConfigError(_("{path}: this output manifest is damaged; move the folder's files"
                            " elsewhere or choose another output folder").format(path=path))
    return Manifest(dossier=data["dossier"], files=tuple(files))


def _manifest_bytes(dossier: str, files: Sequence[dict[str, Any]]) -> bytes:
    document = {"format": MANIFEST_FORMAT, "format_version": MANIFEST_VERSION,
                "dossier": dossier, "files": list(files)}
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# ------------------------------------------------------------------------------ writing
def write_folder(
    target: Path,
    dossier: str,
    files: Sequence[OutputFile],
    *,
    replace: bool = False,
    keep: Callable[[dict[str, Any]], str | None] | None = None,
    say: Callable[[str], None] = lambda line: None,
) -> list[Path]:
    """Put ``files`` in place as the output folder ``target`` of ``dossier``, as one step.

    Without ``keep``, the folder holds exactly ``files`` afterwards (``bilan run``). With
    ``keep``, the files already there are kept (``bilan report`` adds to the set), except those
    replaced and those for which ``keep(entry)`` returns a reason to drop them, said with
    ``say``. Returns the paths of ``files`` in the folder.
    """
    recover()
    target, _manifest = check_target(target, dossier, replace)
    with _operation(target) as operation:
        # Read again under the lock: another command may have written the folder since.
        _target, existing = check_target(target, dossier, replace)
        staging = operation.staging
        written = {f.name for f in files}
        entries: list[dict[str, Any]] = []
        if existing is not None:
            for entry in existing.files:
                name = entry["name"]
                if name in written:
                    continue
                if keep is None:
                    if entry.get("recipient"):
                        say(_("{path}: deleted, the sharing consent for {recipient!r} is no"
                              " longer recorded").format(path=target / name,
                                                         recipient=entry["recipient"]))
                    continue
                reason = keep(entry)
                if reason is not None:
                    say(_("{path}: deleted, {reason}").format(path=target / name,
                                                              reason=reason))
                    continue
                if (target / name).is_file():
                    _link_or_copy(target / name, staging / name)
                    entries.append(entry)
        for output in files:
            if not _safe_name(output.name):
                raise RunError(_("refused an output file name: {name!r}").format(
                    name=output.name))
            _write(staging / output.name, output.content)
            entries.append(output.entry())
        _write(staging / MANIFEST, _manifest_bytes(dossier, entries))
        _fsync_dir(staging)
        operation.swap()
    return [target / f.name for f in files]


def check_target(target: Path, dossier: str, replace: bool = False,
                 ) -> tuple[Path, Manifest | None]:
    """The output folder's real path and what it holds; refuse a folder that cannot take
    ``dossier`` (under a file, a symbolic link, another dossier's without ``replace``, or
    holding files bilan did not write)."""
    problem = output_problem(target)
    if problem:
        raise UsageError(_("{path}: cannot write the output folder there: {problem}").format(
            path=target, problem=problem))
    if target.is_symlink():
        raise UsageError(_("{path}: the output folder is a symbolic link; give the folder"
                           " it points to").format(path=target))
    absolute = Path(os.path.abspath(target))
    if not absolute.name:
        raise UsageError(_("{path}: choose an output folder below the root").format(
            path=target))
    real = Path(os.path.realpath(absolute.parent)) / absolute.name
    return real, _existing_set(real, dossier, replace)


def _existing_set(target: Path, dossier: str, replace: bool) -> Manifest | None:
    """Check what ``target`` holds now; refuse what must not be replaced."""
    if not target.is_dir():
        return None
    manifest = read_manifest(target)
    present = {p.name for p in target.iterdir()}
    if manifest is None:
        if present:
            raise UsageError(_(
                "{path}: this folder is not empty and was not written by bilan; choose a"
                " new or empty output folder (bilan replaces its output folder as a whole)")
                .format(path=target))
        return None
    foreign = sorted(present - manifest.names() - {MANIFEST})
    if foreign:
        raise UsageError(_(
            "{path}: the folder holds files bilan did not write ({files}); move them"
            " elsewhere first, bilan replaces its output folder as a whole").format(
            path=target,
            files=", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")))
    if manifest.dossier != dossier and not replace:
        raise UsageError(_(
            "{path}: this folder holds dossier {held!r}; writing dossier {dossier!r} there"
            " needs --replace (its files are then deleted)").format(
            path=target, held=manifest.dossier, dossier=dossier))
    return manifest if manifest.dossier == dossier else attrs.evolve(manifest, files=())


def _write(path: Path, content: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())


def _link_or_copy(source: Path, destination: Path) -> None:
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# ------------------------------------------------------------------------------ operations
@plain_repr
@attrs.define(repr=False)
class _Operation:
    """One write of an output folder in progress, and its record in the data folder."""

    target: Path
    staging: Path
    old: Path
    record: Path
    swapped: bool = False

    def swap(self) -> None:
        """Put the staging folder in place of the target, as one step where possible."""
        if not self.target.exists():
            os.rename(self.staging, self.target)
        elif not _exchange(self.staging, self.target):
            # Two renames: a command killed between them leaves the record, and the next
            # command rolls forward (the staging folder is complete: its manifest is written).
            os.rename(self.target, self.old)
            os.rename(self.staging, self.target)
        self.swapped = True
        _fsync_dir(self.target.parent)


@contextlib.contextmanager
def _operation(target: Path) -> Iterator[_Operation]:
    """Record, lock and stage one write of ``target``; clean up whatever happens."""
    token = secrets.token_hex(6)
    folder = private_dir(PENDING)
    key = hashlib.sha256(os.fsencode(target)).hexdigest()[:24]
    try:  # the folders above the output folder, private like it (they will hold dossiers)
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(_("{path}: cannot create the output folder there ({reason})").format(
            path=target, reason=exc.strerror or exc)) from None
    lock = _lock_folder(target.parent)
    record = folder / f"{key}-{token}.json"
    operation = _Operation(
        target=target,
        staging=target.parent / f".{target.name}{STAGING}{token}",
        old=target.parent / f".{target.name}{OLD}{token}",
        record=record,
    )
    held = None
    try:
        if not os.access(folder, os.W_OK | os.X_OK):
            raise unusable(folder, PermissionError(errno.EACCES, "Permission denied"))
        # The record is locked before it is visible to recover(), and visible before the
        # staging folder exists: a staging folder always has a record to clean it up.
        held = _new_record(record, {"target": str(target), "staging": str(operation.staging),
                                    "old": str(operation.old), "pid": os.getpid()})
        operation.staging.mkdir(mode=0o700)
        yield operation
    finally:
        # Runs on success, on an exception and on Ctrl-C or SIGTERM (turned into exceptions
        # by the CLI); SIGKILL leaves the record for recover().
        _finish(operation)
        with contextlib.suppress(OSError):
            os.unlink(record)
        if held is not None:
            held.close()
        os.close(lock)


def _lock_folder(folder: Path, wait: float = 60.0) -> int:
    """An open descriptor of ``folder`` holding its exclusive lock: one command at a time
    stages and swaps output folders in one parent folder. The lock is the folder's own (no
    lock file is left behind), and goes with the process however it ends."""
    import time

    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    if fcntl is None:  # pragma: no cover
        return fd
    deadline = time.monotonic() + wait
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                os.close(fd)
                raise
        if time.monotonic() > deadline:
            os.close(fd)
            raise RunError(_("{folder}: another bilan command has been writing an output"
                             " folder here for {wait:g} seconds; try again when it has"
                             " finished").format(folder=folder, wait=wait))
        time.sleep(0.05)


def _new_record(record: Path, data: dict[str, Any]) -> Any:
    """Write and lock a record under a hidden name, then show it under its own."""
    hidden = record.with_suffix(f".{os.getpid()}.new")  # whose it is, for recover()
    fd = os.open(hidden, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                 0o600)
    handle = os.fdopen(fd, "r+b")
    try:
        if fcntl is not None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        handle.write(json.dumps(data).encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())
        os.rename(hidden, record)
    except BaseException:
        handle.close()
        with contextlib.suppress(OSError):
            os.unlink(hidden)
        raise
    return handle


def _finish(operation: _Operation) -> None:
    """Remove what an operation leaves besides the target (staging or old set)."""
    if not operation.swapped and not operation.target.exists() and operation.old.is_dir():
        os.rename(operation.old, operation.target)  # undo a half swap
    for leftover in (operation.staging, operation.old):
        _remove_tree(leftover)


def _remove_tree(folder: Path) -> None:
    if folder.is_symlink():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder, ignore_errors=True)


def _lock(path: Path) -> Any:
    """An open file holding an exclusive lock on ``path``, or ``None`` if another holds it
    or it is gone (it is never created here)."""
    try:
        fd = os.open(path, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    handle = os.fdopen(fd, "r+b")
    if fcntl is None:  # pragma: no cover
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        handle.close()
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return None
        raise
    return handle


def _exchange(a: Path, b: Path) -> bool:
    """Exchange two paths atomically (Linux ``renameat2``); ``False`` where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


# ------------------------------------------------------------------------------ scratch
@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A private temporary folder for this command, its children and the libraries it uses.

    ``tempfile`` and the ``TMPDIR`` of child processes point into the data folder (0700) while
    the command runs, so a temporary file (WeasyPrint's, a compiler's, ours) holds no dossier
    byte anywhere else, and one left by a killed command is removed by :func:`recover`.
    """
    import tempfile

    folder = private_dir(SCRATCH)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    own = folder / token
    try:
        lock = _new_record(folder / f"{token}.lock", {"pid": os.getpid()})
        own.mkdir(mode=0o700)
    except OSError as exc:
        raise unusable(folder, exc) from None
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir, os.environ["TMPDIR"] = str(own), str(own)
    try:
        yield own
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[1]
        _remove_tree(own)
        with contextlib.suppress(OSError):
            os.unlink(folder / f"{token}.lock")
        if lock is not None:
            lock.close()


def _recover_scratch(folder: Path) -> list[Path]:
    removed = []
    _remove_unlocked(folder, "*.new")
    for lock_file in folder.glob("*.lock"):
        handle = _lock(lock_file)
        if handle is None:
            continue  # its command is running
        try:
            own = folder / lock_file.stem
            if own.exists():
                _remove_tree(own)
                removed.append(own)
            lock_file.unlink(missing_ok=True)
        finally:
            handle.close()
    return removed


# ------------------------------------------------------------------------------ recovery
def _remove_unlocked(folder: Path, pattern: str, older_than: float = 60.0) -> None:
    """Delete the files matching ``pattern`` that no running command holds, and that are old
    enough not to be one a command is creating this instant (created, then locked)."""
    import time

    for path in folder.glob(pattern):
        try:
            if time.time() - path.stat().st_mtime < older_than and _alive(path):
                continue
        except OSError:
            continue
        handle = _lock(path)
        if handle is not None:
            path.unlink(missing_ok=True)
            handle.close()


def _alive(path: Path) -> bool:
    """Whether the process that named a hidden file (``NAME.PID.new``) may still be running
    (a file named otherwise is assumed to be some running command's)."""
    parts = path.name.split(".")
    if len(parts) < 3 or not parts[-2].isdigit():
        return True
    try:
        os.kill(int(parts[-2]), 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def recover() -> list[Path]:
    """Complete or undo the writes of commands that ended without cleaning up.

    A record whose lock can be taken belongs to a process that is gone. If its target is
    missing while a complete staging folder exists (killed between two renames), the staging
    folder is put in place; if only the old set exists, it is put back. Then the staging and
    old folders are removed. Temporary folders of commands that are gone (:func:`scratch`)
    are removed too. Returns the folders removed.
    """
    from bilan_core.files import data_dir

    removed: list[Path] = []
    if (data_dir() / SCRATCH).is_dir():
        removed += _recover_scratch(data_dir() / SCRATCH)
    folder = data_dir() / PENDING
    if not folder.is_dir():
        return removed
    _remove_unlocked(folder, "*.new")  # killed before its record was shown: nothing staged
    for record in sorted(folder.glob("*.json")):
        handle = _lock(record)
        if handle is None:
            continue  # a command is running it
        try:
            try:
                data = json.loads(record.read_text(encoding="utf-8"))
                target, staging, old = (Path(data[k]) for k in ("target", "staging", "old"))
            except (OSError, ValueError, KeyError, TypeError):
                record.unlink(missing_ok=True)
                continue
            if not (target.is_absolute()
                    and staging.name.startswith(f".{target.name}{STAGING}")
                    and old.name.startswith(f".{target.name}{OLD}")
                    and staging.parent == target.parent == old.parent):
                record.unlink(missing_ok=True)  # not a record this module wrote
                continue
            if not target.exists():
                if (staging / MANIFEST).is_file():
                    os.rename(staging, target)
                elif old.is_dir():
                    os.rename(old, target)
            for leftover in (staging, old):
                if leftover.exists() or leftover.is_symlink():
                    _remove_tree(leftover)
                    removed.append(leftover)
            record.unlink(missing_ok=True)
        finally:
            handle.close()
    return removed
