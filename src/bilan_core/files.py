"""Reading and writing files: every read is bounded and located, every write is atomic.

Every file bilan reads goes through :func:`read_input`, whatever its trust level: the path and
the file are checked before a byte is read (a NUL byte in the name, a symlink loop, a folder,
a device or a FIFO, a file over the size limit of its kind), so bad input is one located error
instead of a hang, an exhausted memory or a traceback.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from bilan_core.errors import ConfigError, Location, RunError, UsageError
from bilan_core.i18n import N_, _

#: The largest file of each kind bilan reads, in bytes. A file is refused before it is read.
#: A kind (``what`` in this module's functions) is given in English, as a key of this table;
#: messages show it translated (the kinds are marked for the catalog).
SIZE_LIMITS: dict[str, int] = {
    N_("pipeline file"): 1_000_000,
    N_("beneficiary file"): 256_000,
    N_("responses file"): 2_000_000,
    N_("instrument file"): 4_000_000,
    N_("occupations file"): 32_000_000,
    N_("dossier"): 32_000_000,
    N_("logo"): 1_000_000,
    N_("template"): 512_000,
    N_("template asset"): 1_000_000,
    N_("CSV file"): 64_000_000,
}
DEFAULT_LIMIT = 4_000_000

_KINDS = (
    (stat.S_ISDIR, N_("a directory")),
    (stat.S_ISCHR, N_("a character device")),
    (stat.S_ISBLK, N_("a block device")),
    (stat.S_ISFIFO, N_("a named pipe (FIFO)")),
    (stat.S_ISSOCK, N_("a socket")),
)


def _kind(what: str) -> str:
    """A kind of file (``what``, in English), in the language of the command line."""
    return _(what) if what else what  # gettext("") is the catalog's header


def size_limit(what: str) -> int:
    """The size limit for a kind of file (see :data:`SIZE_LIMITS`)."""
    return SIZE_LIMITS.get(what, DEFAULT_LIMIT)


def path_problem(exc: OSError, what: str) -> str:
    """A user-facing explanation of why a path could not be opened (``what``: the kind of
    file, in English, shown translated)."""
    code = exc.errno
    if code == errno.ENOENT:
        return _("{what} not found").format(what=_kind(what))
    if code == errno.EISDIR:
        return _("expected a {what}, found a directory").format(what=_kind(what))
    if code == errno.ENXIO:
        return _("expected a {what}, found a special file (a socket or a device)").format(
            what=_kind(what))
    return _("cannot read the {what}: {reason}").format(what=_kind(what),
                                                         reason=_read_problem(exc))


def _read_problem(exc: OSError) -> str:
    """Why a path that exists could not be read: the end of :func:`path_problem`'s message."""
    code = exc.errno
    if code in (errno.EACCES, errno.EPERM):
        return _("permission denied")
    if code == errno.ELOOP:
        return _("too many levels of symbolic links (a symlink loop?)")
    if code == errno.ENAMETOOLONG:
        return _("the path is too long")
    if code == errno.ENOTDIR:
        return _("a part of the path is a file, not a folder")
    return str(exc.strerror or exc)


def kind_of(mode: int) -> str | None:
    """``None`` for a regular file, else what the file is (``"a directory"``...)."""
    for test, name in _KINDS:
        if test(mode):
            return _(name)
    return None if stat.S_ISREG(mode) else _("not a regular file")


def check_path_text(path: Path | str, what: str) -> None:
    """Refuse a path that no system call can take (a NUL byte)."""
    if "\x00" in str(path):
        raise ConfigError(_("the path of the {what} contains a NUL byte").format(
                              what=_kind(what)),
                          Location(file=Path(str(path).replace("\x00", "\\0"))))


def read_input(path: Path, what: str = N_("file"), limit: int | None = None) -> bytes:
    """Read a whole file, refusing anything but a regular file within the size limit.

    The file is opened without blocking (a FIFO cannot hang the command) and its kind and size
    are checked on the open descriptor before reading, so a file swapped after the check
    changes nothing. Every failure is a :class:`ConfigError` naming the file.
    """
    check_path_text(path, what)
    limit = size_limit(what) if limit is None else limit
    where = Location(file=path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise ConfigError(path_problem(exc, what), where) from None
    try:
        info = os.fstat(fd)
        kind = kind_of(info.st_mode)
        if kind is not None:
            raise ConfigError(_("expected a {what}, found {kind}").format(
                what=_kind(what), kind=kind), where)
        if info.st_size > limit:
            raise ConfigError(_("the {what} is {size:,} bytes, over the limit of"
                                " {limit:,} bytes for a {what}").format(
                what=_kind(what), size=info.st_size, limit=limit), where)
        chunks: list[bytes] = []
        size = 0
        while True:  # read to the limit, whatever the size said (a file may grow)
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise ConfigError(_("the {what} is over the limit of {limit:,} bytes").format(
                    what=_kind(what), limit=limit), where)
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(path_problem(exc, what), where) from None
    finally:
        os.close(fd)


def decode_utf8(raw: bytes, path: Path | None, what: str) -> str:
    """UTF-8 text (a byte-order mark is accepted); an invalid byte is a located error."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            _("the {what} is not valid UTF-8 (byte {byte}); save it as UTF-8").format(
                what=_kind(what), byte=exc.start + 1),
            Location(file=path, line=line),
        ) from None


def folder_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be read as a folder, or ``None``."""
    if "\x00" in str(folder):
        return _("the path contains a NUL byte")
    try:
        info = os.stat(folder)
        os.listdir(folder)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return _("no such folder")
        return path_problem(exc, N_("folder"))
    if not stat.S_ISDIR(info.st_mode):
        return _("expected a folder, found a file")
    return None


def output_problem(folder: Path) -> str | None:
    """Why ``folder`` cannot be an output folder, or ``None`` when it can (or can be made)."""
    if "\x00" in str(folder):
        return _("the path contains a NUL byte")
    probe = folder
    while True:
        try:
            info = os.stat(probe)
        except FileNotFoundError:
            if probe.parent == probe:
                return None
            probe = probe.parent
            continue
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.EISDIR, errno.ENXIO):
                return path_problem(exc, N_("output folder"))
            return _read_problem(exc)
        if not stat.S_ISDIR(info.st_mode):
            if probe == folder:
                return _("exists and is not a folder")
            return _("{path} is a file, not a folder").format(path=probe)
        return None


def atomic_write(path: Path, content: bytes) -> None:
    """Write a file so that readers see the old content or the new, never a part.

    The file is readable by its owner only (0600): it holds a beneficiary's confidential data.
    """
    tmp: str | None = None
    try:
        import tempfile  # imported when a file is written: every command reads this module

        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise RunError(_("{path}: cannot write the file: {reason}").format(
            path=path, reason=exc.strerror)) from None
    except BaseException:  # interrupted: leave no temporary file behind
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
        raise


def data_dir() -> Path:
    """Where bilan keeps data a provider imports (an official referential, say).

    ``BILAN_DATA_DIR`` when set, else the user's data folder as ``platformdirs`` finds it
    (``$XDG_DATA_HOME/bilan``, ``~/.local/share/bilan`` on Linux).
    """
    configured = os.environ.get("BILAN_DATA_DIR")
    if configured:
        return Path(configured)
    import platformdirs

    return platformdirs.user_data_path("bilan", appauthor=False)


def private_dir(*parts: str) -> Path:
    """A folder inside :func:`data_dir` that only its owner can enter (0700), created if
    needed, like the data folder itself."""
    folder = data_dir()
    try:
        for part in ("", *parts):
            folder = folder / part if part else folder
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            info = folder.stat()
            if info.st_mode & 0o077 and info.st_uid == os.geteuid():
                os.chmod(folder, 0o700)
    except OSError as exc:
        raise unusable(folder, exc) from None
    return folder


def unusable(folder: Path, exc: OSError) -> UsageError:
    """The data folder cannot be used: say so, and how to choose another."""
    return UsageError(_("{folder}: the private data folder cannot be used"
                        " ({reason}); set BILAN_DATA_DIR to a folder of yours").format(
        folder=folder, reason=exc.strerror or exc))
