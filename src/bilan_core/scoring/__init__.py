"""The scoring engine: raw and prorated scale scores, norm scores, bands and validity flags."""

from bilan_core.scoring.engine import score

__all__ = ["score"]
