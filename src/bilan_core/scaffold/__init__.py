"""Generating a plugin project: what ``bilan new plugin`` writes.

A project is made from the files of ``templates/common`` and ``templates/<kind>``, rendered
with :class:`string.Template` (``$name`` and ``${name}`` are replaced, ``$$`` is a dollar; an
unknown name is an error, never a blank). In a template tree:

- a name ending in ``.tmpl`` is rendered and loses the suffix; any other file is copied;
- a name ending in ``.part`` is a fragment: rendered into the variable of its stem
  (``readme.part`` becomes ``$readme``) for the files rendered after it, not written;
- the first folder ``package`` is the project's ``src/<package>``, ``dot-`` starts a dotted
  name, and ``${...}`` in a name is replaced like in a file.

Everything is rendered before anything is written, and the project is written in a hidden
folder beside the target, renamed into place when complete: an error or an interruption leaves
no half-made project.

Importing this module is light (``bilan --help`` imports it for the kinds it lists).
"""

from __future__ import annotations

import keyword
import os
import re
import string
import sys
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import attrs

from bilan_core._version import __version__
from bilan_core.i18n import _

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

#: What a project can provide, and the module its ``bilan`` entry point names.
KINDS: Mapping[str, str] = {
    "instrument": "instruments",  # a folder of TOML instruments, no hook (no Python)
    "funder": "plugin",
    "step": "plugin",
    "section": "plugin",
    "renderer": "plugin",
}

#: What a project of each kind is, in its pyproject's description ("bilan plugin: ...").
DESCRIPTIONS: Mapping[str, str] = {
    "instrument": "a questionnaire written in TOML, without Python",
    "funder": "a regional aid to the bilan de compétences, its rules as dated data",
    "step": "a step of the bilan, with the counsellor's notes in the pipeline",
    "section": "a section of the synthèse, for the beneficiary and for the counsellor",
    "renderer": "the synthèse as plain text",
}

_NAME = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
MAX_NAME = 60
#: Distributions whose names a plugin cannot take: the core and the command.
RESERVED = frozenset({"bilan", "bilan-core"})


@attrs.frozen
class ProjectNames:
    """The names of a plugin project, all derived from its distribution name."""

    distribution: str  #: ``bilan-acme-tests``: what ``pip install`` and ``bilan plugins`` show
    package: str  #: ``bilan_acme_tests``: the import package
    plugin: str  #: ``acme_tests``: the entry-point name, so the plugin's name and its ids


def project_names(name: str) -> ProjectNames:
    """The names of a project from its distribution name; ``ValueError`` saying why not."""
    if not _NAME.fullmatch(name) or len(name) > MAX_NAME:
        raise ValueError(_("{name!r} is not a distribution name: lowercase letters, digits and"
                           " single hyphens, starting with a letter (e.g. bilan-acme-tests),"
                           " at most {limit} characters").format(name=name, limit=MAX_NAME))
    package = name.replace("-", "_")
    if name in RESERVED or keyword.iskeyword(package) or package in sys.stdlib_module_names:
        raise ValueError(_("{name!r} is a name taken by Python or by bilan; choose another,"
                           " such as bilan-{name}").format(name=name))
    plugin = package.removeprefix("bilan_") or package
    return ProjectNames(distribution=name, package=package, plugin=plugin)


def taken_by(names: ProjectNames) -> str | None:
    """Who already uses the plugin name of ``names`` (a built-in plugin or another installed
    distribution), or ``None``: two plugins of one name cannot be installed together."""
    from bilan_core.entrypoints import canonical_name, entry_points
    from bilan_core.plugins import BUILTIN_PLUGINS, CORE_DISTRIBUTION

    if names.plugin in {builtin for builtin, _module in BUILTIN_PLUGINS}:
        return CORE_DISTRIBUTION
    for entry in entry_points("bilan"):
        owner = entry.distribution
        if entry.name == names.plugin and canonical_name(owner or "") != names.distribution:
            return owner or "?"
    return None


def core_requirement(version: str = __version__) -> str:
    """The range of bilan-core a new plugin supports: the running release series.

    Before 1.0 a minor release may break plugins (``bilan-core>=0.1,<0.2``); from 1.0, a major
    one (``bilan-core>=1.2,<2``).
    """
    major, minor = (int(part) for part in re.findall(r"\d+", version)[:2])
    upper = f"0.{minor + 1}" if major == 0 else str(major + 1)
    return f"bilan-core>={major}.{minor},<{upper}"


def variables(kind: str, names: ProjectNames) -> dict[str, str]:
    """The values the templates of a project are rendered with."""
    return {
        "distribution": names.distribution,
        "package": names.package,
        "plugin": names.plugin,
        "entry_point": f"{names.package}.{KINDS[kind]}",
        "core_requirement": core_requirement(),
        "description": DESCRIPTIONS[kind],
        "kind": kind,
    }


def _walk(folder: Traversable, parts: tuple[str, ...] = ()
          ) -> list[tuple[tuple[str, ...], Traversable]]:
    """Every file under ``folder``: its path parts below the kind's folder, and itself."""
    found = []
    for child in sorted(folder.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            found += _walk(child, (*parts, child.name))
        else:
            found.append(((*parts, child.name), child))
    return found


def _destination(parts: tuple[str, ...], values: Mapping[str, str]) -> PurePosixPath:
    names = [string.Template(part).substitute(values) for part in parts]
    names = [f".{n.removeprefix('dot-')}" if n.startswith("dot-") else n for n in names]
    names[-1] = names[-1].removesuffix(".tmpl")
    if names[0] == "package" and len(names) > 1:
        names[:1] = ["src", values["package"]]
    return PurePosixPath(*names)


def render(kind: str, names: ProjectNames) -> dict[PurePosixPath, bytes]:
    """Every file of a new project, by its path in the project: nothing is written."""
    from importlib.resources import files  # imports tempfile: not for ``bilan --help``

    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    values = variables(kind, names)
    root = files(__name__) / "templates"
    sources = _walk(root / "common") + _walk(root / kind)
    out: dict[PurePosixPath, bytes] = {}
    for parts, source in sorted(sources, key=lambda item: not item[0][-1].endswith(".part")):
        raw = source.read_bytes()
        if parts[-1].endswith((".tmpl", ".part")):
            raw = string.Template(raw.decode("utf-8")).substitute(values).encode("utf-8")
        if parts[-1].endswith(".part"):  # a fragment, read by the files rendered after it
            values[parts[-1].removesuffix(".part")] = raw.decode("utf-8").strip()
            continue
        out[_destination(parts, values)] = raw
    return out


def target_problem(target: Path) -> str | None:
    """Why a new project cannot be written to ``target``, or ``None``."""
    from bilan_core.files import output_problem

    problem = output_problem(target)  # a NUL byte, a file in the way...
    if problem is not None:
        return problem
    if target.is_dir():
        try:
            empty = not any(target.iterdir())
        except OSError as exc:
            return _("cannot read the folder: {reason}").format(reason=exc.strerror)
        if not empty:
            return _("the folder exists and is not empty; choose another --output, or empty it")
    return None


def write_project(target: Path, content: Mapping[PurePosixPath, bytes]) -> None:
    """Write the project's files into ``target`` (absent or empty), all or nothing."""
    import secrets
    import shutil

    from bilan_core.errors import UsageError

    problem = target_problem(target)
    if problem is not None:
        raise UsageError(f"{target}: {problem}")
    real = Path(os.path.realpath(target))  # a link to an empty folder: that folder
    building = real.parent / f".{real.name}.{secrets.token_hex(4)}.new"
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        building.mkdir()
        for path, data in content.items():
            destination = building.joinpath(*path.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
        if real.is_dir():
            real.rmdir()  # empty, checked above
        os.rename(building, real)
    except OSError as exc:
        raise UsageError(_("{path}: cannot write the project: {reason}").format(
            path=target, reason=exc.strerror or exc)) from None
    finally:
        if building.exists():
            shutil.rmtree(building, ignore_errors=True)


def generate(kind: str, names: ProjectNames, target: Path) -> list[PurePosixPath]:
    """Write a new project of ``kind`` into ``target``; the paths written, in order."""
    content = render(kind, names)
    write_project(target, content)
    return sorted(content)
