"""The funder suite: :func:`funder_suite`."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

import attrs
import pytest

from bilan_core.testing.conformance._base import Subject, Suite, class_name, fail_if, make_suite
from bilan_core.testing.hosts import PluginSpec

if TYPE_CHECKING:
    from bilan_core.components import Funder, FundingRequest
    from bilan_core.model import FundingDecision


#: Where a rule without a start date starts, for sorting.
EARLIEST = date.min


@attrs.frozen
class FunderCase:
    """A funder under test, its decisions on the grid of requests, and the requests it
    failed on (with the error)."""

    subject: Subject
    funder: Funder
    decisions: tuple[tuple[FundingRequest, FundingDecision], ...]
    failures: tuple[tuple[FundingRequest, str], ...]


def _shown(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _request_text(request: FundingRequest) -> str:
    """A funding request on one line, as ``make_beneficiary`` arguments, for a failure
    message."""
    b = request.beneficiary
    fields = ", ".join(f"{k}={_shown(v)}" for k, v in attrs.asdict(b, recurse=False).items()
                       if v not in (None, False, 0, Decimal(0)) and k != "id")
    return (f"on {request.on.isoformat()}, price {request.price}, {request.hours} h,"
            f" qualiopi={request.provider_qualiopi}: {b.id} ({fields})")


class FunderChecks(Suite):
    """Conformance of one funder (see :func:`funder_suite`)."""

    funder_id: ClassVar[str]
    requests: ClassVar[int] = 200

    @staticmethod
    def _decide(subject: Subject, funder: Funder, request: FundingRequest) -> FundingDecision:
        """The funder's decision, called as ``bilan funding quote`` calls it: an exception
        or a result of another type is a :class:`~bilan_core.errors.HookError`."""
        from bilan_core.model import FundingDecision

        return subject.host.call_component(
            "register_funders", funder.id, f"funder {funder.id}", funder.decide, request,
            expect=FundingDecision)

    @classmethod
    def prepare(cls, tmp_path_factory: pytest.TempPathFactory) -> FunderCase:
        """The funder and its decisions on the grid, computed once for the class
        (``bilan_conformance``)."""
        from bilan_core.errors import BilanError
        from bilan_core.testing.generate import funding_requests

        subject = cls.subject()
        subject.check_owner("register_funders", cls.funder_id, "funder",
                            subject.host.registry.funders)
        funder = subject.host.registry.funders[cls.funder_id]
        decisions: list[tuple[FundingRequest, FundingDecision]] = []
        failures: list[tuple[FundingRequest, str]] = []
        for request in funding_requests(funder, cls.requests):
            try:
                decisions.append((request, cls._decide(subject, funder, request)))
            except BilanError as exc:
                failures.append((request, str(exc)))
        return FunderCase(subject, funder, tuple(decisions), tuple(failures))

    def _label(self, case: FunderCase) -> str:
        return f"funder {type(self).funder_id!r} of {case.subject.label}"

    def test_decides_every_request(self, bilan_conformance: FunderCase) -> None:
        """The funder answers every request of the grid (beneficiaries of every status,
        prices, hours and dates around its rules) with a FundingDecision naming it."""
        case = bilan_conformance
        problems = [f"{error}: {_request_text(r)}" for r, error in case.failures]
        problems += [f"decision names funder {d.funder!r}: {_request_text(r)}"
                     for r, d in case.decisions if d.funder != case.funder.id]
        fail_if(problems, f"{self._label(case)} does not answer every request in its name")

    def test_decisions_carry_a_trace_and_a_source(self, bilan_conformance: FunderCase) -> None:
        """Every decision carries its French trace (the conditions checked); every decision
        that is not a refusal also cites its source (the texts applied, which the
        counsellor's working notes print)."""
        from bilan_core.model import Eligibility

        case = bilan_conformance
        problems = [f"no trace ({d.eligibility.value}): {_request_text(r)}"
                    for r, d in case.decisions if not [t for t in d.trace if t.strip()]]
        problems += [f"no source ({d.eligibility.value}): {_request_text(r)}"
                     for r, d in case.decisions
                     if d.eligibility is not Eligibility.NOT_ELIGIBLE and not d.source.strip()]
        fail_if(problems, f"{self._label(case)} decides without saying why")

    def test_amounts_never_exceed_the_price(self, bilan_conformance: FunderCase) -> None:
        """What the funder covers and what the beneficiary pays out of pocket are 0 or
        more and together never more than the price; what remains is the price less what
        is covered."""
        case = bilan_conformance
        problems = []
        for request, d in case.decisions:
            price = request.price
            if not (0 <= d.covered <= price and 0 <= d.out_of_pocket <= price):
                problems.append(f"covers {d.covered}, out of pocket {d.out_of_pocket} for a"
                                f" price of {price}: {_request_text(request)}")
            elif d.covered + d.out_of_pocket > price:
                problems.append(f"covers {d.covered} plus {d.out_of_pocket} out of pocket,"
                                f" more than the price of {price}: {_request_text(request)}")
            elif d.remaining != price - d.covered:
                problems.append(f"leaves {d.remaining} for a price of {price} of which it"
                                f" covers {d.covered}: {_request_text(request)}")
        fail_if(problems, f"{self._label(case)} gives amounts beyond the price")

    def test_a_refusal_covers_nothing(self, bilan_conformance: FunderCase) -> None:
        """A decision *not eligible* covers nothing."""
        from bilan_core.model import Eligibility

        case = bilan_conformance
        problems = [f"refuses but covers {d.covered}: {_request_text(r)}"
                    for r, d in case.decisions
                    if d.eligibility is Eligibility.NOT_ELIGIBLE and d.covered]
        fail_if(problems, f"{self._label(case)} covers money it refuses")

    def test_decisions_are_deterministic(self, bilan_conformance: FunderCase) -> None:
        """The same request always gets the same decision (the funder keeps no state and
        reads no clock: dates come with the request)."""
        case = bilan_conformance
        problems = [f"decides differently the second time: {_request_text(r)}"
                    for r, d in case.decisions
                    if self._decide(case.subject, case.funder, r) != d]
        fail_if(problems, f"{self._label(case)} is not deterministic")

    def test_rule_versions_do_not_overlap(self, bilan_conformance: FunderCase) -> None:
        """The versions of one rule (the same id) are in force over periods that do not
        overlap (both dates inclusive; no end date: still in force)."""
        case = bilan_conformance
        problems = []
        rules = sorted(case.funder.rules, key=lambda r: (r.id, r.in_force_from or EARLIEST))
        for first, second in itertools.pairwise(rules):
            if first.id != second.id:
                continue
            ends = first.in_force_until
            starts = second.in_force_from or EARLIEST
            if ends is None or ends >= starts:
                problems.append(f"rule {first.id!r}: {_period(first)} overlaps"
                                f" {_period(second)}")
        fail_if(problems, f"{self._label(case)} has rules in force twice at once")

    def test_rules_are_well_formed(self, bilan_conformance: FunderCase) -> None:
        """Each rule names this funder, ends no earlier than it starts and cites its
        source."""
        case = bilan_conformance
        problems = []
        for rule in case.funder.rules:
            if rule.funder != case.funder.id:
                problems.append(f"rule {rule.id!r} names funder {rule.funder!r}")
            if (rule.in_force_from and rule.in_force_until
                    and rule.in_force_until < rule.in_force_from):
                problems.append(f"rule {rule.id!r} ends before it starts ({_period(rule)})")
            if not rule.source.strip():
                problems.append(f"rule {rule.id!r} ({_period(rule)}) cites no source")
        fail_if(problems, f"{self._label(case)} has ill-formed rules")


def _period(rule: Any) -> str:
    start = rule.in_force_from.isoformat() if rule.in_force_from else "always"
    end = rule.in_force_until.isoformat() if rule.in_force_until else "still in force"
    return f"{start} to {end}"


def funder_suite(funder_id: str, plugin: PluginSpec | None = None, *,
                 first_party: Sequence[str] = (), requests: int = 200) -> type:
    """A test class checking one funder a plugin registers.

    Its tests: every request gets a decision naming the funder; every decision carries a
    trace, and a source unless it is a refusal; amounts covered and paid out of pocket are
    never negative nor together more than the price, and what remains is the price less what
    is covered; a refusal covers nothing; decisions are deterministic; the versions of a
    rule do not overlap in time; every rule names the funder, has ordered dates and a
    source.

    Args:
        funder_id: The funder's id.
        plugin: The plugin registering it.
        first_party: Installed plugins it needs besides the core.
        requests: How many generated requests it answers (a deterministic grid:
            beneficiaries of every status and situation, prices from 50 € to 5 000 €,
            dates around each of its rules).

    Returns:
        A pytest test class: bind it to a name starting with ``Test``.
    """
    return make_suite(FunderChecks, class_name("TestFunder", funder_id), funder_id=funder_id,
                      plugin=plugin, first_party=tuple(first_party), requests=requests)


