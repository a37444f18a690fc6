"""bilan-example-aide-regionale, a bilan plugin.

It provides a regional aid to the bilan de compétences, its rules as dated data.
"""

__version__ = "0.1.0"
