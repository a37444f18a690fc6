"""A small typed schema for TOML sections: it validates, converts, and exports JSON Schema.

The core describes the pipeline file with it, and every plugin declares its own section with it
(through the ``register_config_sections`` hook). One description gives three things: checked and
converted values, errors that name the key path and line with a "did you mean" for unknown keys,
and the JSON Schema printed by ``bilan schema``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs

from bilan_core.config.toml import KeyLocator
from bilan_core.errors import ConfigError, KeyPart, Location, did_you_mean, format_key_path
from bilan_core.i18n import N_, _, ngettext
from bilan_core.model.common import to_euros, to_hours
from bilan_core.terminal import visible
from bilan_core.values import plain_repr


@plain_repr
@attrs.define(repr=False)
class Context:
    """Where the values being checked come from: the file, its folder and its text.

    ``root``, when set, is the folder every file the text names must resolve inside (after
    following symbolic links): a pipeline's own folder. Staff write pipelines; they may not
    make bilan read a file anywhere else.
    """

    file: Path | None = None
    locator: KeyLocator | None = None
    root: Path | None = None

    @property
    def base_dir(self) -> Path:
        """The folder that relative paths in the file are relative to."""
        return self.file.parent if self.file is not None else Path.cwd()

    def error(self, message: str, path: Sequence[KeyPart]) -> ConfigError:
        """A ConfigError located at ``path`` in this file."""
        line = column = None
        if self.locator is not None:
            found = self.locator.locate(path)
            if found:
                line, column = found
        return ConfigError(message, Location(self.file, tuple(path), line, column))


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return _("a boolean")
    if isinstance(value, int):
        return _("an integer")
    if isinstance(value, float):
        return _("a number")
    if isinstance(value, str):
        return _("a string")
    if isinstance(value, list):
        return _("an array")
    if isinstance(value, dict):
        return _("a table")
    if isinstance(value, datetime):
        return _("a date-time")
    if isinstance(value, date):
        return _("a date")
    return type(value).__name__


class Kind(abc.ABC):
    """A type of value in a TOML file.

    ``expected`` says what the kind accepts, in English marked for the catalog (``N_``):
    messages show it through ``_``.
    """

    expected = N_("a value")

    @abc.abstractmethod
    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        """Return the converted value, or raise a located ConfigError."""

    @abc.abstractmethod
    def json_schema(self) -> dict[str, Any]:
        """This kind as a JSON Schema fragment."""

    def wrong_type(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> ConfigError:
        return ctx.error(_("expected {expected}, got {kind}").format(
            expected=_(self.expected), kind=_type_name(value)), path)


@plain_repr
@attrs.frozen(repr=False)
class Str(Kind):
    """A string, optionally one of a list of choices."""

    choices: tuple[str, ...] = ()
    min_length: int = 0

    @property
    def expected(self) -> str:  # type: ignore[override]
        if self.choices:
            return _("one of {choices}").format(choices=", ".join(repr(c) for c in self.choices))
        return N_("a string")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if not isinstance(value, str):
            raise self.wrong_type(value, path, ctx)
        if self.choices and value not in self.choices:
            raise ctx.error(
                _("{value!r} is not allowed: expected {expected}{suggestion}").format(
                    value=value, expected=_(self.expected),
                    suggestion=did_you_mean(value, self.choices)), path)
        if len(value.strip()) < self.min_length:
            raise ctx.error(_("expected a non-empty string"), path)
        return value

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.choices:
            schema["enum"] = list(self.choices)
        if self.min_length:
            schema["minLength"] = self.min_length
        return schema


@plain_repr
@attrs.frozen(repr=False)
class Identifier(Str):
    """An id: letters, digits, ``_``, ``-`` and ``.``, as the model requires of ids."""

    @property
    def expected(self) -> str:  # type: ignore[override]
        return N_("an identifier (letters, digits, '_', '-', '.')")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if not isinstance(value, str):
            raise self.wrong_type(value, path, ctx)
        if not value or not all(c.isalnum() or c in "_-." for c in value):
            raise ctx.error(_("expected {expected}, got {value!r}").format(
                expected=_(self.expected), value=value), path)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^[\w.-]+$"}


@plain_repr
@attrs.frozen(repr=False)
class Bool(Kind):
    """true or false."""

    expected = N_("true or false")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if not isinstance(value, bool):
            raise self.wrong_type(value, path, ctx)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


#: No number in a pipeline, an instrument or a responses file comes near this; a larger one
#: cannot become a float without losing its meaning (or at all).
MAX_NUMBER = 1e15


@plain_repr
@attrs.frozen(repr=False)
class Number(Kind):
    """An integer or decimal number within bounds; ``integer=True`` refuses fractions."""

    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False

    @property
    def expected(self) -> str:  # type: ignore[override]
        return N_("an integer") if self.integer else N_("a number")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                self.integer and not isinstance(value, int)):
            raise self.wrong_type(value, path, ctx)
        if value != value or value in (float("inf"), float("-inf")):
            raise ctx.error(_("expected a finite number, got {value}").format(value=value), path)
        if abs(value) >= MAX_NUMBER:
            raise ctx.error(_("expected a number of reasonable size (under {limit:.0e}),"
                              " got one of {digits} digits").format(
                limit=MAX_NUMBER, digits=len(str(abs(int(value))))), path)
        self._check_range(value, path, ctx)
        return value

    def _check_range(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> None:
        if self.minimum is not None and value < self.minimum:
            raise ctx.error(_("expected at least {minimum:g}, got {value}").format(
                minimum=self.minimum, value=value), path)
        if self.maximum is not None and value > self.maximum:
            raise ctx.error(_("expected at most {maximum:g}, got {value}").format(
                maximum=self.maximum, value=value), path)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer" if self.integer else "number"}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


@plain_repr
@attrs.frozen(repr=False)
class Euros(Number):
    """An amount in euros, as a number or a decimal string ("1950.00"); becomes a Decimal."""

    minimum: float | None = 0
    expected = N_("an amount in euros (a number or a string such as \"1950.00\")")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.wrong_type(value, path, ctx)
        try:
            amount = to_euros(value)
        except ValueError:
            raise ctx.error(_("expected {expected}, got {value!r}").format(
                expected=_(self.expected), value=value), path) from None
        self._check_range(amount, path, ctx)
        return amount

    def json_schema(self) -> dict[str, Any]:
        number = super().json_schema()
        return {"anyOf": [number, {"type": "string", "pattern": r"^-?\d+(\.\d{1,2})?$"}],
                "description": "euros"}


@plain_repr
@attrs.frozen(repr=False)
class Hours(Number):
    """A duration in hours; becomes a Decimal."""

    minimum: float | None = 0

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        return to_hours(super().check(value, path, ctx))


@plain_repr
@attrs.frozen(repr=False)
class Date(Kind):
    """A TOML local date (``2026-11-02``, unquoted)."""

    expected = N_("a date such as 2026-11-02 (unquoted)")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if isinstance(value, str):
            import re

            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError(value)
                date.fromisoformat(value)
            except ValueError:
                raise self.wrong_type(value, path, ctx) from None
            raise ctx.error(_("write the date without quotes: {value}").format(value=value), path)
        if not isinstance(value, date) or isinstance(value, datetime):
            raise self.wrong_type(value, path, ctx)
        from bilan_core.model.common import FIRST_DAY, LAST_DAY

        if not FIRST_DAY <= value <= LAST_DAY:
            raise ctx.error(_("expected a date from {first} to {last}, got {value}").format(
                first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat(),
                value=value.isoformat()), path)
        return value

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


@plain_repr
@attrs.frozen(repr=False)
class FilePath(Kind):
    """A path to an existing regular file, relative to the TOML file that names it.

    With a ``root`` in the context, the file must resolve inside it, symbolic links included.
    """

    expected = N_("a path to a file")
    must_exist: bool = True

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        import os

        from bilan_core.files import kind_of, path_problem

        if not isinstance(value, str) or not value.strip():
            raise self.wrong_type(value, path, ctx)
        if "\x00" in value:
            raise ctx.error(_("the path contains a NUL byte"), path)
        if len(value) > 4096:
            raise ctx.error(_("the path is too long"), path)
        given = ctx.base_dir / value
        try:
            resolved = Path(os.path.realpath(given))
            info = os.stat(resolved)
        except FileNotFoundError:
            info = None
        except (OSError, RuntimeError, ValueError) as exc:
            reason = path_problem(exc, N_("file")) if isinstance(exc, OSError) else str(exc)
            raise ctx.error(_("file {value!r}: {reason}").format(value=value, reason=reason),
                            path) from None
        root = ctx.root
        if root is not None and not _inside(resolved, root):
            raise ctx.error(
                _("file {value!r} resolves to {resolved}, outside the pipeline's"
                  " folder {root}: files named in a pipeline must be inside its"
                  " folder (symbolic links included)").format(
                    value=value, resolved=visible(str(resolved)), root=visible(str(root))), path)
        if info is None:
            if self.must_exist:
                raise ctx.error(_("file {value!r} does not exist (looked for"
                                  " {resolved})").format(
                    value=value, resolved=visible(str(resolved))), path)
            return resolved
        kind = kind_of(info.st_mode)
        if kind is not None:
            raise ctx.error(_("file {value!r} is {kind}, not a regular file").format(
                value=value, kind=kind), path)
        return resolved

    def json_schema(self) -> dict[str, Any]:
        return {"type": "string", "description": "path relative to this file"}


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


@plain_repr
@attrs.frozen(repr=False)
class ListOf(Kind):
    """An array whose elements all have one kind; ``unique`` refuses repeated elements."""

    item: Kind
    unique: bool = False
    min_items: int = 0

    @property
    def expected(self) -> str:  # type: ignore[override]
        return N_("an array")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if not isinstance(value, list):
            raise self.wrong_type(value, path, ctx)
        if len(value) < self.min_items:
            # The English text is the same for one element or several (as it always was).
            raise ctx.error(ngettext("expected at least {count} element(s)",
                                     "expected at least {count} element(s)",
                                     self.min_items).format(count=self.min_items), path)
        out = [self.item.check(v, (*path, (i, None)), ctx) for i, v in enumerate(value)]
        if self.unique:
            seen: set[Any] = set()
            for i, v in enumerate(out):
                if v in seen:
                    raise ctx.error(_("{value!r} is listed twice").format(value=v),
                                    (*path, (i, None)))
                seen.add(v)
        return tuple(out)

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json_schema()}
        if self.unique:
            schema["uniqueItems"] = True
        if self.min_items:
            schema["minItems"] = self.min_items
        return schema


@plain_repr
@attrs.frozen(repr=False)
class MapOf(Kind):
    """A table with free keys (ids) whose values all have one kind."""

    value: Kind
    expected = N_("a table")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if not isinstance(value, dict):
            raise self.wrong_type(value, path, ctx)
        return {k: self.value.check(v, (*path, k), ctx) for k, v in value.items()}

    def json_schema(self) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.value.json_schema()}


@plain_repr
@attrs.frozen(repr=False)
class Field:
    """One key of a table: its kind, whether it is required, its default and its help.

    The help of a required key is shown (translated) when the key is missing: mark it ``N_``.
    A ``label`` (marked ``N_``) makes the key one of the counsellor's notes: the web
    workspace shows it as a field of the dossier's notes page (:mod:`bilan_core.config.notes`);
    ``choice_labels`` names a ``Str`` key's choices there, as ``(value, label)`` pairs.
    """

    kind: Kind
    required: bool = False
    default: Any = None
    help: str = ""
    label: str = ""
    choice_labels: tuple[tuple[str, str], ...] = ()


#: A check over a whole table once its fields are valid; returns an error message or None.
TableCheck = Callable[[dict[str, Any]], "tuple[str, str] | None"]


@plain_repr
@attrs.frozen(repr=False)
class Table(Kind):
    """A table with declared keys; unknown keys are errors with a "did you mean" suggestion."""

    fields: Mapping[str, Field]
    help: str = ""
    checks: tuple[TableCheck, ...] = ()
    expected = N_("a table")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if not isinstance(value, dict):
            raise self.wrong_type(value, path, ctx)
        for key in value:
            if key not in self.fields:
                where = (_("in {path}").format(path=format_key_path(path)) if path
                         else _("at the top level"))
                raise ctx.error(
                    _("unknown key {key!r} {where}{suggestion}; expected one of: {keys}").format(
                        key=key, where=where, suggestion=did_you_mean(key, self.fields),
                        keys=", ".join(sorted(self.fields))),
                    (*path, key))
        out: dict[str, Any] = {}
        for key, field in self.fields.items():
            if key in value:
                out[key] = field.kind.check(value[key], (*path, key), ctx)
            elif field.required:
                raise ctx.error(
                    _("missing required key {key!r} ({help})").format(key=key, help=_(field.help))
                    if field.help else _("missing required key {key!r}").format(key=key), path)
            else:
                out[key] = field.default
        for table_check in self.checks:
            problem = table_check(out)
            if problem:
                key, message = problem
                raise ctx.error(message, (*path, key) if key else path)
        return out

    def defaults(self) -> dict[str, Any]:
        """Every key's default: what a plugin sees when its section is not written."""
        return {key: field.default for key, field in self.fields.items()}

    def json_schema(self) -> dict[str, Any]:
        properties = {}
        for key, field in self.fields.items():
            prop = field.kind.json_schema()
            if field.help:
                prop = {**prop, "description": field.help}
            if field.default is not None and not isinstance(field.default, (Decimal, date)):
                prop = {**prop, "default": field.default}
            properties[key] = prop
        schema: dict[str, Any] = {
            "type": "object",
            "properties": properties,
            "additionalProperties": False,
        }
        required = [k for k, f in self.fields.items() if f.required]
        if required:
            schema["required"] = required
        if self.help:
            schema["description"] = self.help
        return schema


@plain_repr
@attrs.frozen(repr=False)
class ArrayOf(Kind):
    """An array of tables (``[[steps]]``); entries are named in errors by their ``id_key``."""

    table: Table
    id_key: str | None = None
    unique_id: bool = True
    expected = N_("an array of tables")

    def check(self, value: Any, path: tuple[KeyPart, ...], ctx: Context) -> Any:
        if not isinstance(value, list):
            raise self.wrong_type(value, path, ctx)
        out = []
        seen: set[Any] = set()
        for i, entry in enumerate(value):
            label = None
            if self.id_key and isinstance(entry, dict) and isinstance(entry.get(self.id_key), str):
                label = entry[self.id_key]
            entry_path = (*path, (i, label))
            checked = self.table.check(entry, entry_path, ctx)
            if self.id_key and self.unique_id and label is not None:
                if label in seen:
                    raise ctx.error(_("{key} {label!r} is listed twice").format(
                        key=self.id_key, label=label), entry_path)
                seen.add(label)
            out.append(checked)
        return tuple(out)

    def json_schema(self) -> dict[str, Any]:
        return {"type": "array", "items": self.table.json_schema()}

