"""The combined funding plan: the eligible routes that leave the beneficiary the least to pay.

Every route is either *primary* (it pays for the bilan: CPF, employer plan, OPCO, France
Travail, public employer...) or one that only *tops up* another route (``tops_up``: an Agefiph
aid, a regional aid). The plan takes the primary route leaving the least to pay (ties: the larger
amount covered, then the funder id), then adds the complements, largest first, each up to what
it covers and what is still uncovered. Routes *to be checked* are never counted: they are
listed so the counsellor checks them.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from bilan_core.model import Eligibility, FundingDecision, FundingPlan, PlanLine
from bilan_core.steps._text import euros


def combine(price: Decimal, decisions: Sequence[FundingDecision]) -> FundingPlan:
    """The plan for a price from the funders' decisions."""
    eligible = [d for d in decisions if d.eligibility is Eligibility.ELIGIBLE and d.covered > 0]
    to_check = tuple(d.name for d in decisions if d.eligibility is Eligibility.TO_CHECK)
    primary = [d for d in eligible if not d.tops_up]
    complements = sorted((d for d in eligible if d.tops_up),
                         key=lambda d: (-d.covered, d.funder))
    lines: list[PlanLine] = []
    uncovered = price
    out_of_pocket = Decimal(0)
    if primary:
        best = min(primary, key=lambda d: (d.remaining, -d.covered, d.funder))
        if best.covered > 0:
            lines.append(PlanLine(best.funder, best.name, best.covered))
        uncovered -= best.covered + best.out_of_pocket
        out_of_pocket = best.out_of_pocket
    for extra in complements:
        if uncovered <= 0:
            break
        amount = min(extra.covered, uncovered)
        lines.append(PlanLine(extra.funder, extra.name, amount))
        uncovered -= amount
    uncovered = max(uncovered, Decimal(0))
    remaining = uncovered + out_of_pocket
    if lines:
        parts = " + ".join(f"{line.name} {euros(line.amount)}" for line in lines)
        explanation = f"Prix {euros(price)} : {parts} ; reste à votre charge {euros(remaining)}"
        if out_of_pocket:
            explanation += f" (dont participation forfaitaire {euros(out_of_pocket)})"
        explanation += "."
    else:
        explanation = (f"Aucun financement n'est acquis à ce stade : reste à votre charge"
                       f" {euros(price)}.")
    if to_check:
        explanation += " À vérifier : " + ", ".join(to_check) + "."
    return FundingPlan(price=price, lines=tuple(lines), remaining=remaining,
                       out_of_pocket=out_of_pocket, to_check=to_check,
                       explanation=explanation)
