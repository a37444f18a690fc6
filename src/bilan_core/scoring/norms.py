"""Norm-referenced scores: z, T, percentile rank, stanine, sten, and the SEM band.

Formulas (docs/instruments.md, from the project's psychometrics conventions):

- ``z = (X - M) / SD``, rounded to 9 decimals so that a value on a cut point always lands on
  the same side (``(10.3 - 10) / 1.2`` is ``0.25000000000000006`` in floating point);
- ``T = 50 + 10 z``;
- percentile rank, midpoint method: ``100 * (below + 0.5 * equal) / N`` when the norm table
  gives the raw-score distribution, else the normal curve;
- stanine ``clip(floor(2z + 0.5) + 5, 1, 9)``; sten ``clip(floor(2z) + 6, 1, 10)``;
- ``SEM = SD * sqrt(1 - r)``; the 95 % band is ``X +- 1.96 SEM``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bilan_core.i18n import _

Z_DECIMALS = 9


def z_score(raw: float, mean: float, sd: float) -> float:
    """``(raw - mean) / sd``, rounded so cut points are stable."""
    return round((raw - mean) / sd, Z_DECIMALS)


def t_score(z: float) -> float:
    """``50 + 10 z``."""
    return round(50 + 10 * z, 6)


def stanine(z: float) -> int:
    """Standard nine: cut points at z = +-0.25, +-0.75, +-1.25, +-1.75."""
    return min(9, max(1, math.floor(2 * z + 0.5) + 5))


def sten(z: float) -> int:
    """Standard ten: cut points at z = 0, +-0.5, +-1, +-1.5, +-2."""
    return min(10, max(1, math.floor(2 * z) + 6))


def percentile_midpoint(raw: float, distribution: Sequence[tuple[float, int]]) -> float:
    """Percentile rank by the midpoint method over ``(raw score, count)`` pairs."""
    total = sum(count for _, count in distribution)
    if total <= 0:
        raise ValueError(_("an empty distribution has no percentile ranks"))
    below = sum(count for value, count in distribution if value < raw)
    equal = sum(count for value, count in distribution if value == raw)
    return 100 * (below + 0.5 * equal) / total


def percentile_normal(z: float) -> float:
    """Percentile rank under the normal curve."""
    return 100 * 0.5 * (1 + math.erf(z / math.sqrt(2)))


def sem(sd: float, reliability: float) -> float:
    """Standard error of measurement ``SD * sqrt(1 - r)``."""
    return sd * math.sqrt(1 - reliability)


def sem_band(raw: float, sd: float, reliability: float) -> tuple[float, float]:
    """The 95 % band ``raw +- 1.96 SEM``."""
    half = 1.96 * sem(sd, reliability)
    return round(raw - half, 4), round(raw + half, 4)
