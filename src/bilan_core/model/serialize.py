"""The dossier's JSON form, versioned, written by ``bilan run`` and read back by later commands."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import cattrs

from bilan_core._version import __version__
from bilan_core.errors import ConfigError, Location
from bilan_core.model.assessment import Answer
from bilan_core.model.dossier import DOSSIER_FORMAT_VERSION, Dossier

FORMAT_NAME = "bilan-dossier"

converter = cattrs.Converter()
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, lambda value, _: Decimal(str(value)))
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook(date, lambda value, _: date.fromisoformat(value))


def _structure_answer(value: Any, _: Any) -> Answer:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    if isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(f"not an answer: {value!r}")


converter.register_structure_hook(Answer, _structure_answer)


def dossier_to_json(dossier: Dossier) -> str:
    """The dossier as versioned JSON text (UTF-8, accents kept, keys in model order)."""
    document = {
        "format": FORMAT_NAME,
        "format_version": DOSSIER_FORMAT_VERSION,
        "bilan_version": __version__,
        "dossier": converter.unstructure(dossier),
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def dossier_from_json(text: str, file: Path | None = None) -> Dossier:
    """Read a dossier written by :func:`dossier_to_json`; errors name the file."""
    where = Location(file=file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"not valid JSON: {exc.msg}", Location(file=file, line=exc.lineno, column=exc.colno)
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ConfigError(f"not a bilan dossier (expected \"format\": \"{FORMAT_NAME}\")", where)
    version = document.get("format_version")
    if version != DOSSIER_FORMAT_VERSION:
        raise ConfigError(
            f"dossier format version {version!r} is not supported by bilan {__version__}"
            f" (expected {DOSSIER_FORMAT_VERSION})",
            where,
        )
    try:
        return converter.structure(document["dossier"], Dossier)
    except (cattrs.BaseValidationError, KeyError, ValueError, TypeError) as exc:
        detail = "; ".join(cattrs.transform_error(exc)) if isinstance(
            exc, cattrs.BaseValidationError) else str(exc)
        raise ConfigError(f"the dossier is damaged: {detail}", where) from None


def read_dossier(path: Path) -> Dossier:
    """Read ``dossier.json`` from disk; a missing or unreadable file is a ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError("file not found", Location(file=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the file: {exc}", Location(file=path)) from None
    return dossier_from_json(text, path)
