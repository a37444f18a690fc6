"""Importing the official ROME 4.0 export a provider downloads from France Travail.

The export is a set of CSV files (UTF-8, ``;`` or ``,`` separated, a header row). The importer
reads three of them, found by name in the folder (or zip file) given; other files and columns
are ignored:

=============================================  ==============================================
file (name contains)                            columns read
=============================================  ==============================================
``referentiel_code_rome`` (not ``riasec``)      ``code_rome``, ``libelle_rome``
``referentiel_code_rome_riasec``                ``code_rome``, ``riasec_majeur``,
                                                ``riasec_mineur``
``rubrique_mobilite`` (optional)                ``code_rome``, ``code_rome_cible``,
                                                ``ordre_mobilite`` (optional)
=============================================  ==============================================

Every problem is reported with the file and line: a missing file or column, a malformed ROME
code, a RIASEC letter that is not one of R I A S E C, a code listed twice, a RIASEC or mobility
line for a code the referential does not have.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from bilan_core.errors import ConfigError, Location
from bilan_core.files import read_input, size_limit
from bilan_core.i18n import _, ngettext
from bilan_core.model import Occupation, Prerequisite
from bilan_core.model.orientation import RIASEC_LETTERS, ROME_CODE
from bilan_core.values import plain_repr

CODES = "referentiel_code_rome"
RIASEC = "referentiel_code_rome_riasec"
MOBILITY = "rubrique_mobilite"
FORMAT = "bilan-rome-import"
FORMAT_VERSION = 1


@plain_repr
@attrs.frozen(repr=False)
class Table:
    """The rows of one CSV file, with the line number of each."""

    name: str
    rows: list[tuple[int, dict[str, str]]]


def _files(path: Path) -> dict[str, tuple[str, str]]:
    """Base name -> (name shown in errors, text) of every CSV file of a folder or zip."""
    found: dict[str, tuple[str, str]] = {}
    if path.is_dir():
        for file in sorted(path.rglob("*.csv")):
            found[file.name] = (str(file), _decode(read_input(file, "CSV file"), str(file)))
    elif path.is_file() and zipfile.is_zipfile(path):
        limit = size_limit("CSV file")
        with zipfile.ZipFile(path) as archive:
            for info in sorted(archive.infolist(), key=lambda i: i.filename):
                if info.filename.endswith(".csv"):
                    shown = f"{path}!{info.filename}"
                    if info.file_size > limit:  # checked before inflating: no zip bomb
                        raise ConfigError(_("the file is {size:,} bytes once unpacked, over"
                                            " the limit of {limit:,}").format(
                            size=info.file_size, limit=limit), Location(file=Path(shown)))
                    found[Path(info.filename).name] = (shown, _decode(
                        archive.read(info)[: limit + 1], shown))
    elif path.exists():
        raise ConfigError(_("expected a folder or a zip file of the ROME export"),
                          Location(file=path))
    else:
        raise ConfigError(_("not found"), Location(file=path))
    return found


def _decode(raw: bytes, shown: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(_("not valid UTF-8: download the UTF-8 version of the export"),
                          Location(file=Path(shown), line=line)) from None


def _pick(files: dict[str, tuple[str, str]], part: str, exclude: str | None,
          required: bool) -> Table | None:
    names = [n for n in files if part in n.lower() and not (exclude and exclude in n.lower())]
    if not names:
        if required:
            excluded = _(" (and not {name!r})").format(name=exclude) if exclude else ""
            raise ConfigError(_("no file whose name contains {part!r}{excluded}; found: {found}")
                              .format(part=part, excluded=excluded,
                                      found=", ".join(sorted(files)) or _("no CSV file")))
        return None
    if len(names) > 1:
        raise ConfigError(_("several files match {part!r}: {names}; keep one").format(
            part=part, names=", ".join(sorted(names))))
    shown, text = files[names[0]]
    return Table(shown, list(_rows(shown, text)))


def _rows(shown: str, text: str) -> Iterator[tuple[int, dict[str, str]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ConfigError(_("the file is empty"), Location(file=Path(shown), line=1)) from None
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            # The English forms are the same (as today); a catalog gives each its own.
            raise ConfigError(ngettext("{n} columns, the header has {header}",
                                       "{n} columns, the header has {header}", len(row))
                              .format(n=len(row), header=len(header)),
                              Location(file=Path(shown), line=reader.line_num))
        yield reader.line_num, {h: cell.strip() for h, cell in zip(header, row)}


def _need(table: Table, *columns: str) -> None:
    if not table.rows:
        raise ConfigError(_("no data line"), Location(file=Path(table.name), line=2))
    present = table.rows[0][1].keys()
    for column in columns:
        if column not in present:
            raise ConfigError(_("missing column {column!r} (found: {found})").format(
                column=column, found=", ".join(present)), Location(file=Path(table.name), line=1))


def _code(table: Table, line: int, value: str, column: str = "code_rome") -> str:
    if not ROME_CODE.match(value):
        raise ConfigError(_("{column} {value!r} is not a ROME code (a letter A to N and four"
                            " digits)").format(column=column, value=value),
                          Location(file=Path(table.name), line=line))
    return value


def read_export(path: Path) -> dict[str, Any]:
    """Read the export: ``{code: {"title", "riasec", "nearby"}}`` and counts."""
    files = _files(path)
    codes = _pick(files, CODES, "riasec", required=True)
    riasec = _pick(files, RIASEC, None, required=True)
    mobility = _pick(files, MOBILITY, None, required=False)
    assert codes is not None and riasec is not None
    _need(codes, "code_rome", "libelle_rome")
    _need(riasec, "code_rome", "riasec_majeur", "riasec_mineur")
    occupations: dict[str, dict[str, Any]] = {}
    for line, row in codes.rows:
        code = _code(codes, line, row["code_rome"])
        if code in occupations:
            # The full referential repeats a code once per appellation: keep the first title.
            continue
        if not row["libelle_rome"]:
            raise ConfigError(_("empty libelle_rome for {code}").format(code=code),
                              Location(file=Path(codes.name), line=line))
        occupations[code] = {"title": row["libelle_rome"], "riasec": None, "nearby": []}
    seen: set[str] = set()
    for line, row in riasec.rows:
        code = _code(riasec, line, row["code_rome"])
        if code not in occupations:
            raise ConfigError(_("{code} is not in the referential of codes").format(code=code),
                              Location(file=Path(riasec.name), line=line))
        if code in seen:
            raise ConfigError(_("{code} is listed twice").format(code=code),
                              Location(file=Path(riasec.name), line=line))
        seen.add(code)
        letters = (row["riasec_majeur"] + row["riasec_mineur"]).upper()
        if not letters or any(c not in RIASEC_LETTERS for c in letters) or len(
                set(letters)) != len(letters):
            raise ConfigError(_("RIASEC letters {major!r}, {minor!r} for {code}: expected one"
                                " letter of R I A S E C in each, different").format(
                major=row["riasec_majeur"], minor=row["riasec_mineur"], code=code),
                Location(file=Path(riasec.name), line=line))
        occupations[code]["riasec"] = letters
    links = 0
    if mobility is not None:
        _need(mobility, "code_rome", "code_rome_cible")
        ordered = []
        for line, row in mobility.rows:
            source = _code(mobility, line, row["code_rome"])
            target = _code(mobility, line, row["code_rome_cible"], "code_rome_cible")
            for code in (source, target):
                if code not in occupations:
                    raise ConfigError(_("{code} is not in the referential of codes").format(
                        code=code), Location(file=Path(mobility.name), line=line))
            order = row.get("ordre_mobilite") or "0"
            if not order.isdigit():
                raise ConfigError(_("ordre_mobilite {order!r} is not a whole number").format(
                    order=order), Location(file=Path(mobility.name), line=line))
            ordered.append((source, int(order), line, target))
        for source, _order, _line, target in sorted(ordered):
            if target != source and target not in occupations[source]["nearby"]:
                occupations[source]["nearby"].append(target)
                links += 1
    return {"occupations": occupations, "riasec": len(seen), "links": links}


def import_export(path: Path, target: Path, extras: dict[str, Occupation]) -> dict[str, Any]:
    """Read the export and write the referential the plugin loads instead of the sample.

    What the export lacks (skills, values, level, training, access routes, prerequisites,
    conditions) is kept
    from the sample for the codes it has; the official RIASEC letters replace the estimates.
    """
    read = read_export(path)
    records = []
    for code, entry in sorted(read["occupations"].items()):
        extra = extras.get(code)
        records.append({
            "code": code, "title": entry["title"], "riasec": entry["riasec"],
            "nearby": entry["nearby"][:6],
            "skills": list(extra.skills) if extra else [],
            "values": list(extra.values) if extra else [],
            "level": extra.level if extra else None,
            "training_months": extra.training_months if extra else None,
            "access": list(extra.access) if extra else [],
            "prerequisites": [attrs.asdict(p) for p in extra.prerequisites] if extra else [],
            "conditions": list(extra.conditions) if extra else [],
        })
    document = {"format": FORMAT, "format_version": FORMAT_VERSION,
                "imported_on": date.today().isoformat(), "from": str(path),
                "source": "ROME 4.0, export officiel de France Travail (Licence Ouverte),"
                          f" importé le {date.today():%d/%m/%Y}",
                "occupations": records}
    from bilan_core.files import atomic_write

    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, (json.dumps(document, ensure_ascii=False, indent=1) + "\n")
                 .encode("utf-8"))
    return {"occupations": len(records), "riasec": read["riasec"], "links": read["links"],
            "file": str(target)}


def load_imported(target: Path) -> tuple[str, list[Occupation]]:
    """The imported referential, as the plugin's occupation source yields it."""
    try:
        document = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(_("the imported referential cannot be read ({error}); import it"
                            " again").format(error=exc), Location(file=target)) from None
    if document.get("format") != FORMAT or document.get("format_version") != FORMAT_VERSION:
        raise ConfigError(_("not an imported ROME referential of this version; import it"
                            " again"), Location(file=target))
    source = document["source"]
    try:
        return source, _occupations(document, source)
    except (TypeError, ValueError, KeyError) as exc:
        raise ConfigError(_("the imported referential is damaged ({error}); import it again")
                          .format(error=exc), Location(file=target)) from None


def _occupations(document: dict[str, Any], source: str) -> list[Occupation]:
    return [Occupation(
        code=r["code"], title=r["title"], riasec=r["riasec"], skills=r["skills"],
        values=r["values"], level=r["level"], training_months=r["training_months"],
        access=r["access"], conditions=r["conditions"],
        prerequisites=tuple(Prerequisite(**p) for p in r.get("prerequisites", ())),
        nearby=[n for n in r["nearby"] if n != r["code"]], estimated=False, source=source)
        for r in document["occupations"]]
