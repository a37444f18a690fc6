"""The notes page of a dossier: the counsellor's notes of each step, as a form.

``GET /espace/dossiers/{id}/notes`` shows, for each step of the dossier's plan, the keys of
its section that carry a label (:mod:`bilan_core.config.notes`); ``POST`` writes what changed
into the stored pipeline text and takes it in with :func:`~bilan_core.store.dossiers.
update_dossier`, the library call of ``bilan dossier update``. A step already held is shown,
not edited: its notes went into the dossier when it ran. The form carries the dossier's
version: a dossier changed since the page was shown is not overwritten.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

#: Empty rows offered under an array of tables (the action plan's actions).
BLANK_ROWS = 2


def steps_of(host: Any, state: str) -> list[dict[str, Any]]:
    """The dossier's planned steps that have notes: the section they read (``[plugin.NAME]``
    of the plugin that registered the step, ``id`` here), the step's title, whether it was
    held, its notes. A section two steps read is shown once, with the first."""
    from bilan_core.config.notes import notes_of

    content = json.loads(state).get("dossier", {})
    done = {step.get("id") for step in content.get("steps_done", [])}
    sections = host.registry.config_sections
    found: dict[str, dict[str, Any]] = {}
    for planned in content.get("plan", []):
        step = str(planned.get("id", ""))
        section = host.registry.owners.get(("register_steps", step))
        if section in found:  # read by an earlier step too: held if either was
            found[section]["done"] = found[section]["done"] or step in done
            continue
        notes = notes_of(sections, section) if section else []
        if notes:
            definition = host.registry.steps.get(step)
            found[section] = {"id": section, "title": getattr(definition, "title", step),
                              "done": step in done, "notes": notes}
    return list(found.values())


def digest(text: str) -> str:
    """What the form carries of the text it was built from: an edit begun on another text is
    refused, whatever else changed in the dossier meanwhile (answers, sessions...)."""
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()


def fields(steps: list[dict[str, Any]], text: str, form: Any = None) -> list[dict[str, Any]]:
    """What the template shows of each step's notes: each note's input name, label, widget
    and value; ``form`` (a form sent back with problems) gives the values as typed."""
    from bilan_core.config.notes import current
    from bilan_core.i18n import _

    shown = []
    for step in steps:
        values = current(text, step["id"])
        rows = []
        for note in step["notes"]:
            name = f"{step['id']}.{note.key}"
            entry = {"name": name, "key": note.key, "label": _(note.field.label),
                     "widget": note.widget, "choices": note.choices, "value": "",
                     "rows": []}
            if note.widget == "rows":
                entry["columns"] = [{"key": c.key, "label": _(c.field.label),
                                     "widget": c.widget, "choices": c.choices,
                                     "default": _shown(c.widget, c.field.default)}
                                    for c in note.columns]
                entry["rows"] = _rows_shown(note, name, values.get(note.key) or [],
                                            None if step["done"] else form,
                                            0 if step["done"] else BLANK_ROWS)
            elif form is not None and not step["done"]:
                entry["value"] = (list(form.getlist(name)) if note.widget == "choices"
                                  else name in form if note.widget == "flag"
                                  else str(form.get(name, "")))
            else:
                value = values.get(note.key, note.field.default)
                entry["value"] = _shown(note.widget, value)
            rows.append(entry)
        shown.append({**step, "fields": rows})
    return shown


def _shown(widget: str, value: Any) -> Any:
    """A value of the pipeline text as its input shows it."""
    if widget == "choices":
        return [str(v) for v in value or ()]
    if widget == "flag":
        return bool(value)
    if value is None:
        return ""
    if widget == "lines":
        return "\n".join(str(v) for v in value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _rows_shown(note: Any, name: str, saved: list[Any], form: Any,
                blank_rows: int) -> list[dict[str, Any]]:
    from bilan_core.config.notes import MAX_ROWS

    if form is not None:
        try:
            count = min(int(str(form.get(f"{name}.n", "0"))), MAX_ROWS)
        except ValueError:
            count = 0
        rows = [{c.key: str(form.get(f"{name}.{i}.{c.key}", "")) for c in note.columns}
                for i in range(max(count, 0))]
    else:
        rows = [{c.key: _shown(c.widget, entry.get(c.key, c.field.default))
                 for c in note.columns} for entry in saved if isinstance(entry, dict)]
    blank = {c.key: _shown(c.widget, c.field.default) for c in note.columns}
    return rows + [dict(blank) for _ in range(min(blank_rows, MAX_ROWS - len(rows)))]


def save(view: Any, dossier_id: str, host: Any, info: Any, text: str,
         steps: list[dict[str, Any]], form: Any) -> tuple[list[str], dict[str, str]]:
    """Take the form in: the changed parts (as ``bilan dossier update`` names them) and no
    problem, or nothing saved and the problems by input name."""
    from pathlib import Path

    from bilan_core.config.notes import read_form, with_notes
    from bilan_core.store.dossiers import update_dossier

    changes: dict[str, dict[str, Any]] = {}
    problems: dict[str, str] = {}
    for step in steps:
        if step["done"]:
            continue  # a step held keeps the notes it ran with
        values, found = read_form(form, step["id"], step["notes"])
        changes[step["id"]] = values
        problems.update(found)
    if problems:
        return [], problems
    if form.get("base") != digest(text):
        from bilan_core.errors import UsageError
        from bilan_core.i18n import _

        raise UsageError(_("these notes changed since this page was shown (on another page"
                           " or by `bilan dossier update`): open the notes again, then write"
                           " your changes there"))
    edited = with_notes(text, changes, host.registry.config_sections)
    if edited == text:
        return [], {}
    _pipeline, changed = update_dossier(view, host, dossier_id,
                                        Path(info.pipeline_path or "pipeline.toml"),
                                        text=edited, expected=info.version)
    return changed, {}
