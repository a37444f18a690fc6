"""Every hook of bilan, grouped by family.

A plugin implements a hook by defining a function of the same name decorated with
``bilan_core.hookimpl``; it may accept any subset of the hook's arguments. Implementations run
newest plugin first (pluggy's order; ``tryfirst``/``trylast`` adjust it). The host calls every
hook itself, one implementation at a time, so that an exception names the plugin that raised it.
Hook wrappers are not supported.

Families:

- registration: called once when the host starts, to collect what plugins provide;
- pipeline lifecycle: called around a run and around each step;
- assessment: scoring, norms and interpretation of instruments;
- orientation: career options and the actions of the action plan;
- funding: funding decisions for a request;
- report: the sections of the synthèse.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bilan_core.markers import hookspec

if TYPE_CHECKING:
    import click

    from bilan_core.components import (
        Funder,
        FundingRequest,
        NormTable,
        OccupationSource,
        Renderer,
        StepDefinition,
    )
    from bilan_core.config.schema import Table
    from bilan_core.model import (
        Action,
        Audience,
        CareerOption,
        Dossier,
        FundingDecision,
        Instrument,
        InstrumentResult,
        ReportSection,
        Responses,
    )
    from bilan_core.pipeline import Pipeline, StepContext


class RegistrationSpecs:
    """Hooks called once at start-up; each receives a ``register`` callback.

    The host calls every implementation with its own callback, so it knows which plugin
    registered what; ids must be unique across plugins (a second registration of the same id
    is an error naming both plugins).
    """

    @hookspec
    def register_steps(self, register: Callable[[StepDefinition], None]) -> None:
        """Register the steps this plugin provides.

        Called once when the host starts. Call ``register(StepDefinition(...))`` for each step;
        its id is what a pipeline's ``[[steps]]`` entry names and its phase decides where it
        may stand. Return value ignored.

        .. versionadded:: 0.1
        """

    @hookspec
    def register_instruments(self, register: Callable[[Instrument], None]) -> None:
        """Register assessment instruments (questionnaires, inventories, tests).

        Called once when the host starts. Call ``register(Instrument(...))`` for each one; a
        pipeline's steps name instruments by id. Return value ignored.

        .. versionadded:: 0.1
        """

    @hookspec
    def register_funders(self, register: Callable[[Funder], None]) -> None:
        """Register funding routes (CPF, employer, a regional aid...).

        Called once when the host starts. Call ``register(Funder(...))`` for each route; every
        registered funder answers each funding request. Return value ignored.

        .. versionadded:: 0.1
        """

    @hookspec
    def register_occupation_sources(self, register: Callable[[OccupationSource], None]) -> None:
        """Register sources of occupations for career matching.

        Called once when the host starts. Call ``register(OccupationSource(...))``; sources are
        loaded lazily, when orientation needs them. Return value ignored.

        .. versionadded:: 0.1
        """

    @hookspec
    def register_renderers(self, register: Callable[[Renderer], None]) -> None:
        """Register output formats of the synthèse.

        Called once when the host starts. Call ``register(Renderer(...))``; its ``format`` is
        what ``[report] formats`` and ``--format`` name. Return value ignored.

        .. versionadded:: 0.1
        """

    @hookspec
    def register_commands(self, cli: click.Group) -> None:
        """Add subcommands to the ``bilan`` command line.

        Called when the CLI needs a command that is not built in (``bilan --help`` or an
        unknown command name); never for ``bilan --version``.

        :param cli: the ``bilan`` click group; call ``cli.add_command(...)``.

        .. versionadded:: 0.1
        """

    @hookspec
    def register_config_sections(self, register: Callable[[Table], None]) -> None:
        """Declare the schema of this plugin's section of the pipeline file.

        Called once when the host starts. ``register(Table({...}))`` declares the keys of the
        ``[plugin.NAME]`` table, NAME being the plugin's name; unknown keys in that table are
        rejected, and ``bilan schema`` includes it. Return value ignored.

        .. versionadded:: 0.1
        """


class PipelineSpecs:
    """Hooks called around a run of ``bilan run``, in this order: ``pipeline_start``, then for
    each step ``step_start`` and ``step_end``, then ``pipeline_end``. Return values are ignored:
    steps, not observers, change the dossier."""

    @hookspec
    def pipeline_start(self, pipeline: Pipeline, dossier: Dossier) -> None:
        """Called once before the first step, after the pipeline file has been validated.

        :param pipeline: the validated pipeline (its file, steps, plugin sections).
        :param dossier: the dossier as opened, before any step.

        .. versionadded:: 0.1
        """

    @hookspec
    def step_start(self, step: StepContext, dossier: Dossier) -> None:
        """Called before each step runs.

        :param step: the step's context (its planned hours, instruments and definition).
        :param dossier: the dossier the step will receive.

        .. versionadded:: 0.1
        """

    @hookspec
    def step_end(self, step: StepContext, dossier: Dossier) -> None:
        """Called after each step has run successfully.

        :param step: the step's context.
        :param dossier: the dossier the step returned.

        .. versionadded:: 0.1
        """

    @hookspec
    def pipeline_end(self, pipeline: Pipeline, dossier: Dossier) -> None:
        """Called once after the last step, before the reports are written.

        :param pipeline: the pipeline that ran.
        :param dossier: the final dossier.

        .. versionadded:: 0.1
        """


class AssessmentSpecs:
    """Hooks that score instruments and say what the scores mean."""

    @hookspec(firstresult=True)
    def score_instrument(
        self, instrument: Instrument, responses: Responses, norms: list[NormTable]
    ) -> InstrumentResult | None:
        """Score one instrument's responses. The first non-None result wins.

        Called by the needs analysis and the skills exploration steps for every instrument
        the step names that has responses. A plugin with its own scoring (an adaptive test,
        say) returns the result; others return None so that the next implementation answers.

        :param instrument: the registered instrument.
        :param responses: the beneficiary's answers, already checked against the items.
        :param norms: the norm tables of the group the counsellor chose (may be empty).

        .. versionadded:: 0.1
        """

    @hookspec
    def instrument_norms(self, instrument: Instrument, group: str | None) -> list[NormTable]:
        """Return norm tables for an instrument and group; all results are combined.

        Called before scoring. ``group`` is the label the counsellor chose in the pipeline
        (``[norms]``), or None; never infer it from the beneficiary.

        .. versionadded:: 0.1
        """

    @hookspec
    def interpret_scores(self, instrument: Instrument, result: InstrumentResult) -> list[str]:
        """Return French sentences interpreting a result; all results are concatenated.

        Called after scoring, once per scored instrument.

        .. versionadded:: 0.1
        """


class OrientationSpecs:
    """Hooks that propose career options and build the action plan."""

    @hookspec
    def career_options(self, dossier: Dossier) -> list[CareerOption]:
        """Return career options for this dossier; the host merges and ranks all of them.

        Called by the career options step. Each option carries a French explanation of why it
        is proposed. Options with the same id from several plugins keep the highest score.

        .. versionadded:: 0.1
        """

    @hookspec
    def plan_actions(self, dossier: Dossier, options: list[CareerOption]) -> list[Action]:
        """Return actions of the action plan for the options the beneficiary keeps.

        Called by the action plan step; all results are combined in plugin order, then sorted
        by due date.

        .. versionadded:: 0.1
        """


class FundingSpecs:
    """Hooks that answer funding requests."""

    @hookspec
    def funding_options(self, request: FundingRequest) -> list[FundingDecision]:
        """Return funding decisions for a request, besides those of registered funders.

        Called by the preparation step when the pipeline has a ``[funding]`` table; all
        results are combined.

        .. versionadded:: 0.1
        """


class ReportSpecs:
    """Hooks that contribute to the document de synthèse."""

    @hookspec
    def report_sections(self, dossier: Dossier, audience: Audience) -> list[ReportSection]:
        """Return the sections this plugin adds to the synthèse for one audience.

        Called once per audience at the end of the conclusions phase; sections are sorted by
        their ``order`` then id. Write user-facing text in French.

        Return only sections whose ``audience`` is the one asked for (``Audience.COUNSELLOR``
        must be set on a counsellor's section): the host keeps the audience each section
        declares and fails the run, naming the plugin, on a section for the other audience,
        so that working notes can never reach the beneficiary or a third party. Text typed by
        a person goes into a body through :func:`bilan_core.report.text.plain`.

        .. versionadded:: 0.1
        .. versionchanged:: 0.2
           A section for another audience than the one asked for is an error.
        """


#: Every family, in the order ``bilan hooks`` documents them.
FAMILIES: tuple[type, ...] = (
    RegistrationSpecs,
    PipelineSpecs,
    AssessmentSpecs,
    OrientationSpecs,
    FundingSpecs,
    ReportSpecs,
)


def family_of(hook_name: str) -> str:
    """The family a hook belongs to, named as in ``bilan hooks``."""
    for family in FAMILIES:
        if hook_name in vars(family):
            return family.__name__.removesuffix("Specs").lower()
    raise KeyError(hook_name)


def hook_names() -> list[str]:
    """Every hook name, by family then definition order."""
    return [name for family in FAMILIES for name in vars(family) if not name.startswith("_")]


def spec_signature(hook_name: str) -> Any:
    """The spec function of a hook, for documentation."""
    for family in FAMILIES:
        if hook_name in vars(family):
            return vars(family)[hook_name]
    raise KeyError(hook_name)
