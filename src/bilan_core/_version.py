"""The version of bilan-core, kept in one place so `bilan --version` imports nothing else."""

__version__ = "0.1.0"
