"""The curated sample of métiers shipped with the plugin (``data/occupations.toml``).

Codes and titles are real ROME 4.0 ones (France Travail, Licence Ouverte); RIASEC letters,
skills, values, levels and access routes are the project's estimates, labelled as such.
"""

from __future__ import annotations

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


def sample_path() -> Path:
    """The sample file inside the installed package."""
    return Path(str(resources.files("bilan_rome") / "data" / "occupations.toml"))


def load_occupations_file(path: Path) -> tuple[str, list[Occupation]]:
    """Load an occupations file; every error names the file, the code and the line."""
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
            found.append(Occupation(
                code=entry["code"], title=entry["title"], riasec=entry["riasec"],
                skills=entry["skills"], values=entry["values"], level=entry["level"],
                training_months=entry["training_months"], access=entry["access"],
                prerequisites=tuple(Prerequisite(**p) for p in entry["prerequisites"]),
                conditions=entry["conditions"], nearby=entry["nearby"], estimated=True,
                source=source))
        except ValueError as exc:
            raise ctx.error(str(exc), where) from None
    return source, found
