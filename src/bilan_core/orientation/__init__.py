"""Orientation: matching a beneficiary with occupations, and building the action plan."""
