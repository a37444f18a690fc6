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
    sureness: str  # "law" (read in the official text), "likely", "3rd-party" (reported)
    in_force_from: date
    in_force_until: date | None = None
    applies_to: str = "every bilan"

    def applies_on(self, day: date) -> bool:
        """Whether the rule is in force on that day."""
        return self.in_force_from <= day and (self.in_force_until is None
                                              or day <= self.in_force_until)


MAXIMUM_HOURS = DatedRule(
    id="maximum_hours",
    value=Decimal(24),
    description="un bilan de compétences dure 24 heures au plus",
    source="Code du travail, art. R6313-4 (loi 2018-771 du 5 septembre 2018)",
    sureness="law",
    in_force_from=date(2019, 1, 1),
)

#: Before 2019 the 24-hour limit was the limit of the congé de bilan de compétences: the
#: working time an employee took for it. A bilan outside working time could be longer.
MAXIMUM_LEAVE_HOURS = DatedRule(
    id="maximum_hours",
    value=Decimal(24),
    description="le congé de bilan de compétences ne peut excéder 24 heures de temps de"
                " travail, consécutives ou non",
    source="loi 91-1405 du 31 décembre 1991, art. L931-22 du Code du travail (devenu"
           " L6322-44 en 2008, abrogé au 1er janvier 2019 par la loi 2018-771)",
    sureness="likely",
    in_force_from=date(1992, 1, 1),
    in_force_until=date(2018, 12, 31),
    applies_to="a bilan on working time (congé de bilan)",
)

MINIMUM_HOURS = DatedRule(
    id="minimum_hours",
    value=Decimal(13),
    description="au moins 13 heures d'accompagnement effectif sur les trois phases",
    source="décret de 2026 rapporté par des prestataires, texte officiel non lu",
    sureness="3rd-party",
    in_force_from=date(2026, 1, 1),
)

#: How long documents kept with the beneficiary's written agreement may be kept, in months,
#: counted from the end of the bilan (R6313-7); a pipeline may lower it, never raise it.
RETENTION_CEILING = DatedRule(
    id="retention_ceiling",
    value=Decimal(12),
    description="les documents conservés avec l'accord écrit du bénéficiaire pour le suivi"
                " de sa situation le sont un an au plus après la fin du bilan",
    source="Code du travail, art. R6313-7, tel que cité par des prestataires (janvier 2024,"
           " juillet 2025) ; la règle d'avant 2019 était aussi d'un an",
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
