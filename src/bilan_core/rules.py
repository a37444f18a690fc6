"""Rules of the law the runner applies, as data with dates and sources.

A rule is evaluated for the bilan's reference date: the same pipeline run for a date before a
rule came into force is not held to it. Descriptions and sources are English texts marked for
the catalog: messages show them in the command line's language (:attr:`DatedRule.text`).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs

from bilan_core.i18n import N_, _
from bilan_core.values import plain_repr


@plain_repr
@attrs.frozen(repr=False)
class DatedRule:
    """A legal limit in force between two dates (both inclusive), with where it comes from."""

    id: str
    value: Decimal
    description: str
    source: str
    sureness: str  # a key of bilan_core.model.common.SURENESS
    in_force_from: date
    in_force_until: date | None = None
    applies_to: str = "every bilan"

    def applies_on(self, day: date) -> bool:
        """Whether the rule is in force on that day."""
        return self.in_force_from <= day and (self.in_force_until is None
                                              or day <= self.in_force_until)

    @property
    def text(self) -> str:
        """``description (source)`` in the command line's language."""
        return f"{_(self.description)} ({_(self.source)})"


MAXIMUM_HOURS = DatedRule(
    id="maximum_hours",
    value=Decimal(24),
    description=N_("a bilan de compétences lasts 24 hours at most"),
    source=N_("Code du travail, art. R6313-4 (loi 2018-771 of 5 September 2018)"),
    sureness="law",
    in_force_from=date(2019, 1, 1),
)

#: Before 2019 the 24-hour limit was the limit of the congé de bilan de compétences: the
#: working time an employee took for it. A bilan outside working time could be longer.
MAXIMUM_LEAVE_HOURS = DatedRule(
    id="maximum_hours",
    value=Decimal(24),
    description=N_("the congé de bilan de compétences may not exceed 24 hours of working time,"
                   " consecutive or not"),
    source=N_("loi 91-1405 of 31 December 1991, art. L931-22 of the Code du travail (L6322-44"
              " from 2008, repealed on 1 January 2019 by loi 2018-771)"),
    sureness="likely",
    in_force_from=date(1992, 1, 1),
    in_force_until=date(2018, 12, 31),
    applies_to="a bilan on working time (congé de bilan)",
)

MINIMUM_HOURS = DatedRule(
    id="minimum_hours",
    value=Decimal(13),
    description=N_("at least 13 hours of effective accompaniment over the three phases"),
    source=N_("a 2026 decree reported by providers, official text not read"),
    sureness="3rd-party",
    in_force_from=date(2026, 1, 1),
)

#: How long documents kept with the beneficiary's written agreement may be kept, in months,
#: counted from the end of the bilan (R6313-7); a pipeline may lower it, never raise it.
RETENTION_CEILING = DatedRule(
    id="retention_ceiling",
    value=Decimal(12),
    description=N_("documents kept with the beneficiary's written agreement, for the follow-up"
                   " of their situation, are kept one year at most after the end of the bilan"),
    source=N_("Code du travail, art. R6313-7, as quoted by providers (January 2024, July"
              " 2025); the rule before 2019 was one year too"),
    sureness="likely",
    in_force_from=date(1992, 1, 1),
)

#: Every dated rule the runner knows, for ``bilan validate`` and the docs.
RULES = (MAXIMUM_HOURS, MAXIMUM_LEAVE_HOURS, MINIMUM_HOURS, RETENTION_CEILING)


def maximum_hours_rule(on: date, working_time: bool = True) -> DatedRule | None:
    """The rule limiting a bilan's hours on a date: every bilan from 2019, only the working
    time of a congé de bilan before; None when no limit applies."""
    if MAXIMUM_HOURS.applies_on(on):
        return MAXIMUM_HOURS
    if MAXIMUM_LEAVE_HOURS.applies_on(on) and working_time:
        return MAXIMUM_LEAVE_HOURS
    return None


def maximum_hours(on: date, working_time: bool = True) -> Decimal | None:
    """The legal maximum of hours on a date, or None when no limit applies."""
    rule = maximum_hours_rule(on, working_time)
    return rule.value if rule is not None else None


def retention_months(on: date, lowered: Decimal | None = None) -> Decimal | None:
    """How many months after the end of the bilan kept documents may be kept; a pipeline's
    ``[rules] retention_months`` may lower the ceiling (the caller refuses a higher one)."""
    if not RETENTION_CEILING.applies_on(on):
        return lowered
    if lowered is not None:
        return min(lowered, RETENTION_CEILING.value)
    return RETENTION_CEILING.value


def minimum_hours(on: date, override: Decimal | None = None) -> Decimal | None:
    """The minimum of hours on a date; a pipeline's ``[rules] minimum_hours`` overrides it."""
    if override is not None:
        return override
    return MINIMUM_HOURS.value if MINIMUM_HOURS.applies_on(on) else None
