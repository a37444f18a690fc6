"""Running a pipeline: open the dossier, run each step in legal order, write the results.

The dossier is the only state: each step receives it and returns a new one. The runner calls
the lifecycle hooks around the run and around each step, builds the synthèse from the
``report_sections`` hook, then renders every requested format.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from bilan_core.components import RenderContext, StepDefinition
from bilan_core.config.pipeline import Pipeline
from bilan_core.errors import HookError, UsageError
from bilan_core.i18n import _
from bilan_core.model import (
    Audience,
    ConsentKind,
    Dossier,
    Phase,
    PlannedStep,
    ReportSection,
    Retention,
    StepRecord,
    Synthesis,
)
from bilan_core.model.serialize import dossier_to_json
from bilan_core.outputs import OutputFile, write_folder
from bilan_core.steps._text import french_date
from bilan_core.values import plain_repr

if TYPE_CHECKING:
    from bilan_core.plugins import PluginHost

__all__ = ["Pipeline", "StepContext", "open_dossier", "run_pipeline", "run_steps",
           "write_outputs"]


@plain_repr
@attrs.frozen(repr=False)
class StepContext:
    """What a step may use besides the dossier: its plan, its options and the host's hooks."""

    definition: StepDefinition
    planned: PlannedStep
    pipeline: Pipeline
    host: PluginHost
    plugin: str  # the plugin that registered the step

    @property
    def id(self) -> str:
        """The step's id."""
        return self.definition.id

    @property
    def options(self) -> dict[str, Any]:
        """The ``[plugin.NAME]`` section of the plugin that registered the step."""
        return self.pipeline.options(self.plugin)


def open_dossier(pipeline: Pipeline) -> Dossier:
    """A new dossier for a pipeline: who, with whom, what is planned, what was agreed."""
    retention = Retention()
    kept = [c for c in pipeline.consents
            if c.kind is ConsentKind.RETENTION and c.in_force(pipeline.reference_date)]
    if kept:
        until = max(c.until for c in kept if c.until is not None)
        retention = Retention(
            keep_until=until,
            basis=f"conservation jusqu'au {until:%d/%m/%Y} avec l'accord écrit du bénéficiaire",
        )
    return Dossier(
        id=pipeline.id,
        reference_date=pipeline.reference_date,
        beneficiary=pipeline.beneficiary,
        provider=pipeline.provider,
        consents=pipeline.consents,
        plan=pipeline.steps,
        responses=dict(pipeline.responses),
        retention=retention,
        recipients=pipeline.recipients,
        warnings=pipeline.warnings,
        branding=pipeline.branding,
    )


def run_pipeline(pipeline: Pipeline, host: PluginHost) -> Dossier:
    """Run every step of the pipeline and return the final dossier, synthèse included."""
    return run_steps(pipeline, host, open_dossier(pipeline))


def run_steps(pipeline: Pipeline, host: PluginHost, dossier: Dossier,
              after_step: Callable[[Dossier, str], Dossier] | None = None) -> Dossier:
    """Run the planned steps the dossier has not done yet, in order, then build the synthèse.

    ``after_step(dossier, step_id)`` is called after each step (the store saves the dossier
    there, so that a later failure leaves the steps before it done); it returns the dossier
    to go on with.
    """
    done = {record.id for record in dossier.steps_done}
    host.call("pipeline_start", pipeline=pipeline, dossier=dossier)
    for planned in pipeline.steps:
        if planned.id in done:
            continue
        before = before_step(pipeline, dossier, planned)
        if before is not None:
            raise UsageError(before)
        definition = host.registry.steps[planned.id]
        owner = host.registry.owners[("register_steps", planned.id)]
        step = StepContext(definition, planned, pipeline, host, owner)
        host.call("step_start", step=step, dossier=dossier)
        result = host.call_component("register_steps", planned.id, f"step {planned.id}",
                                     definition.run, dossier, step, expect=Dossier)
        dossier = attrs.evolve(result, steps_done=(
            *result.steps_done, StepRecord(planned.id, planned.phase, planned.hours, owner)))
        host.call("step_end", step=step, dossier=dossier)
        if after_step is not None:
            dossier = after_step(dossier, planned.id)
    dossier = attrs.evolve(dossier, synthesis=build_synthesis(dossier, host))
    host.call("pipeline_end", pipeline=pipeline, dossier=dossier)
    return dossier


def before_step(pipeline: Pipeline, dossier: Dossier, planned: PlannedStep) -> str | None:
    """Why a step may not run now, or None: the investigation phase needs the beneficiary's
    consent to the bilan (L6313-4), which a dossier of the store records over time."""
    if planned.phase is not Phase.INVESTIGATION or dossier.has_consent(ConsentKind.BILAN):
        return None
    return _("step {step!r} is in the investigation phase and needs the beneficiary's"
             " recorded consent to the bilan, on or before {date} (Code du travail"
             " L6313-4)").format(step=planned.id, date=dossier.reference_date.isoformat())


def build_synthesis(dossier: Dossier, host: PluginHost) -> Synthesis:
    """Collect every plugin's report sections, for both audiences, in reading order.

    Each section keeps the audience its plugin declared: the host asks for the sections of one
    audience at a time and a plugin that answers with a section of the other audience fails
    the run, named (a counsellor's note must never reach the beneficiary's document or a
    third party's copy because a plugin mislabelled it).
    """
    sections: list[ReportSection] = []
    for position, extra in enumerate(dossier.branding.sections):
        sections.append(ReportSection(
            id=f"provider-{position + 1}", title=extra.title, body=extra.body,
            order=extra.order, audience=extra.audience, source="provider"))
    for audience in Audience:
        for plugin, section in host.call_list("report_sections", ReportSection,
                                              dossier=dossier, audience=audience):
            if section.audience is not audience:
                raise HookError(plugin, host.origin_of(plugin), "report_sections", ValueError(
                    _("returned section {section!r} for the audience {audience!r} when asked"
                      " for {asked!r}").format(section=section.id,
                                               audience=section.audience.value,
                                               asked=audience.value)))
            sections.append(section if section.source else attrs.evolve(section, source=plugin))
    sections.sort(key=lambda s: (list(Audience).index(s.audience), s.order, s.id))
    return Synthesis(sections=tuple(sections), written_on=dossier.reference_date)


def sharing_notice(dossier: Dossier, recipient: str, on: date | None = None) -> str:
    """The notice on a copy sent to a third party; refuses without a consent in force on
    ``on`` (the day the copy is made, for a dossier of the store; by default the dossier's
    reference date)."""
    day = on or dossier.reference_date
    consents = [c for c in dossier.consents if c.kind is ConsentKind.SHARING
                and c.recipient == recipient and c.in_force(day)]
    if not consents:
        raise UsageError(_(
            "refused: the dossier records no sharing consent for {recipient!r}; results go"
            " to the beneficiary only (Code du travail L6313-4)").format(recipient=recipient))
    given = consents[0].given_on
    return (f"Exemplaire transmis à « {recipient} » avec l'accord du bénéficiaire"
            f" (consentement recueilli le {french_date(given)}).")


def for_audience(dossier: Dossier, audience: Audience) -> Dossier:
    """The dossier a renderer sees: its synthèse holds only the sections of ``audience``.

    Renderers are plugins; the host, not each renderer, keeps the counsellor's sections out of
    the beneficiary's document and out of the copies sent to third parties.
    """
    if dossier.synthesis is None:
        return dossier
    kept = dossier.synthesis.for_audience(audience)
    return attrs.evolve(dossier, synthesis=attrs.evolve(dossier.synthesis, sections=kept))


def render_outputs(dossier: Dossier, formats: tuple[str, ...], host: PluginHost,
                   audience: Audience = Audience.BENEFICIARY,
                   recipient: str | None = None, on: date | None = None) -> list[OutputFile]:
    """Every format of one document.

    The beneficiary's document is ``synthese.<ext>``, a copy for a recipient
    ``synthese-<recipient>.<ext>`` (only with a sharing consent), the counsellor's working
    notes ``notes-consultant.<ext>`` (never sent to a third party).
    """
    options: dict[str, Any] = {}
    stem, kind = "synthese", "synthesis"
    shared = recipient not in (None, "beneficiary")
    if audience is Audience.COUNSELLOR:
        if shared:
            raise UsageError(_("the counsellor's working notes are not sent to third parties"))
        stem, kind = "notes-consultant", "notes"
    elif shared:
        assert recipient is not None
        options["shared_with"] = sharing_notice(dossier, recipient, on)
        stem = f"synthese-{recipient}"
    context = RenderContext(audience=audience.value, options=options)
    seen = for_audience(dossier, audience)
    rendered = []
    for fmt in formats:
        renderer = host.registry.renderers[fmt]
        content = host.call_component("register_renderers", fmt, f"renderer {fmt}",
                                      renderer.render, seen, context, expect=bytes)
        rendered.append(OutputFile(f"{stem}.{renderer.extension}", content, kind=kind,
                                   audience=audience.value,
                                   recipient=recipient if shared else None))
    return rendered


def write_outputs(dossier: Dossier, pipeline_formats: tuple[str, ...], host: PluginHost,
                  output: Path, *, replace: bool = False,
                  say: Callable[[str], None] = lambda line: None) -> list[Path]:
    """Write ``dossier.json``, the synthèse in every format, and a copy for each recipient
    the beneficiary agreed to, as the whole content of ``output``; return the files written.

    Everything is rendered before anything is written, then put in place as one step
    (:func:`bilan_core.outputs.write_folder`): a failure or a kill leaves the previous set.
    """
    rendered = render_all(dossier, pipeline_formats, host)
    return write_folder(output, dossier.id, rendered, replace=replace, say=say)


def render_all(dossier: Dossier, formats: tuple[str, ...], host: PluginHost,
               on: date | None = None) -> list[OutputFile]:
    """``dossier.json`` and the synthèse in every format, with a copy for each recipient the
    beneficiary agreed to (a consent in force on ``on``, by default the reference date)."""
    rendered = [OutputFile("dossier.json", dossier_to_json(dossier).encode(), kind="dossier")]
    for recipient in dossier.recipients:
        rendered += render_outputs(dossier, formats, host, recipient=recipient, on=on)
    return rendered
