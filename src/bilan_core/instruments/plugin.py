"""Instruments a pipeline names by path (``instruments = ["mon-questionnaire.toml"]``).

They are registered through the same hook as a plugin's, by a plugin object the host loads
under the name ``pipeline-instruments``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bilan_core.markers import hookimpl
from bilan_core.model import Instrument

PLUGIN_NAME = "pipeline-instruments"


class PipelineInstruments:
    """A plugin registering instruments already loaded from the pipeline's files."""

    def __init__(self, instruments: Sequence[Instrument]) -> None:
        self.instruments = list(instruments)

    @hookimpl
    def register_instruments(self, register: Callable[[Instrument], None]) -> None:
        for instrument in self.instruments:
            register(instrument)
