"""Errors the host reports to the user.

Every error the user can cause is a :class:`BilanError`: the CLI prints its message on one line
(no traceback unless ``--traceback``) and exits with its :attr:`~BilanError.exit_code`: 2 for a
usage or configuration error, 1 when a run fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

from bilan_core.i18n import _
from bilan_core.terminal import visible
from bilan_core.values import plain_repr

#: One element of a key path: a table key, or an array entry (its 0-based index and, where the
#: entry has one, its id, which is how the user knows it).
KeyPart = str | tuple[int, str | None]


def format_key_path(parts: Sequence[KeyPart]) -> str:
    """Render a key path the way a user reads it: ``steps[skills_exploration].hours``.

    Array entries show their id where they have one, otherwise their 1-based position
    (``consent[#2]``).
    """
    out = ""
    for part in parts:
        if isinstance(part, tuple):
            index, label = part
            out += f"[{visible(label)}]" if label else f"[#{index + 1}]"
        else:
            key = part if _is_bare(part) else f'"{visible(part)}"'
            out += f".{key}" if out else key
    return out


def _is_bare(key: str) -> bool:
    return bool(key) and all(c.isalnum() or c in "_-" for c in key)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest candidate, or an empty string."""
    from difflib import get_close_matches  # only when there is a typo to explain

    close = get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return _(" (did you mean {word!r}?)").format(word=close[0]) if close else ""


@plain_repr
@attrs.frozen(repr=False)
class Location:
    """Where in which file a problem is: any part may be unknown."""

    file: Path | None = None
    key_path: tuple[KeyPart, ...] = ()
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = visible(str(self.file)) if self.file is not None else ""
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        key = format_key_path(self.key_path)
        return ": ".join(p for p in (where, key) if p)


class BilanError(Exception):
    """An error caused by the user's input or environment, reported without a traceback."""

    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(BilanError):
    """A command was given an argument it cannot use."""


class ConfigError(BilanError):
    """A pipeline, beneficiary, responses or instrument file is wrong.

    The message names the file, the key path, and the line and column where they are known.
    """

    def __init__(self, message: str, location: Location | None = None) -> None:
        self.location = location or Location()
        self.reason = message
        where = str(self.location)
        super().__init__(f"{where}: {message}" if where else message)


class PluginError(BilanError):
    """A plugin could not be loaded or registered (fatal only with ``--strict``)."""


def describe(error: BaseException) -> str:
    """``Kind: message`` of an exception a plugin raised, whatever its ``__str__`` does (a
    plugin's exception is plugin code: printing it may itself raise)."""
    try:
        name = type(error).__name__
        text = str(error)
    except BaseException:
        return _("an exception whose message cannot be printed")
    return f"{name}: {text}" if text else name


class HookError(BilanError):
    """An exception raised inside a plugin's hook implementation; the run fails (exit 1)."""

    exit_code = 1

    def __init__(self, plugin: str, origin: str, hook: str, error: BaseException) -> None:
        self.plugin = plugin
        self.hook = hook
        self.error = error
        kind, _sep, text = describe(error).partition(": ")
        super().__init__(_("plugin {plugin!r} ({origin}) raised {kind} in hook {hook!r}: {text}")
                         .format(plugin=plugin, origin=origin, kind=kind, hook=hook, text=text))


class RunError(BilanError):
    """The run could not complete for a reason that is not the configuration's."""

    exit_code = 1
