"""Item statistics and Cronbach's alpha over many response sets: the start of local norms.

Computed with numpy: a scale's keyed item values are one ``(response sets, items)`` float
matrix, built in place from the answers (:func:`scale_matrix`), and every statistic is a
column or row operation on it. Only ``bilan instruments stats`` imports this module, so the
rest of the command line never loads numpy. ``benchmarks/scoring.py`` compares
:func:`cronbach_alpha` with numpy's textbook formula on the same matrix.

A statistic that cannot be computed is NaN: fewer than two complete response sets, fewer than
two items for alpha, or an item, a rest score or a total that does not vary (checked exactly,
so a constant column gives NaN and not the rounding noise of its variance).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from bilan_core.model import Answer, Instrument, Item, Method, ResponseFormat, Responses
from bilan_core.scoring.engine import item_contributions
from bilan_core.values import plain_repr

Matrix = npt.NDArray[np.float64]
NAN = float("nan")


def cronbach_alpha(matrix: Matrix | Sequence[Sequence[float]]) -> float:
    """``k / (k - 1) * (1 - sum(item variances) / variance(total))``; rows are respondents.

    NaN when there are fewer than two items or respondents, or when totals do not vary.
    """
    values = np.asarray(matrix, dtype=np.float64)
    if values.ndim != 2 or values.shape[0] < 2 or values.shape[1] < 2:
        return NAN
    k = values.shape[1]
    totals = values.sum(axis=1)
    total_variance = totals.var(ddof=1)
    if total_variance == 0 or totals.min() == totals.max():
        return NAN
    return float(k / (k - 1) * (1 - values.var(axis=0, ddof=1).sum() / total_variance))


@plain_repr
@attrs.frozen(repr=False)
class ItemStats:
    """One item's statistics within its scale."""

    item: str
    n: int
    mean: float
    sd: float
    item_total: float  # corrected: correlation with the total of the other items
    alpha_if_deleted: float


@plain_repr
@attrs.frozen(repr=False)
class ScaleStats:
    """A scale's statistics over the complete response sets."""

    scale: str
    n: int  # response sets with every item of the scale answered
    mean: float
    sd: float
    alpha: float
    items: tuple[ItemStats, ...]


def scale_matrix(instrument: Instrument, scale: str,
                 response_sets: Sequence[Responses]) -> tuple[list[str], Matrix]:
    """Keyed item values (reverse keys applied) of the complete response sets of one scale:
    one row per complete set, one column per item."""
    items = [item for item in instrument.items if scale in item.scales()
             and (item.format or instrument.response_scale.format) is not ResponseFormat.FREE_TEXT]
    ids = [item.id for item in items]
    # Listwise deletion: a set counts when it answers every item of the scale (an item with
    # no answer is the only one that adds nothing to its scales).
    complete = [responses.answers for responses in response_sets
                if all(responses.answers.get(item_id) is not None for item_id in ids)]
    keyed = [_keyed_value(instrument, item, scale) for item in items]
    pairs = list(zip(ids, keyed))
    matrix = np.fromiter((value(answers[item_id]) for answers in complete
                          for item_id, value in pairs),
                         dtype=np.float64, count=len(complete) * len(ids))
    return ids, matrix.reshape(len(complete), len(ids))


def _keyed_value(instrument: Instrument, item: Item,
                 scale: str) -> Callable[[Answer], float]:
    """What an answer to the item adds to the scale, remembered per answer."""
    known: dict[Any, float] = {}

    def value(answer: Answer) -> float:
        try:
            return known[answer]
        except KeyError:  # equal answers (3, 3.0, true and 1) add the same value
            found = item_contributions(instrument, item, answer)[scale]
            assert found is not None
            known[answer] = found
            return found
        except TypeError:  # unhashable
            found = item_contributions(instrument, item, answer)[scale]
            assert found is not None
            return found

    return value


def scale_statistics(instrument: Instrument,
                     response_sets: Sequence[Responses]) -> list[ScaleStats]:
    """Statistics of every scale and its items, by listwise deletion of incomplete sets."""
    out = []
    for scale in instrument.scales:
        ids, matrix = scale_matrix(instrument, scale.id, response_sets)
        n, k = matrix.shape
        sums = matrix.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            totals = sums if scale.method is Method.SUM else sums / k
            items = _item_statistics(ids, matrix, sums)
        out.append(ScaleStats(
            scale=scale.id, n=n,
            mean=float(totals.mean()) if n else NAN,
            sd=math.sqrt(totals.var(ddof=1)) if n > 1 else NAN,
            alpha=cronbach_alpha(matrix), items=items))
    return out


def _item_statistics(ids: list[str], matrix: Matrix, sums: Matrix) -> tuple[ItemStats, ...]:
    """Mean, SD, corrected item-total correlation and alpha if deleted, of every column."""
    n, k = matrix.shape
    if n == 0:
        return tuple(ItemStats(item=item_id, n=0, mean=NAN, sd=NAN, item_total=NAN,
                               alpha_if_deleted=NAN) for item_id in ids)
    rest = sums[:, None] - matrix  # each item's rest score: the total of the other items
    centred = matrix - matrix.mean(axis=0)
    rest_centred = rest - rest.mean(axis=0)
    sxx = _exact_zero((centred ** 2).sum(axis=0), matrix)
    syy = _exact_zero((rest_centred ** 2).sum(axis=0), rest)
    sxy = (centred * rest_centred).sum(axis=0)
    item_total = np.where((sxx == 0) | (syy == 0), NAN, sxy / np.sqrt(sxx * syy))
    # Alpha without item j: the other k - 1 variances over the variance of the rest score.
    variances = sxx / (n - 1) if n > 1 else np.full(k, NAN)
    alpha_if_deleted = np.full(k, NAN)
    if k > 2 and n > 1:
        without = k - 1
        alpha_if_deleted = np.where(
            syy == 0, NAN,
            without / (without - 1) * (1 - (variances.sum() - variances) / (syy / (n - 1))))
    means = matrix.mean(axis=0)
    return tuple(ItemStats(
        item=item_id, n=n, mean=float(means[j]),
        sd=math.sqrt(variances[j]) if n > 1 else NAN,
        item_total=float(item_total[j]) if n > 1 else NAN,
        alpha_if_deleted=float(alpha_if_deleted[j]))
        for j, item_id in enumerate(ids))


def _exact_zero(squares: Matrix, columns: Matrix) -> Matrix:
    """Sums of squared deviations, exactly 0 for the columns whose values are all equal."""
    return np.where(columns.min(axis=0) == columns.max(axis=0), 0.0, squares)
