"""bilan-journal: a SQLite journal of pipeline runs."""

__version__ = "0.1.0"
