"""The work values inventory, and the ranking of the beneficiary's values."""

from __future__ import annotations

from bilan_core import hookimpl
from bilan_core.instruments import packaged_instruments
from bilan_core.model import Instrument, InstrumentResult

INSTRUMENT_ID = "valeurs"


@hookimpl
def register_instruments(register):  # type: ignore[no-untyped-def]
    for instrument in packaged_instruments(__package__):
        register(instrument)


def ranking(instrument: Instrument, result: InstrumentResult) -> list[tuple[str, float]]:
    """The values by mean score, highest first (ties in the instrument's order)."""
    scored = [(instrument.scale(s.scale).name, s.mean) for s in result.scales
              if s.mean is not None]
    order = {name: i for i, (name, _) in enumerate(scored)}
    return sorted(((n, m) for n, m in scored if m is not None),
                  key=lambda pair: (-pair[1], order[pair[0]]))


@hookimpl
def interpret_scores(instrument: Instrument, result: InstrumentResult) -> list[str]:
    """One sentence naming the three values that matter most, and the least important one."""
    if instrument.id != INSTRUMENT_ID:
        return []
    ranked = ranking(instrument, result)
    if len(ranked) < 4:
        return []

    def show(pair: tuple[str, float]) -> str:
        return f"{pair[0]} ({pair[1]:.1f})".replace(".", ",")

    top = ", ".join(show(pair) for pair in ranked[:3])
    return [f"Ce qui compte le plus pour vous dans le travail : {top}."
            f" Ce qui compte le moins : {show(ranked[-1])}."]
