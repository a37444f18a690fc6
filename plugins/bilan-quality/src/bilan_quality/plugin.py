"""The satisfaction and six-month follow-up questionnaires, registered as instruments."""

from __future__ import annotations

from bilan_core import hookimpl
from bilan_core.instruments import packaged_instruments


@hookimpl
def register_instruments(register):  # type: ignore[no-untyped-def]
    for instrument in packaged_instruments(__package__):
        register(instrument)
