"""bilan-example-section, a bilan plugin.

It provides a section of the synthèse, for the beneficiary and for the counsellor.
"""

__version__ = "0.1.0"
