"""bilan-example-instrument, a bilan plugin.

It provides a questionnaire written in TOML, without Python.
"""

__version__ = "0.1.0"
