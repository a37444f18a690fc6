"""bilan-quality: questionnaires de satisfaction de fin de bilan et de suivi à six mois."""
