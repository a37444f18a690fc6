"""bilan-skills: Auto-évaluation des compétences transversales et parcours."""

__version__ = "0.1.0"
