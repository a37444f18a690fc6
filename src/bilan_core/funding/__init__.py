"""Funding: the tools funder plugins use (rules as dated data, decisions with their French
trace) and the combined funding plan. The funders themselves are plugins (bilan-funders)."""

from bilan_core.funding.decision import Decision, money
from bilan_core.funding.plan import combine
from bilan_core.funding.rules import rule_on

__all__ = ["Decision", "combine", "money", "rule_on"]
