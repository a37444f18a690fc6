"""The step suite: :func:`step_suite`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest

from bilan_core.testing.conformance._base import Subject, Suite, class_name, fail_if, make_suite
from bilan_core.testing.hosts import PluginSpec

if TYPE_CHECKING:
    from bilan_core.model import Dossier


@attrs.frozen
class StepRun:
    """One run of a pipeline planning the step: the dossier before and after it."""

    name: str
    before: Dossier | None
    after: Dossier | None
    final: Dossier | None
    error: str | None


class StepChecks(Suite):
    """Conformance of one step (see :func:`step_suite`)."""

    step_id: ClassVar[str]
    options: ClassVar[Mapping[str, Any] | None] = None
    pipeline: ClassVar[Mapping[str, Any] | None] = None

    @classmethod
    def _plugin_section(cls, subject: Subject) -> dict[str, Any]:
        owner = subject.owner("register_steps", cls.step_id)
        return {owner: dict(cls.options)} if cls.options and owner else {}

    @classmethod
    def _run(cls, subject: Subject, folder: Path, name: str, plan: Sequence[str]) -> StepRun:
        from bilan_core.config.pipeline import Overrides, load_pipeline
        from bilan_core.errors import BilanError
        from bilan_core.pipeline import open_dossier, run_steps
        from bilan_core.testing.factories import make_pipeline

        overrides = dict(cls.pipeline or {})
        overrides["plugin"] = {**overrides.get("plugin", {}), **cls._plugin_section(subject)}
        path = make_pipeline(folder / name, plan, **overrides)
        seen: list[Dossier] = []
        try:
            pipeline = load_pipeline(path, subject.host, Overrides(formats=("json",)))
            dossier = open_dossier(pipeline)
            seen.append(dossier)

            def after_step(done: Dossier, step_id: str) -> Dossier:
                seen.append(done)
                return done

            final = run_steps(pipeline, subject.host, dossier, after_step)
        except BilanError as exc:
            return StepRun(name, None, None, None, str(exc))
        index = [p.id for p in pipeline.steps].index(cls.step_id)
        return StepRun(name, seen[index], seen[index + 1], final, None)

    @classmethod
    def prepare(cls, tmp_path_factory: pytest.TempPathFactory) -> list[StepRun]:
        """Two runs of the step, computed once for the class (``bilan_conformance``): alone
        in a pipeline, and among the built-in steps (after those of its phase and the
        earlier ones)."""
        from bilan_core.testing.factories import BUILTIN_STEPS, place_steps

        subject = cls.subject()
        subject.check_owner("register_steps", cls.step_id, "step", subject.host.registry.steps)
        folder = tmp_path_factory.mktemp(f"step-{cls.step_id}")
        builtin = [s for s in BUILTIN_STEPS if s != cls.step_id]
        return [cls._run(subject, folder, "alone", [cls.step_id]),
                cls._run(subject, folder, "among-built-in-steps",
                         [str(s) for s in place_steps(subject.host, builtin, [cls.step_id])])]

    def _label(self) -> str:
        return f"step {type(self).step_id!r} of {type(self).subject().label}"

    def test_is_registered_with_a_title_and_a_phase(self) -> None:
        """The plugin registers the step with an id, a title on one line and a legal phase
        (preliminary, investigation, conclusions)."""
        from bilan_core.components import StepDefinition
        from bilan_core.model import Phase

        cls = type(self)
        subject = cls.subject()
        subject.check_owner("register_steps", cls.step_id, "step", subject.host.registry.steps)
        step: StepDefinition = subject.host.registry.steps[cls.step_id]
        assert step.title.strip() and "\n" not in step.title, (
            f"{self._label()} has title {step.title!r}: write one line")
        assert isinstance(step.phase, Phase), f"{self._label()} has phase {step.phase!r}"

    def test_runs_alone_in_a_minimal_pipeline(self, bilan_conformance: list[StepRun]) -> None:
        """A pipeline planning only this step runs to its end, synthèse included."""
        run = bilan_conformance[0]
        assert run.error is None, f"{self._label()} fails alone in a pipeline: {run.error}"

    def test_runs_among_the_built_in_steps(self, bilan_conformance: list[StepRun]) -> None:
        """A pipeline planning the built-in steps and this one (where its phase puts it)
        runs to its end, synthèse included."""
        run = bilan_conformance[1]
        assert run.error is None, f"{self._label()} fails among the built-in steps: {run.error}"

    def test_keeps_what_it_was_given(self, bilan_conformance: list[StepRun]) -> None:
        """The step returns the dossier it received, enriched: the dossier's id, date,
        beneficiary, provider, consents, plan, steps done, responses, branding, recipients
        and retention are unchanged, and warnings and ``extra`` entries are only added to."""
        problems = []
        for run in bilan_conformance:
            if run.before is None or run.after is None:
                continue
            for field in ("id", "reference_date", "beneficiary", "provider", "consents", "plan",
                          "responses", "branding", "recipients", "retention"):
                if getattr(run.before, field) != getattr(run.after, field):
                    problems.append(f"{run.name}: it changes the dossier's {field}")
            if run.after.steps_done[:-1] != run.before.steps_done:
                problems.append(f"{run.name}: it changes the steps done before it")
            if run.after.warnings[:len(run.before.warnings)] != run.before.warnings:
                problems.append(f"{run.name}: it removes or changes earlier warnings")
            lost = sorted(set(run.before.extra) - set(run.after.extra))
            if lost:
                problems.append(f"{run.name}: it drops extra entries {lost}")
        fail_if(problems, f"{self._label()} loses what the dossier held")

    def test_leaves_a_dossier_that_saves_and_reads_back(
            self, bilan_conformance: list[StepRun]) -> None:
        """The final dossier is saved as ``bilan run`` and the store save it (JSON) and
        reads back to the same JSON: everything the step put in it is data."""
        from bilan_core.model.serialize import dossier_from_json, dossier_to_json

        problems = []
        for run in bilan_conformance:
            if run.final is None:
                continue
            try:
                text = dossier_to_json(run.final)
                again = dossier_to_json(dossier_from_json(text))
            except Exception as exc:  # what the step stored is the test's subject
                problems.append(f"{run.name}: {type(exc).__name__}: {exc}")
                continue
            if again != text:
                problems.append(f"{run.name}: the dossier read back differs from the one saved")
        fail_if(problems, f"{self._label()} leaves a dossier that cannot be saved")

    def test_is_deterministic(self, bilan_conformance: list[StepRun],
                              tmp_path_factory: pytest.TempPathFactory) -> None:
        """The same pipeline run twice gives the same dossier (the step keeps no state)."""
        from bilan_core.model.serialize import dossier_to_json

        cls = type(self)
        first = bilan_conformance[0]
        if first.final is None:
            pytest.skip("the step does not run alone (see test_runs_alone_in_a_minimal_pipeline)")
        again = cls._run(cls.subject(), tmp_path_factory.mktemp("again"), "alone", [cls.step_id])
        assert again.final is not None, f"{self._label()} fails the second time: {again.error}"
        try:
            texts = dossier_to_json(first.final), dossier_to_json(again.final)
        except (TypeError, ValueError):
            pytest.skip("the dossier cannot be saved (see"
                        " test_leaves_a_dossier_that_saves_and_reads_back)")
        assert texts[0] == texts[1], f"{self._label()} gives another dossier the second time"

    def test_config_section_suits_the_notes_form(self) -> None:
        """Every labelled key of the plugin's ``[plugin.NAME]`` section (a counsellor's
        note) has a kind the web notes form can show (text, lines, choices, a number, a
        date, a flag, rows of labelled keys named by an ``id_key``); its choice labels name
        its choices; the section's defaults pass its own checks."""
        from bilan_core.config.notes import widget
        from bilan_core.config.schema import ArrayOf, Context, ListOf

        cls = type(self)
        subject = cls.subject()
        owner = subject.owner("register_steps", cls.step_id)
        table = subject.host.registry.config_sections.get(owner) if owner else None
        if table is None:
            pytest.skip(f"{subject.label} declares no configuration section"
                        f" ([plugin.{owner or cls.step_id}])")
        problems = []
        for key, field in table.fields.items():
            if not field.label:
                continue
            if not isinstance(field.label, str) or not field.label.strip():
                problems.append(f"{key}: the label {field.label!r} is blank")
            shape = widget(field.kind)
            if shape is None:
                rows = (" (rows need an id_key and a label on every key)"
                        if isinstance(field.kind, ArrayOf) else "")
                problems.append(f"{key}: a {type(field.kind).__name__} cannot be shown on the"
                                f" notes form{rows}")
            kind = field.kind.item if isinstance(field.kind, ListOf) else field.kind
            choices = set(getattr(kind, "choices", None) or ())
            problems += [f"{key}: choice label for {value!r}, which is not a choice"
                         for value, _label in field.choice_labels if value not in choices]
        try:
            table.check({}, ("plugin", owner or ""), Context())
        except Exception as exc:  # the section's own checks are the test's subject
            if not any(f.required for f in table.fields.values()):
                problems.append(f"an empty section fails its own checks: {exc}")
        fail_if(problems, f"the [plugin.{owner}] section of {subject.label} does not suit"
                " the notes form")


def step_suite(step_id: str, plugin: PluginSpec | None = None, *,
               first_party: Sequence[str] = (), options: Mapping[str, Any] | None = None,
               pipeline: Mapping[str, Any] | None = None) -> type:
    """A test class checking one step a plugin registers.

    Its tests: the step is registered with a title and a legal phase; it runs alone in a
    minimal pipeline and among the built-in steps, up to the synthèse; it keeps what the
    dossier held; the dossier saves and reads back; a second run gives the same dossier;
    the labelled keys of its section suit the web notes form.

    Args:
        step_id: The step's id.
        plugin: The plugin registering it.
        first_party: Installed plugins it needs besides the core.
        options: The plugin's ``[plugin.NAME]`` section in the pipelines it runs in.
        pipeline: Other keys of those pipelines (see
            :func:`bilan_core.testing.factories.make_pipeline`), e.g.
            ``{"funding": {"price": "1800.00"}}``.

    Returns:
        A pytest test class: bind it to a name starting with ``Test``.
    """
    return make_suite(StepChecks, class_name("TestStep", step_id), step_id=step_id,
                      plugin=plugin, first_party=tuple(first_party), options=options,
                      pipeline=pipeline)


