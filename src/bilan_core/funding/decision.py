"""Building a funder's decision with the French trace of every condition checked."""

from __future__ import annotations

from decimal import Decimal

from bilan_core.components import Funder, FundingRequest
from bilan_core.model import Eligibility, FundingDecision
from bilan_core.steps._text import euros, french_date

PASSED = "✔"
FAILED = "✘"
UNKNOWN = "?"


def money(amount: Decimal) -> str:
    """``1 950,00 €``."""
    return euros(amount)


def date_fr(day: object) -> str:
    """A date in French, for traces."""
    from datetime import date

    assert isinstance(day, date)
    return french_date(day)


class Decision:
    """Collects the checks of one funder for one request, then builds its FundingDecision.

    ``check`` records a condition and whether it passed; a failed condition makes the decision
    *not eligible*, an unknown one (None) *to be checked*, unless something already failed.
    """

    def __init__(self, funder: Funder | str, name: str, request: FundingRequest) -> None:
        self.funder = funder.id if isinstance(funder, Funder) else funder
        self.name = name
        self.request = request
        self.trace: list[str] = []
        self.paperwork: list[str] = []
        self.failed = False
        self.unknown = False
        self.sources: list[str] = []

    def check(self, passed: bool | None, text: str) -> bool | None:
        """Record a condition, in French; returns ``passed`` for chaining."""
        mark = {True: PASSED, False: FAILED, None: UNKNOWN}[passed]
        self.trace.append(f"{mark} {text}")
        if passed is False:
            self.failed = True
        elif passed is None:
            self.unknown = True
        return passed

    def note(self, text: str) -> None:
        """Record a fact that is not a condition (an amount, a name, a date)."""
        self.trace.append(f"· {text}")

    def need(self, paperwork: str) -> None:
        """A document or step the beneficiary or provider must complete."""
        if paperwork not in self.paperwork:
            self.paperwork.append(paperwork)

    def cite(self, source: str) -> None:
        """A source of the rules applied."""
        if source and source not in self.sources:
            self.sources.append(source)

    def not_eligible(self) -> FundingDecision:
        """The decision when a condition failed: nothing covered, the whole price remains."""
        return self._build(Eligibility.NOT_ELIGIBLE, Decimal(0), self.request.price)

    def decide(self, covered: Decimal, out_of_pocket: Decimal = Decimal(0),
               tops_up: bool = False) -> FundingDecision:
        """The decision from the conditions recorded: covered amount and what remains.

        Neither the amount covered nor what the beneficiary pays out of pocket can exceed the
        price: when a flat participation is more than the price, the beneficiary pays the
        price and the route covers nothing. ``tops_up`` marks a route that only adds to
        another one (see :attr:`FundingDecision.tops_up`).
        """
        if self.failed:
            return self.not_eligible()
        price = self.request.price
        out_of_pocket = max(Decimal(0), min(out_of_pocket, price))
        covered = max(Decimal(0), min(covered, price - out_of_pocket))
        remaining = price - covered
        status = Eligibility.TO_CHECK if self.unknown else Eligibility.ELIGIBLE
        return self._build(status, covered, remaining, out_of_pocket, tops_up)

    def _build(self, status: Eligibility, covered: Decimal, remaining: Decimal,
               out_of_pocket: Decimal = Decimal(0),
               tops_up: bool = False) -> FundingDecision:
        return FundingDecision(
            funder=self.funder, name=self.name, eligibility=status, covered=covered,
            remaining=remaining, paperwork=tuple(self.paperwork), trace=tuple(self.trace),
            source="; ".join(self.sources), out_of_pocket=out_of_pocket, tops_up=tops_up)
