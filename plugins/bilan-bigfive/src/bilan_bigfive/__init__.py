"""bilan-bigfive: Inventaire de personnalité en cinq facteurs."""

__version__ = "0.1.0"
