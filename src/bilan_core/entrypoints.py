"""The entry points of one group, read straight from the installed distributions' metadata.

``importlib.metadata`` answers the same question, but importing it (with the e-mail parser
it reads metadata with) and scanning every distribution costs more than the rest of
``bilan plugins`` together. This reader does what the host needs and no more: it lists each
folder of ``sys.path`` once, reads ``entry_points.txt`` of each ``*.dist-info`` or
``*.egg-info`` (the first distribution of a name wins, as with ``importlib.metadata``, which
the tests compare it with), and reads the name, version and requirements (``Requires-Dist``) of
the distributions that have entry points in the group only, from the headers of their metadata.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from typing import Any, NamedTuple

_NORMALIZE = re.compile(r"[-_.]+")


class EntryPoint(NamedTuple):
    """One entry point: its name, ``module:attribute`` value and distribution, with the
    distribution's requirements as its metadata writes them (``bilan-core>=0.1,<0.2``)."""

    name: str
    value: str
    distribution: str | None
    version: str | None
    requires: tuple[str, ...] = ()

    def load(self) -> Any:
        """Import the module and return the attribute the value names (or the module)."""
        module, _sep, attribute = self.value.partition(":")
        found: Any = importlib.import_module(module.strip())
        for part in attribute.split("[")[0].strip().split(".") if attribute else ():
            found = getattr(found, part)
        return found


def entry_points(group: str, path: list[str] | None = None) -> list[EntryPoint]:
    """Every entry point of ``group`` in the distributions found on ``path`` (``sys.path``),
    sorted by name."""
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for entry in sys.path if path is None else path:
        folder = entry or "."
        try:
            names = os.listdir(folder)
        except OSError:  # a zip file, a missing folder: no distributions to read here
            continue
        for name in sorted(names):
            stem, dot, kind = name.rpartition(".")
            kind = kind.lower()
            if not dot or kind not in ("dist-info", "egg-info"):
                continue
            key = canonical_name(stem.split("-")[0])
            if key in seen:
                continue  # an earlier folder has this distribution: it is the one imported
            seen.add(key)
            dist = os.path.join(folder, name)
            values = _group(os.path.join(dist, "entry_points.txt"), group)
            if values:
                distribution, version, requires = _metadata(
                    os.path.join(dist, "METADATA" if kind == "dist-info" else "PKG-INFO"))
                found += [EntryPoint(n, v, distribution, version, requires) for n, v in values]
    return sorted(found, key=lambda ep: ep.name)


def canonical_name(name: str) -> str:
    """A distribution's name as packaging tools compare them: ``Bilan_Core`` -> ``bilan-core``."""
    return _NORMALIZE.sub("-", name).lower()


def _group(path: str, group: str) -> list[tuple[str, str]]:
    """The ``name = value`` lines of section ``[group]`` of an ``entry_points.txt``."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return []
    values: list[tuple[str, str]] = []
    inside = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            inside = line[1:-1].strip() == group
        elif inside and "=" in line:
            name, _sep, value = line.partition("=")
            values.append((name.strip(), value.strip()))
    return values


def _metadata(path: str) -> tuple[str | None, str | None, tuple[str, ...]]:
    """``Name``, ``Version`` and the ``Requires-Dist`` values from the headers of a
    distribution's ``METADATA``."""
    headers: dict[str, str] = {}
    requires: list[str] = []
    try:
        with open(path, encoding="utf-8") as file:
            for line in file:
                if not line.strip():
                    break  # the headers end at the first blank line
                key, sep, value = line.partition(":")
                key = key.strip().title()  # header names are case-insensitive
                if not sep or line[0] in " \t":  # not a header, or a folded header's next line
                    continue
                if key == "Requires-Dist":
                    requires.append(value.strip())
                elif key in ("Name", "Version") and key not in headers:
                    headers[key] = value.strip()
    except (OSError, UnicodeDecodeError):  # unreadable metadata: the plugin is still listed
        return None, None, ()
    return headers.get("Name"), headers.get("Version"), tuple(requires)
