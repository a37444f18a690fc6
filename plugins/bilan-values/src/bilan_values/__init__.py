"""bilan-values: Inventaire des valeurs professionnelles."""

__version__ = "0.1.0"
