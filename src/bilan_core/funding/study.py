"""Studying a funding request: every funder's decision, then the combined plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from bilan_core.components import FundingRequest
from bilan_core.funding.plan import combine
from bilan_core.model import FundingDecision, FundingPlan

if TYPE_CHECKING:
    from bilan_core.plugins import PluginHost


def study(request: FundingRequest,
          host: PluginHost) -> tuple[list[FundingDecision], FundingPlan]:
    """Ask every registered funder, then the ``funding_options`` hook; combine the answers.

    A funder that raises, or answers with something else than a FundingDecision, fails the
    command naming the plugin that registered it.
    """
    decisions = [
        attrs.evolve(host.call_component("register_funders", funder_id, f"funder {funder_id}",
                                         funder.decide, request, expect=FundingDecision),
                     funds=funder.funds)
        for funder_id, funder in sorted(host.registry.funders.items())]
    decisions += [d for _, d in host.call_list("funding_options", FundingDecision,
                                               request=request)]
    return decisions, combine(request.price, decisions)
