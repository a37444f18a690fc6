"""Looking up dated funding rules."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bilan_core.model import FundingRule


def rule_on(rules: Iterable[FundingRule], rule_id: str, day: date) -> FundingRule | None:
    """The version of rule ``rule_id`` in force on ``day``, or None.

    A rule id may have several versions (the CPF flat participation changes each year); their
    periods must not overlap.
    """
    found = [r for r in rules if r.id == rule_id and r.applies_on(day)]
    if len(found) > 1:
        raise ValueError(f"rule {rule_id!r} has overlapping versions on {day.isoformat()}")
    return found[0] if found else None
