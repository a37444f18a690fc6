"""Generated inputs for the conformance suites: complete response sets of an instrument with
the bounds their scores must respect, and a grid of funding requests.

Everything is deterministic (a fixed seed), so a failure is found again on the next run.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bilan_core.components import Funder, FundingRequest
    from bilan_core.model import Answer, Instrument, Item

#: The levels of a complete response set: every item at its lowest, middle or highest answer.
LEVELS = ("min", "mid", "max")

#: The seed of the funding requests' grid.
SEED = 20261102


def _format(instrument: Instrument, item: Item) -> Any:
    return item.format or instrument.response_scale.format


def answer_at(instrument: Instrument, item: Item, level: str) -> Answer:
    """An item's answer at ``level`` (``min``, ``mid`` or ``max``)."""
    from bilan_core.model import ResponseFormat

    fmt = _format(instrument, item)
    if fmt is ResponseFormat.FREE_TEXT:
        return "Réponse libre : « à voir » & <rien>."
    if fmt is ResponseFormat.YES_NO:
        return level == "max"
    options = item.option_ids()
    if fmt is ResponseFormat.FORCED_CHOICE:
        return options[{"min": 0, "mid": len(options) // 2, "max": -1}[level]]
    if fmt is ResponseFormat.RANKING:
        return options if level != "max" else tuple(reversed(options))
    low, high = instrument.response_scale.bounds(fmt)
    return {"min": low, "mid": (low + high) // 2, "max": high}[level]


def complete_answers(instrument: Instrument, level: str) -> dict[str, Answer]:
    """Every item of the instrument answered at ``level``."""
    return {item.id: answer_at(instrument, item, level) for item in instrument.items}


def out_of_range(instrument: Instrument) -> tuple[str, Answer] | None:
    """An answer the instrument must refuse, for its first scored item: one more than its
    highest answer, an unknown option, or text for yes/no; None when every item is free
    text."""
    from bilan_core.model import ResponseFormat

    for item in instrument.items:
        fmt = _format(instrument, item)
        if fmt is ResponseFormat.FREE_TEXT:
            continue
        if fmt is ResponseFormat.YES_NO:
            return item.id, "peut-être"
        if fmt in (ResponseFormat.FORCED_CHOICE, ResponseFormat.RANKING):
            return item.id, "option-inconnue" if fmt is ResponseFormat.FORCED_CHOICE else (
                "option-inconnue",)
        return item.id, instrument.response_scale.bounds(fmt)[1] + 1
    return None


def contribution_bounds(instrument: Instrument, item: Item, scale: str
                        ) -> tuple[float, float] | None:
    """The lowest and highest values one item adds to a scale, or None when it adds none."""
    from bilan_core.model import ResponseFormat

    fmt = _format(instrument, item)
    if fmt is ResponseFormat.FREE_TEXT:
        return None
    if fmt in (ResponseFormat.FORCED_CHOICE, ResponseFormat.RANKING):
        mine = sum(1 for option in item.options if option.scale == scale)
        if not mine:
            return None
        count = len(item.options)
        if fmt is ResponseFormat.FORCED_CHOICE:
            return (0.0 if mine < count else 1.0), 1.0
        # ranking: n points for the first place, 1 for the last
        return float(sum(range(1, mine + 1))), float(sum(range(count - mine + 1, count + 1)))
    keys = [key for key in item.keys if key.scale == scale]
    if not keys:
        return None
    low, high = instrument.response_scale.bounds(fmt)
    weight = keys[-1].weight
    return min(low * weight, high * weight), max(low * weight, high * weight)


def mean_bounds(instrument: Instrument, scale: str) -> tuple[float, float] | None:
    """The range of a scale's mean item score (what one item adds, at least and at most),
    or None when no item counts towards it."""
    bounds = [b for item in instrument.items
              if (b := contribution_bounds(instrument, item, scale)) is not None]
    if not bounds:
        return None
    return min(b[0] for b in bounds), max(b[1] for b in bounds)


def raw_bounds(instrument: Instrument, scale: str) -> tuple[float, float] | None:
    """The range of a scale's raw score over complete response sets (a sum, or a mean for a
    scale of method ``mean``), or None when no item counts towards it."""
    from bilan_core.model import Method

    bounds = [b for item in instrument.items
              if (b := contribution_bounds(instrument, item, scale)) is not None]
    if not bounds:
        return None
    low, high = sum(b[0] for b in bounds), sum(b[1] for b in bounds)
    if instrument.scale(scale).method is Method.MEAN:
        return low / len(bounds), high / len(bounds)
    return low, high


#: Dates every funder is asked about, besides the boundaries of its own rules.
DATES = (date(2017, 6, 15), date(2019, 6, 3), date(2022, 6, 1), date(2024, 5, 1),
         date(2024, 6, 3), date(2025, 6, 2), date(2026, 2, 25), date(2026, 3, 2),
         date(2026, 11, 2), date(2030, 1, 7))
PRICES = (Decimal("50.00"), Decimal("99.99"), Decimal("1200.00"), Decimal("1800.00"),
          Decimal("2400.00"), Decimal("4999.99"))
PREVIOUS_FUNDERS = (None, "cpf", "employer", "opco", "france_travail", "agefiph", "faf",
                    "public_employer", "self", "region")
STATUSES = ("private_employee", "public_agent", "job_seeker", "self_employed")


def rule_dates(funder: Funder) -> list[date]:
    """The first and last days of the funder's rules, and the days around them."""
    days = set()
    for rule in funder.rules:
        for day in (rule.in_force_from, rule.in_force_until):
            if day is not None:
                days.update({day - timedelta(days=1), day, day + timedelta(days=1)})
    return sorted(days)


def _beneficiary_values(rng: random.Random, on: date, number: int) -> dict[str, Any]:
    status = rng.choice(STATUSES)
    values: dict[str, Any] = {
        "id": f"B-GRID-{number:04d}",
        "status": status,
        "rqth": rng.random() < 0.3,
        "cpf_balance": rng.choice((Decimal(0), Decimal("150.00"), Decimal("1200.00"),
                                   Decimal("3000.00"))),
        "employer": rng.choice((None, "Entreprise Exemple")),
        "employer_staff": rng.choice((None, 8, 49, 50, 320)),
        "years_of_service": rng.choice((None, Decimal("0.5"), Decimal(3), Decimal(12))),
        "c2p_points": rng.choice((0, 0, 0, 20)),
        "atmp_rate": rng.choice((0, 0, 0, 9, 10, 40)),
        "employer_top_up": rng.choice((Decimal(0), Decimal(0), Decimal("500.00"))),
        "working_time": rng.random() < 0.5,
        "address": rng.choice((None, "madame", "monsieur")),
    }
    years = rng.choice((None, None, 1, 4, 5, 6, 12))
    if years is not None:
        values["previous_bilan"] = on - timedelta(days=round(365.25 * years))
        values["previous_bilan_funder"] = rng.choice(PREVIOUS_FUNDERS)
    if status == "public_agent":
        values["public_branch"] = rng.choice((None, "FPE", "FPT", "FPH"))
        values["cpf_hours"] = rng.choice((None, Decimal(0), Decimal(40), Decimal(150)))
        values["employer"] = rng.choice((None, "Centre hospitalier", "Mairie de Villeneuve"))
    if status == "self_employed":
        values["faf"] = rng.choice((None, "FIF-PL", "AGEFICE", "FAFCEA"))
    return values


def funding_requests(funder: Funder, count: int, seed: int = SEED
                     ) -> Iterator[FundingRequest]:
    """``count`` funding requests: beneficiaries of every status and situation, prices from
    50 € to 5 000 €, 1 to 24 hours, on dates around each of the funder's rules and across
    the years since 2017; a provider without Qualiopi now and then."""
    from bilan_core.components import FundingRequest
    from bilan_core.testing.factories import make_beneficiary

    rng = random.Random(seed)
    days = sorted({*DATES, *rule_dates(funder)})
    for number in range(count):
        on = days[number % len(days)] if number < 2 * len(days) else rng.choice(days)
        yield FundingRequest(
            beneficiary=make_beneficiary(**_beneficiary_values(rng, on, number)),
            price=rng.choice(PRICES), hours=Decimal(rng.choice((1, 6, 12, 18, 24))), on=on,
            provider_qualiopi=rng.random() < 0.85)
