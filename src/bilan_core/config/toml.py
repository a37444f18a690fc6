"""Reading TOML files with located errors, and finding where a key path stands in the text.

The stdlib parser (``tomllib``, or ``tomli`` before Python 3.11) reports syntax errors with a
line and column but forgets positions once parsed. :class:`KeyLocator` scans the text once to
map every key path (tables, arrays of tables, dotted keys) to its line and column, so that
errors found after parsing still point at the line to fix.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bilan_core.errors import ConfigError, KeyPart, Location
from bilan_core.i18n import N_, _

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
_BARE = r"[A-Za-z0-9_-]+"
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'[^']*'"
_KEY = rf"(?:{_BARE}|{_QUOTED})"
_DOTTED = rf"{_KEY}(?:\s*\.\s*{_KEY})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?")
_ASSIGN = re.compile(rf"^(\s*)({_DOTTED})\s*=")
_KEY_PART = re.compile(_KEY)

#: A path as the locator stores it: keys and 0-based array indexes.
RawPath = tuple[str | int, ...]


#: How deeply tables and arrays may nest in a file bilan reads (the formats need 4 levels).
MAX_DEPTH = 16


def read_toml(path: Path, what: str = N_("file")) -> tuple[dict[str, Any], str]:
    """Read and parse a TOML file; every failure is a located :class:`ConfigError`.

    The file is read through :func:`bilan_core.files.read_input` (regular files only, within
    the size limit of its kind). Returns the parsed document and its text (for
    :class:`KeyLocator`).
    """
    from bilan_core.files import decode_utf8, read_input

    text = decode_utf8(read_input(path, what), path, what)
    return parse_toml(text, path), text


def parse_toml(text: str, path: Path | None = None) -> dict[str, Any]:
    """Parse TOML text, turning the parser's message into a located :class:`ConfigError`."""
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = _POSITION.search(message)
        line = column = None
        if match:
            line, column = int(match.group(1)), int(match.group(2))
            message = message[: match.start()].rstrip()
        raise ConfigError(
            _("invalid TOML: {message}").format(message=message),
            Location(file=path, line=line, column=column),
        ) from None
    except RecursionError:
        raise ConfigError(_("invalid TOML: arrays or tables nested more than {depth}"
                            " levels deep").format(depth=MAX_DEPTH), Location(file=path)) from None
    except ValueError:  # an integer over Python's limit of 4300 digits
        raise ConfigError(_("invalid TOML: a number is too large to read"),
                          Location(file=path)) from None
    deep = too_deep(document)
    if deep is not None:
        found = KeyLocator(text).locate(deep)
        raise ConfigError(_("arrays or tables nested more than {depth} levels deep").format(
                              depth=MAX_DEPTH),
                          Location(file=path, key_path=deep, line=found[0] if found else None))
    return document


def too_deep(value: Any, limit: int = MAX_DEPTH) -> tuple[KeyPart, ...] | None:
    """The key path where ``value`` nests deeper than ``limit``, or ``None``."""
    stack: list[tuple[Any, tuple[KeyPart, ...]]] = [(value, ())]
    while stack:
        current, path = stack.pop()
        if len(path) > limit:
            return path
        if isinstance(current, dict):
            stack.extend((v, (*path, str(k))) for k, v in current.items())
        elif isinstance(current, list):
            stack.extend((v, (*path, (i, None))) for i, v in enumerate(current))
    return None


def split_dotted(dotted: str) -> list[str]:
    """Split ``a."b.c".d`` into ``["a", "b.c", "d"]``."""
    parts = []
    for match in _KEY_PART.finditer(dotted):
        key = match.group(0)
        if key[0] in "\"'":
            key = key[1:-1]
        parts.append(key)
    return parts


class KeyLocator:
    """Map key paths of a TOML text to the line and column where they are written.

    The text is scanned on the first lookup: a file without errors (nearly every file read)
    is never scanned.
    """

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._found: dict[RawPath, tuple[int, int]] = {}

    @property
    def _where(self) -> dict[RawPath, tuple[int, int]]:
        if self._text is not None:
            text, self._text = self._text, None
            self._scan(text)
        return self._found

    def _scan(self, text: str) -> None:
        table: RawPath = ()
        counts: dict[RawPath, int] = {}
        in_multiline: str | None = None
        for number, line in enumerate(text.splitlines(), start=1):
            if in_multiline:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER.match(line)
            if header:
                keys = split_dotted(header.group(2))
                if header.group(1) == "[[":
                    array = (*self._resolve(keys[:-1], counts), keys[-1])
                    counts[array] = counts.get(array, -1) + 1
                    self._found.setdefault(array, (number, header.start(2) + 1))
                    table = (*array, counts[array])
                else:
                    table = self._resolve(keys, counts)
                self._found.setdefault(table, (number, header.start(2) + 1))
                continue
            assign = _ASSIGN.match(line)
            if assign:
                path = (*table, *split_dotted(assign.group(2)))
                self._found.setdefault(path, (number, len(assign.group(1)) + 1))
                rest = line[assign.end():]
                for quote in ('"""', "'''"):
                    if rest.count(quote) % 2 == 1:
                        in_multiline = quote

    def _resolve(self, keys: Sequence[str], counts: dict[RawPath, int]) -> RawPath:
        # A header inside an array of tables refers to its latest entry: [[a]] then [a.b].
        path: RawPath = ()
        for key in keys:
            path = (*path, key)
            if path in counts:
                path = (*path, counts[path])
        return path

    def locate(self, key_path: Sequence[KeyPart]) -> tuple[int, int] | None:
        """The line and column of the longest known prefix of ``key_path``."""
        raw: RawPath = tuple(p[0] if isinstance(p, tuple) else p for p in key_path)
        for end in range(len(raw), 0, -1):
            found = self._where.get(raw[:end])
            if found:
                return found
        return None
