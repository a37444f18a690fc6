"""Running a pipeline: open the dossier, run each step in legal order, write the results.

The dossier is the only state: each step receives it and returns a new one. The runner calls
the lifecycle hooks around the run and around each step, builds the synthèse from the
``report_sections`` hook, then renders every requested format.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from bilan_core.components import RenderContext, StepDefinition
from bilan_core.config.pipeline import Pipeline
from bilan_core.errors import RunError
from bilan_core.files import atomic_write
from bilan_core.model import (
    Audience,
    ConsentKind,
    Dossier,
    PlannedStep,
    ReportSection,
    Retention,
    StepRecord,
    Synthesis,
)
from bilan_core.model.serialize import dossier_to_json

if TYPE_CHECKING:
    from bilan_core.plugins import PluginHost

__all__ = ["Pipeline", "StepContext", "open_dossier", "run_pipeline", "write_outputs"]


@attrs.frozen
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
    )


def run_pipeline(pipeline: Pipeline, host: PluginHost) -> Dossier:
    """Run every step of the pipeline and return the final dossier, synthèse included."""
    dossier = open_dossier(pipeline)
    host.call("pipeline_start", pipeline=pipeline, dossier=dossier)
    for planned in pipeline.steps:
        definition = host.registry.steps[planned.id]
        owner = host.registry.owners[("register_steps", planned.id)]
        step = StepContext(definition, planned, pipeline, host, owner)
        host.call("step_start", step=step, dossier=dossier)
        result = host.call_component("register_steps", planned.id, f"step {planned.id}",
                                     definition.run, dossier, step, expect=Dossier)
        dossier = attrs.evolve(result, steps_done=(
            *result.steps_done, StepRecord(planned.id, planned.phase, planned.hours, owner)))
        host.call("step_end", step=step, dossier=dossier)
    dossier = attrs.evolve(dossier, synthesis=build_synthesis(dossier, host))
    host.call("pipeline_end", pipeline=pipeline, dossier=dossier)
    return dossier


def build_synthesis(dossier: Dossier, host: PluginHost) -> Synthesis:
    """Collect every plugin's report sections, for both audiences, in reading order."""
    sections: list[ReportSection] = []
    for audience in Audience:
        for plugin, section in host.call_list("report_sections", ReportSection,
                                              dossier=dossier, audience=audience):
            section = attrs.evolve(section, audience=audience,
                                   source=section.source or plugin)
            sections.append(section)
    sections.sort(key=lambda s: (list(Audience).index(s.audience), s.order, s.id))
    return Synthesis(sections=tuple(sections), written_on=dossier.reference_date)


def write_outputs(dossier: Dossier, pipeline_formats: tuple[str, ...], host: PluginHost,
                  output: Path) -> list[Path]:
    """Write ``dossier.json`` and the synthèse in every format; return the files written.

    Every file is written to a temporary name then renamed, so a failure never leaves a
    half-written file in place of one already saved.
    """
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunError(f"{output}: cannot create the output folder: {exc.strerror}") from None
    rendered: list[tuple[Path, bytes]] = [
        (output / "dossier.json", dossier_to_json(dossier).encode("utf-8"))]
    context = RenderContext(audience=Audience.BENEFICIARY.value)
    for fmt in pipeline_formats:
        renderer = host.registry.renderers[fmt]
        content = host.call_component("register_renderers", fmt, f"renderer {fmt}",
                                      renderer.render, dossier, context, expect=bytes)
        rendered.append((output / f"synthese.{renderer.extension}", content))
    for path, content in rendered:
        atomic_write(path, content)
    return [path for path, _ in rendered]
