"""bilan-pdf: the synthèse as a PDF, printed from the core's HTML with WeasyPrint.

A plugin of its own so that the core does not depend on WeasyPrint and its system libraries.
"""

__version__ = "0.1.0"
