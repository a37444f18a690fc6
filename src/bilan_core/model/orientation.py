"""Occupations (métiers of the ROME referential) as career matching reads them."""

from __future__ import annotations

import re
from typing import Any

import attrs

from bilan_core.i18n import N_, _
from bilan_core.model.common import as_tuple, identifier, non_empty
from bilan_core.values import plain_repr

ROME_CODE = re.compile(r"^[A-N]\d{4}$")
RIASEC_LETTERS = "RIASEC"

#: The 14 large domains of ROME 4.0, by the letter that starts their codes.
ROME_DOMAINS = {
    "A": "Agriculture et pêche, espaces naturels et espaces verts, soins aux animaux",
    "B": "Arts et façonnage d'ouvrages d'art",
    "C": "Banque, assurance, immobilier",
    "D": "Commerce, vente et grande distribution",
    "E": "Communication, média et multimédia",
    "F": "Construction, bâtiment et travaux publics",
    "G": "Hôtellerie-restauration, tourisme, loisirs et animation",
    "H": "Industrie",
    "I": "Installation et maintenance",
    "J": "Santé",
    "K": "Services à la personne et à la collectivité",
    "L": "Spectacle",
    "M": "Support à l'entreprise",
    "N": "Transport et logistique",
}


def _rome_code(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not ROME_CODE.match(value):
        raise ValueError(_("{field} must be a ROME code such as M1607, got {value!r}").format(
            field=attribute.name, value=value))


def _riasec(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if (not isinstance(value, str) or not 1 <= len(value) <= 3
            or any(c not in RIASEC_LETTERS for c in value) or len(set(value)) != len(value)):
        raise ValueError(_("{field} must be 1 to 3 distinct letters of RIASEC,"
                           " got {value!r}").format(field=attribute.name, value=value))


#: Working conditions an occupation may carry, and a beneficiary may need to avoid (health,
#: family, mobility): the one vocabulary of occupations' ``conditions`` and of the
#: ``avoid`` and ``discuss`` settings of career matching.
CONDITIONS = ("port de charges", "station debout prolongée", "gestes répétitifs",
              "travail en hauteur", "travail en extérieur", "environnement bruyant",
              "contact avec le public", "conduite", "horaires décalés", "travail de nuit",
              "travail le week-end", "déplacements fréquents", "mobilité géographique")

#: What a prerequisite is, and its name for the terminal.
PREREQUISITE_KINDS = {"diploma": N_("diploma"), "experience": N_("experience"),
                      "licence": N_("licence"), "other": N_("other")}


@plain_repr
@attrs.frozen(repr=False)
class Prerequisite:
    """What an occupation asks before its own training: a prior diploma, experience in a
    named field, a licence. ``months`` is the usual time an adult needs to obtain it."""

    id: str = attrs.field(validator=identifier)
    kind: str = attrs.field(validator=attrs.validators.in_(PREREQUISITE_KINDS))
    text: str = attrs.field(validator=non_empty)  # French
    months: int = attrs.field(default=0, validator=[attrs.validators.instance_of(int),
                                                      attrs.validators.ge(0),
                                                      attrs.validators.le(240)])


@plain_repr
@attrs.frozen(repr=False)
class Occupation:
    """A métier: its ROME code and title, its RIASEC letters and what it asks and offers.

    ``riasec`` holds the major letter first (two letters when the source gives a major and a
    minor, as the official ROME file does). ``skills`` and ``values`` are scale ids of the
    skills and values instruments matching uses; ``conditions`` (from :data:`CONDITIONS`) are
    working conditions a beneficiary may have to avoid; ``prerequisites`` what the occupation
    asks before its own training (``training_months``).
    """

    code: str = attrs.field(validator=_rome_code)
    title: str = attrs.field(validator=non_empty)
    riasec: str | None = attrs.field(default=None,
                                     validator=attrs.validators.optional(_riasec))
    skills: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    values: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    level: int | None = None  # qualification level to enter, 3 (CAP) to 8 (doctorat)
    training_months: int | None = None  # typical training for an adult changing career
    access: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    prerequisites: tuple[Prerequisite, ...] = attrs.field(default=(), converter=as_tuple)
    conditions: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    nearby: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    estimated: bool = True  # RIASEC letters estimated by the project, not official
    source: str = ""

    @property
    def domain(self) -> str:
        """The ROME large domain's letter."""
        return self.code[0]
