"""Item statistics and Cronbach's alpha over many response sets: the start of local norms.

Pure Python (the core does not depend on numpy); ``benchmarks/scoring.py`` compares it with a
numpy computation of the same numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import attrs

from bilan_core.model import Instrument, ResponseFormat, Responses
from bilan_core.scoring.engine import item_contributions


def variance(values: Sequence[float]) -> float:
    """Sample variance (n - 1)."""
    n = len(values)
    if n < 2:
        return float("nan")
    mean = sum(values) / n
    return sum((v - mean) ** 2 for v in values) / (n - 1)


def cronbach_alpha(matrix: Sequence[Sequence[float]]) -> float:
    """``k / (k - 1) * (1 - sum(item variances) / variance(total))``; rows are respondents.

    NaN when there are fewer than two items or respondents, or when totals do not vary.
    """
    if len(matrix) < 2 or len(matrix[0]) < 2:
        return float("nan")
    k = len(matrix[0])
    columns = list(zip(*matrix))
    item_variance = sum(variance(column) for column in columns)
    total_variance = variance([sum(row) for row in matrix])
    if total_variance == 0:
        return float("nan")
    return k / (k - 1) * (1 - item_variance / total_variance)


def pearson(x: Sequence[float], y: Sequence[float]) -> float:
    """Pearson's correlation; NaN when either series is constant."""
    n = len(x)
    mx, my = sum(x) / n, sum(y) / n
    sxy = sum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = sum((a - mx) ** 2 for a in x)
    syy = sum((b - my) ** 2 for b in y)
    if sxx == 0 or syy == 0:
        return float("nan")
    return sxy / math.sqrt(sxx * syy)


@attrs.frozen
class ItemStats:
    """One item's statistics within its scale."""

    item: str
    n: int
    mean: float
    sd: float
    item_total: float  # corrected: correlation with the total of the other items
    alpha_if_deleted: float


@attrs.frozen
class ScaleStats:
    """A scale's statistics over the complete response sets."""

    scale: str
    n: int  # response sets with every item of the scale answered
    mean: float
    sd: float
    alpha: float
    items: tuple[ItemStats, ...]


def scale_matrix(instrument: Instrument, scale: str,
                 response_sets: Sequence[Responses]) -> tuple[list[str], list[list[float]]]:
    """Keyed item values (reverse keys applied) of the complete response sets of one scale."""
    items = [item for item in instrument.items if scale in item.scales()
             and (item.format or instrument.response_scale.format) is not ResponseFormat.FREE_TEXT]
    rows = []
    for responses in response_sets:
        row = []
        for item in items:
            value = item_contributions(instrument, item, responses.answers.get(item.id)).get(scale)
            if value is None:
                break
            row.append(value)
        else:
            rows.append(row)
    return [item.id for item in items], rows


def scale_statistics(instrument: Instrument,
                     response_sets: Sequence[Responses]) -> list[ScaleStats]:
    """Statistics of every scale and its items, by listwise deletion of incomplete sets."""
    out = []
    for scale in instrument.scales:
        ids, rows = scale_matrix(instrument, scale.id, response_sets)
        totals = [sum(row) if scale.method.value == "sum" else sum(row) / len(row)
                  for row in rows]
        item_stats = []
        for j, item_id in enumerate(ids):
            column = [row[j] for row in rows]
            rest = [sum(row) - row[j] for row in rows]
            without = [row[:j] + row[j + 1:] for row in rows]
            item_stats.append(ItemStats(
                item=item_id, n=len(column),
                mean=sum(column) / len(column) if column else float("nan"),
                sd=math.sqrt(variance(column)) if len(column) > 1 else float("nan"),
                item_total=pearson(column, rest) if len(column) > 1 else float("nan"),
                alpha_if_deleted=cronbach_alpha(without) if len(ids) > 2 else float("nan")))
        out.append(ScaleStats(
            scale=scale.id, n=len(rows),
            mean=sum(totals) / len(totals) if totals else float("nan"),
            sd=math.sqrt(variance(totals)) if len(totals) > 1 else float("nan"),
            alpha=cronbach_alpha(rows), items=tuple(item_stats)))
    return out
