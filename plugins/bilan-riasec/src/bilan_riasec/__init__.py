"""bilan-riasec: Inventaire d'intérêts professionnels RIASEC."""

__version__ = "0.1.0"
