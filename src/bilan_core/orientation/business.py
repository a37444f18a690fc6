"""Business creation or takeover, an option of its own (the seed's accompaniment to starting
a business), matched like an occupation from an entrepreneurial profile."""

from __future__ import annotations

from bilan_core.model import Occupation

#: An entrepreneurial profile: enterprising and conventional interests, the skills and values
#: that running a small business asks and offers. Scored with the occupations; it carries a
#: placeholder ROME-like code of its own (never shown as a ROME code).
BUSINESS_CREATION = Occupation(
    code="N0000",  # replaced below by an id; the code only satisfies the model
    title="Création ou reprise d'entreprise",
    riasec="ECS",
    skills=("organisation", "autonomie", "resolution", "relation_usager", "stress"),
    values=("autonomie", "accomplissement", "creativite", "remuneration"),
    training_months=2,
    access=("Accompagnement à la création d'entreprise (CCI, CMA, BGE, France Travail)",),
    source="bilan : profil entrepreneurial de référence",
)

OPTION_ID = "creation-entreprise"
