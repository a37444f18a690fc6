"""The core's scorer, a built-in plugin: it scores any instrument no other plugin scores, and
gives the norm tables an instrument ships for the group the counsellor chose."""

from __future__ import annotations

from bilan_core.markers import hookimpl
from bilan_core.model import Instrument, InstrumentResult, NormTable, Responses
from bilan_core.scoring.engine import score


@hookimpl(trylast=True)
def score_instrument(instrument: Instrument, responses: Responses,
                     norms: list[NormTable]) -> InstrumentResult:
    """Score with the core engine; plugins with their own scoring answer first."""
    return score(instrument, responses, norms)


@hookimpl
def instrument_norms(instrument: Instrument, group: str | None) -> list[NormTable]:
    """The instrument's own norm tables for the chosen group; none when no group is chosen."""
    if group is None:
        return []
    return [table for table in instrument.norms if table.group == group]
