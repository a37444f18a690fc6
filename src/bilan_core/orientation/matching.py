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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import attrs

from bilan_core import riasec
from bilan_core.model import Dossier, InstrumentResult, Occupation, Prerequisite

STRENGTH = 3.5
IMPORTANT_VALUE = 4.0


@attrs.frozen
class Profile:
    """What matching knows of the beneficiary."""

    codes: tuple[str, ...] = ()  # every Holland code the ties allow; empty: no interests
    strengths: frozenset[str] = frozenset()
    values: frozenset[str] = frozenset()
    skill_names: Mapping[str, str] = attrs.field(factory=dict)
    value_names: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Constraints:
    """Limits the counsellor enters for the beneficiary's options."""

    max_training_months: int | None = None
    max_level: int | None = None
    exclude_domains: frozenset[str] = frozenset()
    avoid: frozenset[str] = frozenset()  # working conditions to avoid: the option is ruled out
    discuss: frozenset[str] = frozenset()  # conditions to discuss: the option is marked
    holds: frozenset[str] = frozenset()  # prerequisites (ids) the beneficiary already has


@attrs.frozen
class Weights:
    """How much each part counts in the score."""

    congruence: float = 0.5
    skills: float = 0.3
    values: float = 0.2


@attrs.frozen
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


def match_one(profile: Profile, occupation: Occupation, constraints: Constraints,
              weights: Weights) -> Match:
    """Score one occupation; an excluded one scores 0 and says why."""
    parts: list[tuple[float, float]] = []
    fit = m = c = None
    if profile.codes and occupation.riasec and len(occupation.riasec) >= 2:
        fit, m, c = congruence(profile.codes, occupation.riasec)
        parts.append((weights.congruence, fit))
    shared_skills = tuple(s for s in occupation.skills if s in profile.strengths)
    if occupation.skills and profile.strengths:
        parts.append((weights.skills, len(shared_skills) / len(occupation.skills)))
    shared_values = tuple(v for v in occupation.values if v in profile.values)
    if occupation.values and profile.values:
        parts.append((weights.values, len(shared_values) / len(occupation.values)))
    total = sum(w for w, _ in parts)
    score = round(sum(w * v for w, v in parts) / total, 9) if total else 0.0
    missing = missing_prerequisites(occupation, constraints)
    excluded = _excluded(occupation, constraints, missing)
    to_discuss = tuple(c for c in occupation.conditions if c in constraints.discuss)
    return Match(occupation=occupation, score=0.0 if excluded else score, congruence=fit,
                 iachan=m, brown_gore=c, shared_skills=shared_skills,
                 shared_values=shared_values, excluded=excluded, missing=missing,
                 to_discuss=to_discuss)


def rank(profile: Profile, occupations: Iterable[Occupation],
         constraints: Constraints = Constraints(),
         weights: Weights = Weights()) -> list[Match]:
    """Every occupation matched and ranked: score, then congruence, then code; excluded last."""
    matches = [match_one(profile, o, constraints, weights) for o in occupations]
    return sorted(matches, key=lambda m: (m.excluded is not None, -m.score,
                                          -(m.congruence or 0.0), m.occupation.code))


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
