"""The dossier's JSON form, versioned, written by ``bilan run`` and read back by later commands."""

from __future__ import annotations

import json
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import cattrs

from bilan_core import jsontext
from bilan_core._version import __version__
from bilan_core.config.toml import too_deep
from bilan_core.errors import ConfigError, Location
from bilan_core.i18n import Message, _
from bilan_core.model.assessment import Answer
from bilan_core.model.common import FieldValueError
from bilan_core.model.dossier import DOSSIER_FORMAT_VERSION, Dossier

FORMAT_NAME = "bilan-dossier"

#: How deeply a dossier's JSON may nest; the format needs 8 levels.
MAX_DEPTH = 32
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

converter = cattrs.Converter()


def _strict(kind: type, check: Any) -> None:
    def structure(value: Any, _type: Any) -> Any:
        if not check(value):
            raise ValueError(_("expected {expected}, got {actual}").format(
                expected=kind.__name__, actual=type(value).__name__))
        return value

    converter.register_structure_hook(kind, structure)


# A dossier read back is untrusted: no silent conversion of one type into another.
_strict(str, lambda v: isinstance(v, str))
_strict(bool, lambda v: isinstance(v, bool))
_strict(int, lambda v: isinstance(v, int) and not isinstance(v, bool))
converter.register_structure_hook(float, lambda v, _: _to_float(v))
converter.register_unstructure_hook(Decimal, str)
converter.register_structure_hook(Decimal, lambda value, _: _to_decimal(value))
converter.register_unstructure_hook(date, date.isoformat)
converter.register_structure_hook(date, lambda value, _: _to_date(value))


def _to_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(_("expected a number, got {actual}").format(actual=type(value).__name__))
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError(_("expected a finite number"))
    return number


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(_("expected a decimal number, got {actual}").format(
            actual=type(value).__name__))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(_("expected a decimal number, got {value!r}").format(value=value)
                         ) from None
    if not number.is_finite() or abs(number.adjusted()) > 12:
        raise ValueError(_("expected a decimal number of reasonable size, got {value!r}").format(
            value=value))
    return number


def _to_date(value: Any) -> date:
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError(_("expected a date written YYYY-MM-DD, got {value!r}").format(
            value=value))
    return date.fromisoformat(value)


def _structure_answer(value: Any, _type: Any) -> Answer:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, (bool, int, float, str)):
        return value
    raise ValueError(_("not an answer: {value!r}").format(value=value))


converter.register_structure_hook(Answer, _structure_answer)


def _structure_message(value: Any, _type: Any, depth: int = 0) -> Message:
    if isinstance(value, str):  # version 1 kept warnings as text
        return Message(value)
    params = value.get("params", {}) if isinstance(value, dict) else None
    if isinstance(value, dict) and isinstance(value.get("text"), str) and isinstance(
            params, dict) and depth < 2:
        values: dict[str, Any] = {}
        for key, param in params.items():
            if isinstance(param, dict):  # a field that is a message itself (a rule's source)
                values[key] = _structure_message(param, _type, depth + 1)
            elif isinstance(key, str) and isinstance(param, (str, int, float)) and not (
                    isinstance(param, bool)):
                values[key] = param
            else:
                break
        else:
            return Message(value["text"], **values)
    raise ValueError(_("expected a warning: {shape}").format(
        shape='{"text": ..., "params": {...}}'))


def _unstructure_message(message: Message) -> dict[str, Any]:
    return {"text": message.text, "params": {
        k: _unstructure_message(v) if isinstance(v, Message) else v
        for k, v in message.params.items()}}


converter.register_structure_hook(Message, _structure_message)
converter.register_unstructure_hook(Message, _unstructure_message)


def dossier_to_json(dossier: Dossier) -> str:
    """The dossier as versioned JSON text (UTF-8, accents kept, keys in model order), one
    field of the dossier per line (:mod:`bilan_core.jsontext`: the store saves the dossier
    after every step, and the C encoder writes it three times faster than ``indent``)."""
    return jsontext.dumps({
        "format": FORMAT_NAME,
        "format_version": DOSSIER_FORMAT_VERSION,
        "bilan_version": __version__,
        "dossier": converter.unstructure(dossier),
    }, levels=2)


def dossier_from_json(text: str, file: Path | None = None) -> Dossier:
    """Read a dossier written by :func:`dossier_to_json`; errors name the file.

    The text is untrusted (the file may have been edited): types are checked strictly, every
    value is validated as the model validates values built in code, and depth is bounded.
    A version 1 dossier (branding in ``extra["report"]``) is read too.
    """
    where = Location(file=file)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            _("not valid JSON: {error}").format(error=exc.msg),
            Location(file=file, line=exc.lineno, column=exc.colno),
        ) from None
    except RecursionError:
        raise ConfigError(_("not a bilan dossier: nested more than {depth} levels deep").format(
            depth=MAX_DEPTH), where) from None
    except ValueError:  # an integer over Python's 4300-digit limit
        raise ConfigError(_("not valid JSON: a number is too large to read"), where) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ConfigError(_("not a bilan dossier (expected \"format\": \"{format}\")").format(
            format=FORMAT_NAME), where)
    try:  # a JSON escape can write half a character (\ud800), which no output can print
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(_("the dossier is damaged: a string holds an invalid character"
                            " ({character!r}): a lone surrogate").format(
            character=exc.object[exc.start:exc.end]), where) from None
    version = document.get("format_version")
    if version not in (1, DOSSIER_FORMAT_VERSION) or isinstance(version, bool):
        raise ConfigError(
            _("dossier format version {version!r} is not supported by bilan {bilan}"
              " (expected {expected})").format(
                version=version, bilan=__version__, expected=DOSSIER_FORMAT_VERSION),
            where,
        )
    deep = too_deep(document, MAX_DEPTH)
    if deep is not None:
        raise ConfigError(_("nested more than {depth} levels deep").format(depth=MAX_DEPTH),
                          Location(file=file, key_path=deep))
    body = document.get("dossier")
    if version == 1 and isinstance(body, dict):
        body = _from_version_1(body)
    try:
        return converter.structure(body, Dossier)
    except (cattrs.BaseValidationError, KeyError, ValueError, TypeError,
            AttributeError) as exc:
        detail = "; ".join(_located(line) for line in cattrs.transform_error(
            exc, format_exception=_reason)) if isinstance(
            exc, cattrs.BaseValidationError) else str(exc)
        raise ConfigError(_("the dossier is damaged: {detail}").format(detail=detail),
                          where) from None


_FIELD = "\x00"


def _reason(exc: BaseException, kind: Any) -> str:
    """What a validator said, rather than cattrs's generic "invalid value"; a model
    validator's field is kept for :func:`_located`."""
    if isinstance(exc, FieldValueError):
        return f"{_FIELD}{exc.field}{_FIELD}{exc}"
    if isinstance(exc, KeyError):
        return _("required field missing")
    if isinstance(exc, (ValueError, TypeError)) and str(exc):
        return str(exc)
    return cattrs.v.format_exception(exc, kind)


def _located(line: str) -> str:
    """``$.branding.colour: message`` from cattrs's ``message @ $.branding``."""
    message, _sep, path = line.rpartition(" @ ")
    if not message:
        return line
    if message.startswith(_FIELD):
        _empty, field, message = message.split(_FIELD, 2)
        path = f"{path}.{field}"
    return f"{path}: {message}"


def _from_version_1(body: dict[str, Any]) -> dict[str, Any]:
    """Version 1 kept the branding in ``extra["report"]`` and called ``tops_up`` of a
    funding decision ``complements``."""
    funding = body.get("funding")
    if isinstance(funding, list):
        body = {**body, "funding": [
            {("tops_up" if k == "complements" else k): v for k, v in d.items()}
            if isinstance(d, dict) else d for d in funding]}
    extra = body.get("extra")
    if not isinstance(extra, dict) or not isinstance(extra.get("report"), dict):
        return body
    report = dict(extra["report"])
    extra = {k: v for k, v in extra.items() if k != "report"}
    return {**body, "extra": extra, "branding": report}


def read_dossier(path: Path) -> Dossier:
    """Read ``dossier.json`` from disk; a missing, unreadable or damaged file is a
    :class:`ConfigError` naming it."""
    from bilan_core.files import decode_utf8, read_input

    return dossier_from_json(decode_utf8(read_input(path, "dossier"), path, "dossier"), path)
