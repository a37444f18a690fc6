"""The curated sample of métiers shipped with the plugin (``data/occupations.toml``).

Codes and titles are real ROME 4.0 ones (France Travail, Licence Ouverte); RIASEC letters,
skills, values, levels and access routes are the project's estimates, labelled as such.

The TOML file is what people edit; the plugin loads its compiled form,
``data/occupations.json`` (the checked values, about thirty times faster to read), when that
was compiled from the very same TOML (its SHA-256 says so), and the TOML otherwise. After
editing the TOML, compile it again::

    python -m bilan_rome.sample
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from bilan_core.config.schema import (
    ArrayOf,
    Bool,
    Context,
    Field,
    Identifier,
    ListOf,
    Number,
    Str,
    Table,
)
from bilan_core.config.toml import KeyLocator, read_toml
from bilan_core.files import read_input
from bilan_core.i18n import N_, _
from bilan_core.model import CONDITIONS, Occupation, Prerequisite
from bilan_core.model.orientation import PREREQUISITE_KINDS

PREREQUISITE = Table({
    "id": Field(Identifier(), required=True, help=N_("the same id for the same prerequisite")),
    "kind": Field(Str(choices=tuple(PREREQUISITE_KINDS)), required=True),
    "text": Field(Str(min_length=1), required=True, help=N_("what it is, in French")),
    "months": Field(Number(minimum=0, maximum=240, integer=True), default=0,
                    help="the usual time an adult needs to obtain it"),
})

OCCUPATION = Table({
    "code": Field(Str(min_length=5), required=True, help=N_("ROME code, e.g. M1607")),
    "title": Field(Str(min_length=1), required=True),
    "riasec": Field(Str(min_length=1), help="2 or 3 RIASEC letters, major first"),
    "skills": Field(ListOf(Str(min_length=1), unique=True), default=()),
    "values": Field(ListOf(Str(min_length=1), unique=True), default=()),
    "level": Field(Number(minimum=3, maximum=8, integer=True)),
    "training_months": Field(Number(minimum=0, maximum=60, integer=True)),
    "access": Field(ListOf(Str(min_length=1)), default=()),
    "prerequisites": Field(ArrayOf(PREREQUISITE, id_key="id"), default=(),
                           help="what the occupation asks before its own training"),
    "conditions": Field(ListOf(Str(choices=CONDITIONS), unique=True), default=()),
    "nearby": Field(ListOf(Str(min_length=5), unique=True), default=()),
})

SAMPLE = Table({
    "source": Field(Str(min_length=1), required=True),
    "sample": Field(Bool(), default=True),
    "occupations": Field(ArrayOf(OCCUPATION, id_key="code"), required=True),
})


COMPILED = "bilan-rome-sample"
COMPILED_VERSION = 1


def sample_path() -> Path:
    """The sample file inside the installed package."""
    return Path(str(resources.files("bilan_rome") / "data" / "occupations.toml"))


def compiled_path() -> Path:
    """The compiled form of the sample, beside it."""
    return sample_path().with_suffix(".json")


def load_sample() -> tuple[str, list[Occupation]]:
    """The sample: from its compiled form when that was compiled from this very TOML file,
    else from the TOML (an edited file is never shadowed by a stale compiled one)."""
    path = sample_path()
    digest = hashlib.sha256(read_input(path, "occupations file")).hexdigest()
    try:
        document = json.loads(compiled_path().read_bytes())
        if (document["format"], document["format_version"], document["sha256"]) == (
                COMPILED, COMPILED_VERSION, digest):
            source = document["source"]
            return source, [_occupation(entry, source) for entry in document["occupations"]]
    except (OSError, ValueError, TypeError, KeyError):
        pass  # missing or damaged: the TOML says the same, with located errors
    return load_occupations_file(path)


def compile_sample(path: Path) -> bytes:
    """The compiled form of an occupations file: its checked values as JSON (one occupation
    a line), with the SHA-256 of the file they come from."""
    values = _load(path)[0]
    head = {"format": COMPILED, "format_version": COMPILED_VERSION,
            "sha256": hashlib.sha256(read_input(path, "occupations file")).hexdigest(),
            "source": values["source"]}
    lines = [json.dumps(entry, ensure_ascii=False, sort_keys=True)
             for entry in values["occupations"]]
    return (json.dumps(head, ensure_ascii=False)[:-1] + ', "occupations": [\n'
            + ",\n".join(lines) + "\n]}\n").encode("utf-8")


def load_occupations_file(path: Path) -> tuple[str, list[Occupation]]:
    """Load an occupations file; every error names the file, the code and the line."""
    values, found = _load(path)
    return values["source"], found


def _load(path: Path) -> tuple[dict[str, Any], list[Occupation]]:
    """The file's checked values, and its occupations."""
    data, text = read_toml(path, "occupations file")
    ctx = Context(path, KeyLocator(text))
    values = SAMPLE.check(data, (), ctx)
    source = values["source"]
    found = []
    codes = {entry["code"] for entry in values["occupations"]}
    for i, entry in enumerate(values["occupations"]):
        where: tuple[Any, ...] = ("occupations", (i, entry["code"]))
        for j, target in enumerate(entry["nearby"]):
            if target not in codes:
                raise ctx.error(_("nearby occupation {code!r} is not in this file").format(
                    code=target), (*where, "nearby", (j, None)))
        try:
            found.append(_occupation(entry, source))
        except ValueError as exc:
            raise ctx.error(str(exc), where) from None
    return values, found


def _occupation(entry: dict[str, Any], source: str) -> Occupation:
    return Occupation(
        code=entry["code"], title=entry["title"], riasec=entry["riasec"],
        skills=entry["skills"], values=entry["values"], level=entry["level"],
        training_months=entry["training_months"], access=entry["access"],
        prerequisites=tuple(Prerequisite(**p) for p in entry["prerequisites"]),
        conditions=entry["conditions"], nearby=entry["nearby"], estimated=True, source=source)


if __name__ == "__main__":  # python -m bilan_rome.sample: compile the sample again
    compiled_path().write_bytes(compile_sample(sample_path()))
    print(f"wrote {compiled_path()}")
