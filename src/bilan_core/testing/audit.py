"""What plugin code reads while it runs: files opened, network used (Python audit events).

A renderer builds a document from the dossier alone: it may read its own package's files
(templates, fonts), Python's and the installed packages' files, and files it creates itself,
but no other file (the dossier's folder, the working directory, ``/etc``...) and never the
network. :func:`watching` records every ``open`` audit event of the current thread and
refuses every network call (``socket.connect``, ``socket.getaddrinfo``, a ``urllib`` request
of another URL than ``data:`` or ``file:``...) with a :class:`PermissionError`, so that nothing
leaves the machine while a test renders; a ``file:`` URL is recorded as a file read.

The audit hook is added once per process, on first use (Python cannot remove one), and does
nothing while no :func:`watching` block is active.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

#: Audit events that reach the network.
NETWORK_EVENTS = frozenset({
    "socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr",
    "socket.sendto", "socket.sendmsg", "socket.bind", "urllib.Request", "http.client.connect",
    "ftplib.connect", "smtplib.connect", "poplib.connect", "imaplib.open", "nntplib.connect",
    "telnetlib.Telnet.open",
})

#: Folders of system fonts a renderer may read (a PDF library embedding a font).
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "/etc/fonts", "/Library/Fonts",
                "/System/Library/Fonts", "~/.fonts", "~/.local/share/fonts",
                "C:/Windows/Fonts")

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT


@attrs.define
class Record:
    """What one watched block did: the files it opened outside the allowed folders, and its
    network calls (each refused)."""

    thread: int
    allowed: tuple[str, ...]
    files: list[str] = attrs.field(factory=list)
    network: list[str] = attrs.field(factory=list)
    created: set[str] = attrs.field(factory=set)


_active: list[Record] = []
_installed = False
_lock = threading.Lock()


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if not _active:
        return
    record = _active[-1]
    if record.thread != threading.get_ident():
        return
    if event == "open":
        _opened(record, args)
    elif event == "urllib.Request" and str(args[0]).lower().startswith(("data:", "file:")):
        url = str(args[0])
        if url.lower().startswith("file:"):  # urllib reads the file: so does the renderer
            record.files.append(url)
    elif event in NETWORK_EVENTS:
        target = ", ".join(repr(a) for a in args[1:3] if a is not None) or repr(args[:1])
        record.network.append(f"{event} {target}")
        raise PermissionError(f"bilan testing kit: no network while rendering ({event})")


def _opened(record: Record, args: tuple[Any, ...]) -> None:
    path, mode, flags = (*args, None, None, None)[:3]
    if isinstance(path, int) or path is None:
        return  # a file descriptor already open
    text = os.path.abspath(os.fsdecode(path))
    writing = (isinstance(mode, str) and any(c in mode for c in "wxa+")) or (
        isinstance(flags, int) and bool(flags & _WRITE_FLAGS))
    if writing:
        record.created.add(text)
        return
    if text in record.created or text.endswith(_CODE_SUFFIXES) or _inside(text, record.allowed):
        return
    record.files.append(text)


def _code_suffixes() -> tuple[str, ...]:
    from importlib.machinery import all_suffixes

    return (*all_suffixes(), ".pyc", ".pth")


_CODE_SUFFIXES = _code_suffixes()


def _inside(path: str, folders: Iterable[str]) -> bool:
    return any(path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
               for folder in folders)


def standard_folders() -> list[str]:
    """Python's folders, the installed packages', system fonts, MIME tables, ``/dev/null``."""
    import mimetypes
    import site
    import sysconfig

    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
               *sysconfig.get_paths().values(), os.devnull, "/dev/urandom",
               *mimetypes.knownfiles}
    try:
        folders.update(site.getsitepackages())
        folders.add(site.getusersitepackages())
    except AttributeError:  # a virtual environment made by old tools lacks these
        pass
    folders.update(os.path.expanduser(f) for f in FONT_FOLDERS)
    return sorted(os.path.abspath(f) for f in folders if f)


def package_folders(modules: Iterable[str]) -> list[str]:
    """The folders of the top-level packages of ``modules`` (a plugin's own files)."""
    folders = []
    for name in modules:
        module = sys.modules.get(name.split(".")[0])
        for location in getattr(module, "__path__", None) or ():
            folders.append(os.path.abspath(location))
        file = getattr(module, "__file__", None)
        if isinstance(file, str) and not getattr(module, "__path__", None):
            folders.append(os.path.abspath(file))
    return folders


@contextmanager
def watching(allowed: Iterable[str | Path]) -> Iterator[Record]:
    """Record the files opened outside ``allowed`` folders (and the standard ones) and
    refuse the network, in the current thread, for the block's duration."""
    global _installed
    with _lock:
        if not _installed:
            sys.addaudithook(_hook)
            _installed = True
    folders = tuple(sorted({*standard_folders(), *(os.path.abspath(f) for f in allowed)}))
    record = Record(threading.get_ident(), folders)
    _active.append(record)
    try:
        yield record
    finally:
        _active.remove(record)
