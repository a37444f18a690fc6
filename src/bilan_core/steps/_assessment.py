"""Scoring the instruments a step names: shared by every step that administers instruments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from bilan_core.errors import HookError
from bilan_core.i18n import N_
from bilan_core.model import InstrumentResult, NormTable

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.pipeline import StepContext


def score_instruments(dossier: Dossier, step: StepContext) -> Dossier:
    """Score every instrument of the step that has responses, through the assessment hooks.

    For each: ``instrument_norms`` for the group chosen in ``[norms]``, ``score_instrument``
    (first result wins), then ``interpret_scores``; the result lands in ``dossier.results``.
    """
    host = step.host
    results = dict(dossier.results)
    for instrument_id in step.planned.instruments:
        responses = dossier.responses.get(instrument_id)
        if responses is None:
            continue
        instrument = host.registry.instruments[instrument_id]
        group = step.pipeline.norms.get(instrument_id)
        norms = [n for _, n in host.call_list("instrument_norms", NormTable,
                                              instrument=instrument, group=group)]
        found = host.call("score_instrument", firstresult=True, instrument=instrument,
                          responses=responses, norms=norms)
        if not found:
            dossier = dossier.warn(N_("no plugin can score instrument {instrument!r}"),
                                   instrument=instrument_id)
            continue
        plugin, result = found[0]
        if not isinstance(result, InstrumentResult):
            raise HookError(plugin, host.origin_of(plugin), "score_instrument", TypeError(
                f"returned {type(result).__name__}, expected InstrumentResult"))
        sentences = [s for _, s in host.call_list("interpret_scores", str,
                                                  instrument=instrument, result=result)]
        results[instrument_id] = attrs.evolve(
            result, interpretations=(*result.interpretations, *sentences))
        if result.flags:  # the flags themselves are French, in the counsellor's notes
            dossier = dossier.warn(N_("{instrument}: {count} validity flag(s) raised, see the"
                                      " counsellor's working notes"),
                                   instrument=instrument_id, count=len(result.flags))
    return attrs.evolve(dossier, results=results)
