"""Career matching: RIASEC congruence, transferable skills, values fit, constraints.

For each occupation:

- **congruence**: Iachan's M and Brown & Gore's C between the beneficiary's Holland code and
  the occupation's letters, each divided by its maximum (M: 28 for three letters, 6 for two;
  C: 18 for three letters, 15 for two) so occupations with two and three letters rank together,
  and averaged; when the person's code has ties, each index is averaged over every order the
  ties allow (Iachan 1990); an occupation with two letters is compared with the first two
  letters of the person's code;
- **skills**: the share of the occupation's skills that are the beneficiary's strengths (a mean
  self-rating of 3.5 or more on the skills instrument);
- **values**: the share of the occupation's values that matter to the beneficiary (a mean of
  4 or more on the values inventory, or the top three);
- the **score** is the weighted mean of the parts known (default weights 0.5, 0.3, 0.2);
- **constraints** the counsellor enters rule an occupation out, with the reason: training
  longer than allowed (counting the time to obtain its missing prerequisites), a
  qualification level above the maximum, an excluded domain, a working condition the
  beneficiary must avoid (health, family, mobility: ``avoid``); a condition to ``discuss``
  keeps the occupation and names the condition in its explanation;
- **prerequisites** the beneficiary does not hold (``holds``) make the occupation a longer
  route: the explanation names them, and it is never shown as a short training.

Ranking is deterministic: score descending, then congruence descending, then code ascending.
:func:`rank` scores every occupation but builds the :class:`Match` (shared skills, missing
prerequisites, the reason for an exclusion) only of those read: a run shows ten of
thousands. The congruence is computed once per distinct letters in a call: few exist.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, overload

import attrs

from bilan_core import riasec
from bilan_core.model import InstrumentResult, Occupation, Prerequisite
from bilan_core.values import plain_repr

if TYPE_CHECKING:
    from bilan_core.model import Dossier

STRENGTH = 3.5
IMPORTANT_VALUE = 4.0


@plain_repr
@attrs.frozen(repr=False)
class Profile:
    """What matching knows of the beneficiary."""

    codes: tuple[str, ...] = ()  # every Holland code the ties allow; empty: no interests
    strengths: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    skill_names: Mapping[str, str] = attrs.field(factory=dict)
    value_names: Mapping[str, str] = attrs.field(factory=dict)


@plain_repr
@attrs.frozen(repr=False)
class Constraints:
    """Limits the counsellor enters for the beneficiary's options."""

    max_training_months: int | None = None
    max_level: int | None = None
    exclude_domains: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()  # working conditions to avoid: the option is ruled out
    discuss: frozenset[str] = frozenset()  # conditions to discuss: the option is marked
    holds: frozenset[str] = frozenset()  # prerequisites (ids) the beneficiary already has


@plain_repr
@attrs.frozen(repr=False)
class Weights:
    """How much each part counts in the score."""

    congruence: float = 0.5
    skills: float = 0.3
    values: float = 0.2


@plain_repr
@attrs.frozen(repr=False)
class Match:
    """One occupation matched with the beneficiary."""

    occupation: Occupation
    score: float
    congruence: float | None = None
    iachan: float | None = None  # averaged over ties
    brown_gore: float | None = None
    shared_skills: tuple[str, ...] = ()
    shared_values: tuple[str, ...] = ()
    excluded: str | None = None
    missing: tuple[Prerequisite, ...] = ()  # prerequisites the beneficiary lacks
    to_discuss: tuple[str, ...] = ()  # conditions of the occupation to discuss

    @property
    def total_months(self) -> int | None:
        """The occupation's training plus the time to obtain what is missing."""
        own = self.occupation.training_months
        extra = sum(p.months for p in self.missing)
        if own is None and not extra:
            return None
        return (own or 0) + extra


def congruence(codes: Sequence[str], letters: str) -> tuple[float, float, float]:
    """``(normalised mean, Iachan M, Brown & Gore C)`` for a person's codes and an occupation.

    M and C are averaged over the person's possible codes; for an occupation with two letters
    the person's codes are cut to two letters (the distinct prefixes).
    """
    return _congruence(tuple(codes), letters)


@functools.lru_cache(maxsize=4096)
def _congruence(codes: tuple[str, ...], letters: str) -> tuple[float, float, float]:
    # A pure function of a few hundred possible pairs: remembered across rankings (the
    # career options step ranks twice, and a batch meets the same codes again and again).
    if len(letters) >= 3:
        person = list(codes)
        m_max, c_max = 28, 18
    else:
        person = list(dict.fromkeys(code[:2] for code in codes))
        m_max, c_max = 6, 15
    m = riasec.averaged("M", person, letters[:3])
    c = riasec.averaged("C", person, letters[:3])
    return round((m / m_max + c / c_max) / 2, 9), m, c


def _scores(result: InstrumentResult | None) -> dict[str, float]:
    if result is None:
        return {}
    return {s.scale: s.mean for s in result.scales if s.mean is not None}


def profile_from(dossier: Dossier, interests: str = "riasec", skills: str = "competences",
                 values: str = "valeurs", *, skill_names: Mapping[str, str] | None = None,
                 value_names: Mapping[str, str] | None = None) -> Profile:
    """The matching profile from the dossier's instrument results (any may be missing).

    An occupation's ``skills`` are scales of the ``skills`` instrument and its ``values``
    scales of the ``values`` instrument; each is named through its own instrument."""
    codes: tuple[str, ...] = ()
    interest = dossier.results.get(interests)
    if interest is not None:
        scores = {s.scale: s.score for s in interest.scales}
        if set(riasec.TYPES) <= set(scores) and all(scores[t] is not None
                                                    for t in riasec.TYPES):
            codes = riasec.holland_code({t: float(scores[t] or 0)
                                         for t in riasec.TYPES}).codes
    skill_means = _scores(dossier.results.get(skills))
    value_means = _scores(dossier.results.get(values))
    top_values = sorted(value_means, key=lambda v: -value_means[v])[:3]
    important = {v for v, mean in value_means.items() if mean >= IMPORTANT_VALUE}
    return Profile(
        codes=codes,
        strengths=frozenset(s for s, mean in skill_means.items() if mean >= STRENGTH),
        values=frozenset(important | set(top_values)),
        skill_names=dict(skill_names or {}), value_names=dict(value_names or {}))


def missing_prerequisites(occupation: Occupation,
                          constraints: Constraints) -> tuple[Prerequisite, ...]:
    """The occupation's prerequisites the beneficiary does not hold."""
    return tuple(p for p in occupation.prerequisites if p.id not in constraints.holds)


def _excluded(occupation: Occupation, constraints: Constraints,
              missing: tuple[Prerequisite, ...]) -> str | None:
    # Every test here is also in _is_excluded, which ranking uses: change both together.
    if occupation.domain in constraints.exclude_domains:
        return f"domaine {occupation.domain} écarté"
    limit = constraints.max_training_months
    total = (occupation.training_months or 0) + sum(p.months for p in missing)
    if limit is not None and missing and total > limit:
        return (f"voie longue d'environ {total} mois, au-delà des {limit} mois retenus : il"
                f" faut d'abord {_and(p.text for p in missing)}")
    if (limit is not None and occupation.training_months is not None
            and occupation.training_months > limit):
        return (f"formation d'environ {occupation.training_months} mois, au-delà des"
                f" {limit} mois retenus")
    if (constraints.max_level is not None and occupation.level is not None
            and occupation.level > constraints.max_level):
        return f"niveau {occupation.level} demandé, au-delà du niveau {constraints.max_level}"
    avoided = sorted(set(occupation.conditions) & constraints.avoid)
    if avoided:
        return "conditions de travail à éviter : " + ", ".join(avoided)
    return None


def _is_excluded(occupation: Occupation, domains: frozenset[str], avoid: frozenset[str],
                 holds: frozenset[str], limit: int | None, max_level: int | None) -> bool:
    """Whether :func:`_excluded` gives a reason, without writing it (the same tests)."""
    if domains and occupation.code[0] in domains:
        return True
    training = occupation.training_months
    if limit is not None:
        if training is not None and training > limit:
            return True
        if occupation.prerequisites:
            missing = [p.months for p in occupation.prerequisites if p.id not in holds]
            if missing and (training or 0) + sum(missing) > limit:
                return True
    level = occupation.level
    if max_level is not None and level is not None and level > max_level:
        return True
    return bool(avoid) and not avoid.isdisjoint(occupation.conditions)


def _score(weights: Weights, fit: float | None, skills: float | None,
           values: float | None) -> float:
    """The weighted mean of the parts known (each a share from 0 to 1, None when unknown)."""
    total = weighted = 0.0  # summed in this order, as the tie rule's tests expect
    if fit is not None:
        total += weights.congruence
        weighted += weights.congruence * fit
    if skills is not None:
        total += weights.skills
        weighted += weights.skills * skills
    if values is not None:
        total += weights.values
        weighted += weights.values * values
    return round(weighted / total, 9) if total else 0.0


def _congruence_of(profile: Profile,
                   letters: str | None) -> tuple[float, float, float] | None:
    """:func:`congruence` when both the person and the occupation have letters."""
    if profile.codes and letters and len(letters) >= 2:
        return congruence(profile.codes, letters)
    return None


def _match(profile: Profile, occupation: Occupation, constraints: Constraints,
           weights: Weights, fit: tuple[float, float, float] | None) -> Match:
    shared_skills = tuple(s for s in occupation.skills if s in profile.strengths)
    shared_values = tuple(v for v in occupation.values if v in profile.values)
    score = _score(
        weights, None if fit is None else fit[0],
        len(shared_skills) / len(occupation.skills)
        if occupation.skills and profile.strengths else None,
        len(shared_values) / len(occupation.values)
        if occupation.values and profile.values else None)
    missing = missing_prerequisites(occupation, constraints)
    excluded = _excluded(occupation, constraints, missing)
    to_discuss = tuple(c for c in occupation.conditions if c in constraints.discuss)
    congruence_, m, c = (None, None, None) if fit is None else fit
    return Match(occupation=occupation, score=0.0 if excluded else score,
                 congruence=congruence_, iachan=m, brown_gore=c, shared_skills=shared_skills,
                 shared_values=shared_values, excluded=excluded, missing=missing,
                 to_discuss=to_discuss)


def match_one(profile: Profile, occupation: Occupation, constraints: Constraints,
              weights: Weights) -> Match:
    """Score one occupation; an excluded one scores 0 and says why."""
    return _match(profile, occupation, constraints, weights,
                  _congruence_of(profile, occupation.riasec))


class Ranking(Sequence[Match]):
    """Every occupation matched and ranked, as :func:`rank` returns it.

    A sequence of :class:`Match`, best first and the excluded ones last; each match is
    built when it is read (then kept), so reading the first ten of 20,000 builds ten.
    """

    def __init__(self, profile: Profile, constraints: Constraints, weights: Weights,
                 ranked: list[Occupation], scores: list[float],
                 fits: Mapping[str | None, tuple[float, float, float] | None],
                 kept: int) -> None:
        self._profile = profile
        self._constraints = constraints
        self._weights = weights
        self._ranked = ranked
        self._scores = scores  # each occupation's score before the constraints
        self._fits = fits  # the congruence of each occupation's letters
        self._built: dict[int, Match] = {}
        #: How many occupations no constraint rules out: they come first.
        self.kept = kept

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> Match: ...

    @overload
    def __getitem__(self, index: slice) -> list[Match]: ...

    def __getitem__(self, index: int | slice) -> Match | list[Match]:
        if isinstance(index, slice):
            return [self._build(i) for i in range(*index.indices(len(self._ranked)))]
        if index < 0:
            index += len(self._ranked)
        if not 0 <= index < len(self._ranked):
            raise IndexError("ranking index out of range")
        return self._build(index)

    def __iter__(self) -> Iterator[Match]:
        return (self._build(i) for i in range(len(self._ranked)))

    def __repr__(self) -> str:
        return f"<Ranking of {len(self._ranked)} occupations, {self.kept} kept>"

    def best(self, limit: int) -> list[Match]:
        """The first ``limit`` occupations no constraint rules out."""
        return self[: min(limit, self.kept)]

    def best_excluded(self, limit: int) -> list[Match]:
        """The ``limit`` excluded occupations that would score best without the constraints
        (equal scores in ranking order): what the constraints cost."""
        scores = self._scores
        excluded = sorted(range(self.kept, len(self._ranked)), key=lambda i: -scores[i])
        return [self._build(i) for i in excluded[:limit]]

    def _build(self, index: int) -> Match:
        match = self._built.get(index)
        if match is None:
            occupation = self._ranked[index]
            match = self._built[index] = _match(self._profile, occupation, self._constraints,
                                                self._weights, self._fits[occupation.riasec])
        return match


def rank(profile: Profile, occupations: Iterable[Occupation],
         constraints: Constraints = Constraints(),
         weights: Weights = Weights()) -> Ranking:
    """Every occupation matched and ranked: score, then congruence, then code; excluded last.

    Each score is :func:`match_one`'s, found without building the match: the same
    :func:`_score` of the same shares (once per distinct parts), and the tests of
    :func:`_excluded` without writing the reason.
    """
    found = list(occupations)
    strengths, wanted = profile.strengths, profile.values
    domains, avoid = constraints.exclude_domains, constraints.avoid
    limit, max_level = constraints.max_training_months, constraints.max_level
    constrained = bool(domains or avoid) or limit is not None or max_level is not None
    fits: dict[str | None, tuple[float, float, float] | None] = {}
    scores: dict[tuple[float | None, float | None, float | None], float] = {}
    raw: list[float] = []  # the score before the constraints
    first: list[float] = []  # minus the score; infinity for the excluded ones
    second: list[float] = []  # minus the congruence
    kept = 0
    for o in found:
        letters, skills, values = o.riasec, o.skills, o.values
        if letters in fits:
            fit = fits[letters]
        else:
            fit = fits[letters] = _congruence_of(profile, letters)
        skills_share = values_share = None
        if skills and strengths:
            shared = 0
            for name in skills:  # a plain loop: the fastest count of a few names
                if name in strengths:
                    shared += 1
            skills_share = shared / len(skills)
        if values and wanted:
            shared = 0
            for name in values:
                if name in wanted:
                    shared += 1
            values_share = shared / len(values)
        parts = (None if fit is None else fit[0], skills_share, values_share)
        score = scores.get(parts)
        if score is None:
            score = scores[parts] = _score(weights, *parts)
        raw.append(score)
        second.append(-(parts[0] or 0.0))
        if constrained and _is_excluded(o, domains, avoid, constraints.holds, limit,
                                        max_level):
            first.append(math.inf)
        else:
            first.append(-score)
            kept += 1
    # Stable sorts on one key each, the last key first, give the order of the tuple key
    # (excluded, -score, -congruence, code) with the fast comparisons of floats and strings.
    order = sorted(range(len(found)), key=[o.code for o in found].__getitem__)
    order.sort(key=second.__getitem__)
    order.sort(key=first.__getitem__)
    return Ranking(profile, constraints, weights, [found[i] for i in order],
                   [raw[i] for i in order], fits, kept)


def explain(match: Match, profile: Profile) -> str:
    """Why the occupation ranks where it does, in French."""
    o = match.occupation
    parts = []
    if match.congruence is not None and o.riasec:
        estimated = " (estimé)" if o.estimated else ""
        person = "/".join(profile.codes[:2]) + ("…" if len(profile.codes) > 2 else "")
        m_max = 28 if len(o.riasec) >= 3 else 6
        c_max = 18 if len(o.riasec) >= 3 else 15
        parts.append(f"code RIASEC du métier {o.riasec}{estimated}, congruence"
                     f" {_fr(match.congruence)} avec votre code {person} (Iachan"
                     f" {_fr(match.iachan)}/{m_max}, Brown et Gore {_fr(match.brown_gore)}"
                     f"/{c_max})")
    if o.skills and profile.strengths:
        names = [profile.skill_names.get(s, s) for s in match.shared_skills]
        parts.append(f"compétences transférables : {', '.join(names)} ({len(names)} sur"
                     f" {len(o.skills)} attendues)" if names
                     else f"aucune des {len(o.skills)} compétences attendues ne figure parmi"
                          " vos points forts")
    if o.values and profile.values:
        names = [profile.value_names.get(v, v) for v in match.shared_values]
        parts.append(f"valeurs satisfaites : {', '.join(names)}" if names
                     else "peu de vos valeurs principales y sont satisfaites")
    if match.missing:
        first = "; ".join(f"{p.text} (environ {p.months} mois)" if p.months else p.text
                          for p in match.missing)
        total = match.total_months
        parts.append(f"voie longue : il faut d'abord {first}"
                     + (f", puis {o.access[0]}" if o.access else "")
                     + (f", soit environ {total} mois en tout" if total else ""))
    elif o.access:
        training = (f", environ {o.training_months} mois de formation"
                    if o.training_months else "")
        parts.append(f"accès : {o.access[0]}{training}")
    if match.to_discuss:
        parts.append("à discuter : " + ", ".join(match.to_discuss))
    if match.excluded:
        parts.insert(0, f"écarté ({match.excluded})")
    text = " ; ".join(parts)
    return text[:1].upper() + text[1:] + "." if text else ""


def _and(texts: Iterable[str]) -> str:
    items = list(texts)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


def _fr(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",") or "0"
