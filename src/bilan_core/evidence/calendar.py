"""Working days, for the CPF's declaration deadlines.

The entry into a bilan and its exit are declared on the CPF provider portal within three working
days (of.moncompteformation.gouv.fr, "Déclarer l'entrée en formation", "Comment déclarer le
service fait"). A working day here is Monday to Friday, except France's public holidays as the
``holidays`` package knows them (metropolitan France; Alsace-Moselle's two extra days with
``region="alsace-moselle"``).
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

#: Working days allowed to declare an entry or an exit on the CPF provider portal.
DECLARATION_DAYS = 3
#: Alsace-Moselle keeps Good Friday and 26 December as public holidays.
REGIONS = {"france": None, "alsace-moselle": "57"}


@functools.lru_cache(maxsize=64)
def _holidays(year: int, region: str) -> Any:
    import holidays  # imported here: only the evidence commands count working days

    return holidays.country_holidays("FR", subdiv=REGIONS[region], years=year)


def is_working_day(day: date, region: str = "france") -> bool:
    """Monday to Friday, and not a public holiday in France (or the region)."""
    return day.weekday() < 5 and day not in _holidays(day.year, region)


def add_working_days(day: date, count: int, region: str = "france") -> date:
    """The ``count``-th working day after ``day``."""
    current = day
    while count > 0:
        current += timedelta(days=1)
        if is_working_day(current, region):
            count -= 1
    return current


def working_days_between(start: date, end: date, region: str = "france") -> int:
    """Working days after ``start`` up to ``end`` included (negative when ``end`` is
    before ``start``)."""
    if end < start:
        return -working_days_between(end, start, region)
    return sum(1 for n in range(1, (end - start).days + 1)
               if is_working_day(start + timedelta(days=n), region))


def deadline_state(deadline: date, today: date, declared_on: date | None,
                   region: str = "france") -> str:
    """Where a declaration stands: ``declared`` (in time), ``late`` (declared after the
    deadline), ``due`` (time left), ``near`` (the deadline is today or the next working day)
    or ``past``."""
    if declared_on is not None:
        return "declared" if declared_on <= deadline else "late"
    if today > deadline:
        return "past"
    if working_days_between(today, deadline, region) <= 1:
        return "near"
    return "due"
