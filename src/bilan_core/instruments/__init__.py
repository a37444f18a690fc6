"""Instruments written in TOML: the loader, and the built-in plugin that registers the files a
pipeline or a plugin names."""

from bilan_core.instruments.loader import (
    INSTRUMENT,
    load_instrument,
    packaged_instruments,
)

__all__ = ["INSTRUMENT", "load_instrument", "packaged_instruments"]
