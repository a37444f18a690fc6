"""Holland's RIASEC model: codes with ties, consistency, differentiation, congruence.

Conventions (docs/instruments.md): the six types in hexagon order R I A S E C; the distance between
types is ``min(|i - j|, 6 - |i - j|)``; a person's code is the top three types, ties reported,
never broken alphabetically; congruence indices average over every order of tied types
(Iachan 1990).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import attrs

from bilan_core.values import plain_repr

TYPES = "RIASEC"
NAMES = {"R": "Réaliste", "I": "Investigateur", "A": "Artistique", "S": "Social",
         "E": "Entreprenant", "C": "Conventionnel"}
IACHAN_W3 = ((22, 10, 4), (10, 5, 2), (4, 2, 1))
IACHAN_W2 = ((5, 2), (2, 1))


def distance(a: str, b: str) -> int:
    """Hexagon distance between two types (0 to 3)."""
    i, j = TYPES.index(a), TYPES.index(b)
    return min(abs(i - j), 6 - abs(i - j))


@plain_repr
@attrs.frozen(repr=False)
class HollandCode:
    """A person's code: the ranked groups of tied types, and every 3-letter order they allow."""

    groups: tuple[tuple[str, ...], ...]  # types by descending score, tied types together
    codes: tuple[str, ...]  # every code the ties allow, in hexagon order of the ties

    @property
    def code(self) -> str:
        """The first of the possible codes (ties in hexagon order); see :attr:`codes`."""
        return self.codes[0]

    @property
    def tied(self) -> bool:
        """Whether ties make several codes possible."""
        return len(self.codes) > 1

    def display(self) -> str:
        """``SEA``, or ``SE(A=I)`` when types tie across the three letters."""
        out, length = "", 0
        for group in self.groups:
            if length >= 3:
                break
            out += group[0] if len(group) == 1 else "(" + "=".join(group) + ")"
            length += len(group)
        return out


def holland_code(scores: Mapping[str, float], letters: int = 3) -> HollandCode:
    """The code of the top ``letters`` types; ties that cross the cut are kept as such."""
    ordered = sorted(TYPES, key=lambda t: (-scores[t], TYPES.index(t)))
    groups: list[tuple[str, ...]] = []
    for _, members in itertools.groupby(ordered, key=lambda t: scores[t]):
        groups.append(tuple(members))
    prefix: list[list[str]] = [[]]
    for tied in groups:
        need = letters - len(prefix[0])
        if need <= 0:
            break
        if len(tied) <= need:
            orders = list(itertools.permutations(tied))
        else:
            orders = list(itertools.permutations(tied, need))
        prefix = [p + list(o) for p in prefix for o in orders]
    kept = tuple(dict.fromkeys("".join(p) for p in prefix))
    shown: list[tuple[str, ...]] = []
    count = 0
    for tied in groups:
        if count >= letters:
            break
        shown.append(tied)
        count += len(tied)
    return HollandCode(groups=tuple(shown), codes=kept)


def consistency(code: str) -> str:
    """Consistency of the first two letters: élevée (adjacent), moyenne, faible (opposite)."""
    return {1: "élevée", 2: "moyenne", 3: "faible"}[distance(code[0], code[1])]


def differentiation_holland(scores: Mapping[str, float]) -> float:
    """Highest minus lowest score (Holland 1973)."""
    return max(scores.values()) - min(scores.values())


def differentiation_iachan(scores: Mapping[str, float]) -> float:
    """``X1 - (X2 + X4) / 2`` with Xk the k-th highest score (Iachan 1984)."""
    ranked = sorted(scores.values(), reverse=True)
    return ranked[0] - (ranked[1] + ranked[3]) / 2


def iachan_m(person: str, occupation: str) -> int:
    """Iachan's M index: 0 to 28 for three letters, 0 to 6 for two (perfect match)."""
    weights = IACHAN_W3 if len(occupation) == 3 and len(person) >= 3 else IACHAN_W2
    n = len(weights)
    return sum(weights[i][j] for i in range(n) for j in range(n)
               if i < len(person) and j < len(occupation) and person[i] == occupation[j])


def brown_gore_c(person: str, occupation: str) -> int:
    """Brown and Gore's C index: sum of ``(4 - i) (3 - d(P_i, E_i))``; 0 to 18 for 3 letters."""
    n = min(len(person), len(occupation), 3)
    return sum((3 - i) * (3 - distance(person[i], occupation[i])) for i in range(n))


def averaged(index: str, codes: Sequence[str], occupation: str) -> float:
    """An index averaged over every order a tied person code allows (Iachan 1990)."""
    function = iachan_m if index == "M" else brown_gore_c
    values = [function(code, occupation) for code in codes]
    return sum(values) / len(values)
