"""Beneficiaries, pipeline files and dossiers for tests, and the sample dossiers the
conformance suites run plugins on.

:func:`make_beneficiary` builds the model directly; :func:`make_pipeline` writes a valid
pipeline file (the five built-in steps by default, with notes in every step) that
``bilan validate`` and ``bilan run`` accept; :func:`make_dossier` runs such a file through a
host and returns the final dossier, synthèse included.

The sample dossiers (:data:`SAMPLES`) need the core only: a private employee funded by the
CPF, a job seeker, a public agent with a recognised disability who shares her synthèse, and
a dossier whose every typed note is hostile text (markup, scripts, template syntax, links).
When bilan-core runs from a source checkout, the repository's ``examples/`` are added when
the first-party plugins they need are loaded (:func:`example_dossiers`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bilan_core.model import Beneficiary, Dossier
    from bilan_core.plugins import PluginHost

#: The reference date of the kit's pipelines (2026: the minimum of 13 hours applies).
REFERENCE_DATE = date(2026, 11, 2)

#: The beneficiary :func:`make_beneficiary` builds when given no override.
BENEFICIARY: dict[str, Any] = {
    "id": "B-TEST-001",
    "status": "private_employee",
    "cpf_balance": Decimal("1200.00"),
    "employer": "Entreprise Exemple",
}

#: The hours :func:`make_pipeline` plans for each built-in step (17 in all).
STEP_HOURS = {"preparation": 2, "needs_analysis": 3, "skills_exploration": 5,
              "career_options": 4, "action_plan": 3}

#: The built-in steps, in legal order: the default plan of :func:`make_pipeline`.
BUILTIN_STEPS = tuple(STEP_HOURS)

#: The hours planned for a step named without its hours (not a built-in one).
DEFAULT_HOURS = 2

#: The notes of the built-in steps in :func:`make_pipeline`'s default file.
NOTES: dict[str, dict[str, Any]] = {
    "needs_analysis": {
        "request": "Faire le point après dix ans dans le même poste.",
        "expectations": ["Savoir ce que je sais vraiment faire"],
        "motivations": ["Être utile", "Apprendre"],
        "constraints": ["Rester dans la région"],
    },
    "skills_exploration": {
        "experience": ["Technicienne de maintenance industrielle (2014-2026)"],
        "strengths": ["Diagnostic des pannes", "Transmission aux nouveaux arrivants"],
        "weaknesses": ["Peu de pratique des outils bureautiques"],
    },
    "career_options": {"proposed": ["Technicienne de maintenance", "Formatrice"]},
    "action_plan": {
        "keep": ["formatrice"],
        "project": "Devenir formatrice en maintenance industrielle d'ici deux ans.",
        "observations": "Je me sens prête à transmettre mon métier.",
        "actions": [{"title": "Rencontrer deux formateurs en poste", "kind": "immersion",
                     "due": date(2026, 12, 15)}],
    },
}

#: The default content of :func:`make_pipeline`'s file, besides its steps.
PIPELINE: dict[str, Any] = {
    "reference_date": REFERENCE_DATE,
    "beneficiary": BENEFICIARY,
    "provider": {"name": "Centre de bilan Test", "qualiopi": True,
                 "counsellor": "Camille Conseil"},
    "consent": [{"kind": "bilan", "given_on": date(2026, 10, 1)}],
    "plugin": NOTES,
}

#: Typed text that would make markup, run a script, load a file or the network, or run
#: template code if a plugin or a renderer let it through; the :data:`SAMPLES` dossier
#: ``texte-hostile`` carries it in every note. ``HOSTILE-BOLD`` and ``HOSTILE-LIST`` mark
#: the text that must stay plain in a section body (:func:`bilan_core.report.text.plain`).
HOSTILE_LINES = (
    '<script>alert("bilan")</script> **HOSTILE-BOLD** fin',
    "- HOSTILE-LIST <img src=x onerror=alert(1)>",
    "[lien](javascript:alert(1)) ![pixel](https://example.org/pixel.png) file:///etc/passwd",
    "{{ 7 * 7 }} {% for x in range(3) %}{{ cycler.__init__.__globals__ }}{% endfor %}",
    "\u202eesrever\u202c <style>body { background: url(https://example.org/x) }</style>",
    "| a | b |\n|---|---|\n# Titre injecté",
)
HOSTILE = " ".join(line.replace("\n", " ") for line in HOSTILE_LINES)

#: The sample pipelines: name -> overrides of :func:`make_pipeline` (see :data:`SAMPLES`).
SAMPLES: dict[str, dict[str, Any]] = {
    "salariee-cpf": {
        "beneficiary": {"id": "B-KIT-SAL", "address": "madame",
                        "cpf_balance": Decimal("1500.00"), "employer_staff": 30,
                        "years_of_service": 10},
        "consent": [{"kind": "bilan", "given_on": date(2026, 9, 1)},
                    {"kind": "retention", "given_on": date(2026, 9, 1),
                     "until": date(2027, 6, 30)}],
        "funding": {"price": Decimal("1800.00")},
    },
    "demandeur-emploi": {
        "steps": ("preparation", "needs_analysis", "career_options", "action_plan"),
        "beneficiary": {"id": "B-KIT-DE", "status": "job_seeker", "address": "monsieur",
                        "cpf_balance": Decimal("0.00"), "employer": None,
                        "previous_bilan": date(2019, 3, 4)},
        "funding": {"price": Decimal("1500.00"), "hours": 14},
        "plugin": {"action_plan": {"keep": [], "actions": []}},
    },
    "agente-publique": {
        "beneficiary": {"id": "B-KIT-PUB", "status": "public_agent", "rqth": True,
                        "public_branch": "FPT", "cpf_hours": 80, "cpf_balance": None,
                        "employer": "Mairie de Villeneuve", "working_time": True},
        "consent": [{"kind": "bilan", "given_on": date(2026, 9, 15)},
                    {"kind": "sharing", "given_on": date(2026, 9, 15), "recipient": "cep"}],
        "report": {"recipients": ["beneficiary", "cep"]},
        "funding": {"price": Decimal("2100.00")},
    },
    "texte-hostile": {
        "beneficiary": {"id": "B-KIT-HOST", "employer": HOSTILE},
        "provider": {"counsellor": HOSTILE},
        "plugin": {
            "needs_analysis": {"request": HOSTILE, "expectations": list(HOSTILE_LINES),
                               "motivations": list(HOSTILE_LINES),
                               "constraints": list(HOSTILE_LINES)},
            "skills_exploration": {"experience": list(HOSTILE_LINES),
                                   "strengths": list(HOSTILE_LINES),
                                   "weaknesses": list(HOSTILE_LINES)},
            "career_options": {"proposed": [line.replace("\n", " ")
                                            for line in HOSTILE_LINES]},
            "action_plan": {"keep": [], "project": HOSTILE, "observations": HOSTILE,
                            "actions": [{"title": line.replace("\n", " "), "kind": "other"}
                                        for line in HOSTILE_LINES]},
        },
        "report": {"extra_sections": [{"title": "Mot du centre", "body": HOSTILE}]},
    },
}


def make_beneficiary(**overrides: Any) -> Beneficiary:
    """A valid :class:`~bilan_core.model.Beneficiary` (a private employee with 1 200 € of
    CPF rights by default); ``overrides`` replace its fields:

    ```python
    make_beneficiary(status="job_seeker", cpf_balance=0, employer=None)
    ```
    """
    from bilan_core.model import Beneficiary

    return Beneficiary(**{**BENEFICIARY, **overrides})


def _merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides``: tables are merged key by key (``plugin`` sections too), a
    value of None removes the key, any other value replaces it."""
    merged = dict(base)
    for key, value in overrides.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _table_of(value: Any) -> Any:
    """A model object as the table a pipeline writes for it (a Beneficiary, say)."""
    import attrs

    if attrs.has(type(value)):
        return {k: v for k, v in attrs.asdict(value, recurse=False).items() if v is not None}
    return value


def _plain(value: Any) -> Any:
    """A value TOML can write: Decimals as strings, enums as their values, None left out."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def _step_entries(steps: Sequence[str | Mapping[str, Any]]) -> list[dict[str, Any]]:
    entries = []
    for step in steps:
        entry: dict[str, Any] = {"id": step} if isinstance(step, str) else dict(step)
        entry.setdefault("hours", STEP_HOURS.get(entry["id"], DEFAULT_HOURS))
        entries.append(entry)
    return entries


def pipeline_data(steps: Sequence[str | Mapping[str, Any]] = BUILTIN_STEPS,
                  **overrides: Any) -> dict[str, Any]:
    """The content of :func:`make_pipeline`'s file, as a dictionary."""
    overrides = {key: _table_of(value) for key, value in overrides.items()}
    data = _merged(PIPELINE, overrides)
    if isinstance(data.get("plugin"), Mapping):  # notes only for the steps planned
        planned = {s if isinstance(s, str) else s["id"] for s in steps}
        data["plugin"] = {name: section for name, section in data["plugin"].items()
                          if name not in NOTES or name in planned}
    data["steps"] = _step_entries(steps)
    return data


def pipeline_text(steps: Sequence[str | Mapping[str, Any]] = BUILTIN_STEPS,
                  **overrides: Any) -> str:
    """The TOML text of :func:`make_pipeline`'s file."""
    import tomlkit

    return tomlkit.dumps(_plain(pipeline_data(steps, **overrides)))


def make_pipeline(folder: Path | str, steps: Sequence[str | Mapping[str, Any]] = BUILTIN_STEPS,
                  *, name: str = "pipeline.toml", **overrides: Any) -> Path:
    """Write a valid pipeline file in ``folder`` and return its path.

    The file plans the built-in steps with notes in each (a request, experience, proposed
    occupations, a project and an action), for a private employee, with the consent to the
    bilan; ``bilan validate`` and ``bilan run`` accept it.

    Args:
        folder: Where to write it (created if needed).
        steps: The planned steps, in legal order: step ids (planned for their usual hours,
            2 for a step that is not built in) or tables (``{"id": ..., "hours": ...,
            "instruments": [...]}``). Default: the five built-in steps.
        name: The file's name.
        **overrides: Top-level keys of the file. A table (``beneficiary``, ``provider``,
            ``funding``, ``report``, ``plugin``...) is merged into the default one key by
            key, ``plugin`` section by section; a value of None removes the key; any other
            value replaces the default. A :class:`~bilan_core.model.Beneficiary` is
            accepted for ``beneficiary``.

    Returns:
        The path of the file written.

    Example:
        ```python
        make_pipeline(tmp_path, steps=["preparation", {"id": "closing_note", "hours": 1}],
                      funding={"price": "1800.00"},
                      plugin={"hello": {"note": "Bonne route !"}})
        ```
    """
    path = Path(folder) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(pipeline_text(steps, **overrides), encoding="utf-8")
    return path


def run_file(path: Path, host: PluginHost, formats: Sequence[str] | None = ("json",)
             ) -> Dossier:
    """Load a pipeline file with ``host`` and run it; return the final dossier.

    ``formats`` replaces the file's ``[report] formats`` (the formats are only checked to
    exist: nothing is rendered); None keeps the file's.
    """
    from bilan_core.config.pipeline import Overrides, load_pipeline
    from bilan_core.pipeline import run_pipeline

    overrides = Overrides(formats=tuple(formats) if formats is not None else None)
    return run_pipeline(load_pipeline(path, host, overrides), host)


def make_dossier(folder: Path | str, host: PluginHost | None = None,
                 steps: Sequence[str | Mapping[str, Any]] = BUILTIN_STEPS,
                 **overrides: Any) -> Dossier:
    """Write a pipeline with :func:`make_pipeline` in ``folder``, run it with ``host`` (a host
    of the core's built-in plugins by default) and return the final dossier."""
    if host is None:
        from bilan_core.testing.hosts import build_host

        host = build_host()
    return run_file(make_pipeline(folder, steps, **overrides), host)


def repository_examples() -> list[Path]:
    """The pipeline files of the repository's ``examples/``: the folder ``BILAN_EXAMPLES``
    names (the project's tox environments set it, since they test an installed wheel), else
    the checkout bilan-core runs from (an installed wheel has none)."""
    import os

    import bilan_core

    given = os.environ.get("BILAN_EXAMPLES")
    root = Path(given) if given else Path(bilan_core.__file__).resolve().parents[2] / "examples"
    return sorted(root.glob("*/pipeline.toml")) if root.is_dir() else []


def sample_pipelines(host: PluginHost, folder: Path,
                     steps: Sequence[str | Mapping[str, Any]] = (),
                     options: Mapping[str, Mapping[str, Any]] | None = None,
                     repository: bool = False) -> dict[str, Path]:
    """The pipeline files of the sample dossiers: name -> path.

    Every :data:`SAMPLES` pipeline is written in ``folder`` with ``steps`` added to its plan
    (each where its phase puts it, :func:`place_steps`) and ``options`` merged into its
    ``[plugin]`` sections. With ``repository``, the repository's examples are added as they
    are, when bilan-core runs from a source checkout (a host running them must load the
    first-party plugins they need, :data:`~bilan_core.testing.hosts.EXAMPLE_PLUGINS`).
    """
    paths = {}
    for name, overrides in SAMPLES.items():
        data = dict(overrides)
        planned = place_steps(host, data.pop("steps", BUILTIN_STEPS), steps)
        if options:
            data["plugin"] = _merged(data.get("plugin", {}), options)
        paths[name] = make_pipeline(folder / name, planned, **data)
    for path in repository_examples() if repository else ():
        paths[f"examples/{path.parent.name}"] = path
    return paths


def example_dossiers(host: PluginHost, folder: Path,
                     steps: Sequence[str | Mapping[str, Any]] = (),
                     options: Mapping[str, Mapping[str, Any]] | None = None,
                     repository: bool = False) -> dict[str, Dossier]:
    """The sample dossiers (:func:`sample_pipelines`), run with ``host``: name -> dossier."""
    return {name: run_file(path, host)
            for name, path in sample_pipelines(host, folder, steps, options, repository).items()}


def place_steps(host: PluginHost, plan: Sequence[str | Mapping[str, Any]],
                added: Sequence[str | Mapping[str, Any]]) -> list[str | Mapping[str, Any]]:
    """``plan`` with the ``added`` steps, each after the last planned step of its phase or an
    earlier one (the law orders the phases); :class:`LookupError` for a step the host does not
    know."""
    planned = list(plan)
    for step in added:
        step_id = step if isinstance(step, str) else str(step["id"])
        if step_id not in host.registry.steps:
            raise LookupError(f"step {step_id!r} is not registered; registered steps:"
                              f" {', '.join(sorted(host.registry.steps))}")
        rank = host.registry.steps[step_id].phase.rank
        position = 0
        for i, other in enumerate(planned):
            other_id = other if isinstance(other, str) else str(other["id"])
            if host.registry.steps[other_id].phase.rank <= rank:
                position = i + 1
        planned.insert(position, step)
    return planned
