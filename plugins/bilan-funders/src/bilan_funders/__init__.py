"""bilan-funders: one plugin module per funding route of a bilan de compétences.

Every rule is data with its dates (both inclusive) and its source; see ``bilan funding rules``.
Facts and how sure they are: the project's ``bilan-facts.md``.
"""

__version__ = "0.1.0"
