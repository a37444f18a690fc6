"""bilan-rome: the occupations of the ROME 4.0 referential, for career matching."""

__version__ = "0.1.0"
