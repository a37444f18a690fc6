"""The counsellor's notes of each step, read from and written into a pipeline's text.

A key of a step's ``[plugin.STEP]`` section is a *note* when its :class:`~bilan_core.config.
schema.Field` has a ``label``: the needs, experience, strengths, proposed occupations, the
project... The web workspace shows the notes of a dossier's steps as a form
(:func:`notes_of`), reads the form back (:func:`read_form`) and writes what changed into the
stored pipeline text (:func:`with_notes`), keeping the file's comments, order and layout
(tomlkit edits TOML in place); the text is then taken in as ``bilan dossier update`` does.
A key without a label (a setting such as the instrument that gives the Holland code) is
left as the file has it.

Nothing here trusts the form: each value is checked by its field's own kind, as the pipeline
loader checks it, before a line of the text changes.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import attrs

from bilan_core.config.schema import (
    ArrayOf,
    Bool,
    Context,
    Date,
    Field,
    Kind,
    ListOf,
    Number,
    Str,
    Table,
)
from bilan_core.errors import ConfigError
from bilan_core.i18n import _
from bilan_core.values import plain_repr

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

#: How many rows an array of tables (the action plan's actions) may have on the form.
MAX_ROWS = 50
#: How many characters one value of the form may hold.
MAX_TEXT = 20_000


def widget(kind: Kind) -> str | None:
    """How a value of this kind is written on a form; None when the form cannot hold it."""
    if isinstance(kind, ArrayOf):
        fields = kind.table.fields.values()
        flat = all(f.label and widget(f.kind) not in (None, "rows") for f in fields)
        return "rows" if flat and kind.id_key else None
    if isinstance(kind, ListOf):
        if isinstance(kind.item, Str):
            return "choices" if kind.item.choices else "lines"
        return None
    if isinstance(kind, Str):
        return "choice" if kind.choices else "text"
    if isinstance(kind, Bool):
        return "flag"
    if isinstance(kind, Number) and kind.integer:
        return "number"
    if isinstance(kind, Date):
        return "date"
    return None


@plain_repr
@attrs.frozen(repr=False)
class Note:
    """One note of a step: its key, its field and how the form writes it."""

    key: str
    field: Field
    widget: str

    @property
    def choices(self) -> list[tuple[str, str]]:
        """``(value, label)`` of each choice of a ``choice`` or ``choices`` note."""
        kind = self.field.kind.item if isinstance(self.field.kind, ListOf) else self.field.kind
        named = dict(self.field.choice_labels)
        return [(value, _(named[value]) if value in named else value)
                for value in getattr(kind, "choices", None) or ()]

    @property
    def columns(self) -> list[Note]:
        """The notes of one row of a ``rows`` note."""
        if not isinstance(self.field.kind, ArrayOf):
            return []
        return [Note(key, field, widget(field.kind) or "text")
                for key, field in self.field.kind.table.fields.items()]


def notes_of(sections: Mapping[str, Table], step: str) -> list[Note]:
    """The notes of ``step``: the labelled keys of its section that a form can hold."""
    table = sections.get(step)
    if table is None:
        return []
    found = []
    for key, field in table.fields.items():
        shape = widget(field.kind)
        if field.label and shape is not None:
            found.append(Note(key, field, shape))
    return found


def current(text: str, step: str) -> dict[str, Any]:
    """What the pipeline text's ``[plugin.STEP]`` section holds (empty when absent)."""
    from bilan_core.config.toml import parse_toml

    plugins = parse_toml(text).get("plugin", {})
    section = plugins.get(step, {}) if isinstance(plugins, dict) else {}
    return section if isinstance(section, dict) else {}


def read_form(form: Any, step: str, notes: Iterable[Note]
              ) -> tuple[dict[str, Any], dict[str, str]]:
    """The values a form sends for ``step``'s notes (None: the key is left out), and the
    problems found, by field name (``STEP.KEY``, or ``STEP.KEY.ROW.COLUMN`` in a row).

    ``form`` is a multi-dict (``get`` and ``getlist``); every value is checked by its
    field's kind, in the language of the messages.
    """
    values: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for note in notes:
        name = f"{step}.{note.key}"
        try:
            if note.widget == "rows":
                values[note.key] = _rows(form, name, note, problems)
            else:
                values[note.key] = _value(form, name, note)
            inner = any(key.startswith(f"{name}.") for key in problems)
            if values[note.key] is not None and not inner:
                note.field.kind.check(_plain(values[note.key]), ("plugin", step, note.key),
                                      Context())
        except ConfigError as error:
            problems.setdefault(name, error.reason)
        except ValueError as error:
            problems.setdefault(name, str(error))
    return values, problems


def _value(form: Any, name: str, note: Note) -> Any:
    if note.widget == "choices":
        chosen = [str(v) for v in form.getlist(name)]
        return chosen or None
    if note.widget == "flag":
        return name in form
    raw = str(form.get(name, ""))
    if len(raw) > MAX_TEXT:
        raise ValueError(_("at most {n} characters").format(n=MAX_TEXT))
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").strip()
    if note.widget == "lines":
        lines = [line.strip() for line in raw.split("\n") if line.strip()]
        return lines or None
    if not raw:
        return None
    if note.widget == "number":
        try:
            return int(raw)
        except ValueError:
            raise ValueError(_("expected a whole number, got {value!r}").format(
                value=raw[:40])) from None
    if note.widget == "date":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError(_("expected a date (YYYY-MM-DD), got {value!r}").format(
                value=raw[:40])) from None
    return raw


def _rows(form: Any, name: str, note: Note, problems: dict[str, str]
          ) -> list[dict[str, Any]] | None:
    """The rows of an array of tables; a row left empty is dropped."""
    try:
        count = int(str(form.get(f"{name}.n", "0"))[:6])
    except ValueError:
        count = 0
    if count > MAX_ROWS:
        raise ValueError(_("at most {n} rows here; edit the pipeline file for more").format(
            n=MAX_ROWS))
    rows = []
    for index in range(max(count, 0)):
        row: dict[str, Any] = {}
        for column in note.columns:
            cell = f"{name}.{index}.{column.key}"
            try:
                value = _value(form, cell, column)
            except ValueError as error:
                problems.setdefault(cell, str(error))
                continue
            if value is not None and value != column.field.default:
                row[column.key] = value
        kind = note.field.kind
        id_key = kind.id_key if isinstance(kind, ArrayOf) else None
        if row and id_key and id_key not in row:
            problems.setdefault(f"{name}.{index}.{id_key}",
                                _("a row needs its {key}, or leave the row empty").format(
                                    key=_(note.columns[0].field.label)
                                    if note.columns else id_key))
        if row:
            rows.append(row)
    return rows or None


def _plain(value: Any) -> Any:
    """A value as a TOML reader gives it (lists, not tuples)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _meaning(note: Note, value: Any) -> Any:
    """What a note's value means, to tell a change from a different way of writing the same:
    an empty value is no value, a default is the default whether written or not, choices
    are a set, text is compared without its outer blanks."""
    if value is None or value == "" or value == [] or value == ():
        value = note.field.default
    if isinstance(value, str):
        return value.strip()
    if note.widget == "choices":
        return sorted(str(v) for v in value or ())
    if note.widget == "rows":
        rows = []
        for entry in value or ():
            if not isinstance(entry, dict):
                return _plain(value)
            rows.append({column.key: _meaning(column, entry.get(column.key))
                         for column in note.columns})
        return rows
    if note.widget == "lines":
        return [str(v).strip() for v in value or ()]
    return _plain(value)


def with_notes(text: str, changes: Mapping[str, Mapping[str, Any]],
               sections: Mapping[str, Table]) -> str:
    """The pipeline text with each step's notes set as ``changes`` says (``{step: {key:
    value}}``; None removes the key). A key whose value does not change is not touched, so
    its comments stay; neither is any key that is not a note."""
    import tomlkit

    document = tomlkit.parse(text)
    expected: dict[str, dict[str, Any]] = {}
    for step, values in changes.items():
        before = current(text, step)
        notes = {note.key: note for note in notes_of(sections, step)}
        edits = {}
        for key, value in values.items():
            if key in notes and _meaning(notes[key], value) != _meaning(notes[key],
                                                                        before.get(key)):
                edits[key] = value
        if not edits:
            continue
        try:
            if "plugin" not in document:
                document["plugin"] = tomlkit.table(is_super_table=True)
            plugins = document["plugin"]
            if step not in plugins:
                plugins[step] = tomlkit.table()
            section = plugins[step]
            for key, value in edits.items():
                if value is None:
                    if key in section:
                        del section[key]
                else:
                    section[key] = _toml(value)
        except (ValueError, TypeError, KeyError):  # tomlkit: an inline table cannot grow one
            raise ValueError(_("[plugin.{step}] is written in a way this page cannot edit (an"
                               " inline table): write it as a [plugin.{step}] table in the"
                               " pipeline file").format(step=step)) from None
        expected[step] = {**before, **{k: v for k, v in edits.items() if v is not None}}
        for key, value in edits.items():
            if value is None:
                expected[step].pop(key, None)
    written = tomlkit.dumps(document)
    for step, values in expected.items():  # what was meant is what a reader finds
        if _plain(current(written, step)) != _plain(values):
            raise ValueError(f"[plugin.{step}]: the edited text does not read back as written")
    return written


def _toml(value: Any) -> Any:
    import tomlkit

    if isinstance(value, str) and "\n" in value:
        return tomlkit.string(value, multiline=True)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        rows = tomlkit.aot()
        for entry in value:
            table = tomlkit.table()
            for key, cell in entry.items():
                table[key] = _toml(cell)
            rows.append(table)
        return rows
    if isinstance(value, list):
        array = tomlkit.array()
        array.extend(value)
        if len(value) > 1:
            array.multiline(True)
        return array
    return value
