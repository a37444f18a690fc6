"""Rules of the law the runner applies, as data with dates and sources.

A rule is evaluated for the bilan's reference date: the same pipeline run for a date before a
rule came into force is not held to it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs


@attrs.frozen
class DatedRule:
    """A legal limit in force between two dates (both inclusive), with where it comes from."""

    id: str
    value: Decimal
    description: str
    source: str
    sureness: str  # "law" (read in the official text) or "3rd-party" (reported)
    in_force_from: date
    in_force_until: date | None = None

    def applies_on(self, day: date) -> bool:
        """Whether the rule is in force on that day."""
        return self.in_force_from <= day and (self.in_force_until is None
                                              or day <= self.in_force_until)


MAXIMUM_HOURS = DatedRule(
    id="maximum_hours",
    value=Decimal(24),
    description="un bilan de compétences dure 24 heures au plus",
    source="Code du travail, art. R6313-4",
    sureness="law",
    in_force_from=date(2019, 1, 1),
)

MINIMUM_HOURS = DatedRule(
    id="minimum_hours",
    value=Decimal(13),
    description="au moins 13 heures d'accompagnement effectif sur les trois phases",
    source="décret de 2026 rapporté par des prestataires, texte officiel non lu",
    sureness="3rd-party",
    in_force_from=date(2026, 1, 1),
)

#: Every dated rule the runner knows, for ``bilan validate`` and the docs.
RULES = (MAXIMUM_HOURS, MINIMUM_HOURS)


def maximum_hours(on: date) -> Decimal | None:
    """The legal maximum of hours on a date, or None before the rule."""
    return MAXIMUM_HOURS.value if MAXIMUM_HOURS.applies_on(on) else None


def minimum_hours(on: date, override: Decimal | None = None) -> Decimal | None:
    """The minimum of hours on a date; a pipeline's ``[rules] minimum_hours`` overrides it."""
    if override is not None:
        return override
    return MINIMUM_HOURS.value if MINIMUM_HOURS.applies_on(on) else None
