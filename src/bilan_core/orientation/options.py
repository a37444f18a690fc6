"""Career options for a dossier: matched occupations, business creation, the counsellor's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from bilan_core.errors import HookError
from bilan_core.model import CareerOption, Occupation, OptionKind
from bilan_core.orientation.business import BUSINESS_CREATION, OPTION_ID
from bilan_core.orientation.matching import (
    Constraints,
    Match,
    Profile,
    Weights,
    explain,
    match_one,
    profile_from,
    rank,
)
from bilan_core.values import plain_repr

if TYPE_CHECKING:
    from bilan_core.model import Dossier
    from bilan_core.plugins import PluginHost


@plain_repr
@attrs.frozen(repr=False)
class Settings:
    """The counsellor's choices for matching (the ``[plugin.career_options]`` section)."""

    constraints: Constraints = attrs.field(factory=Constraints)
    weights: Weights = attrs.field(factory=Weights)
    business_creation: bool = True
    interests: str = "riasec"
    skills: str = "competences"
    values: str = "valeurs"
    max_options: int = 10

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Settings:
        """From the checked section (its keys as :data:`bilan_core.steps.career_options`)."""
        weights = options.get("weights") or {}
        return cls(
            constraints=Constraints(
                max_training_months=options.get("max_training_months"),
                max_level=options.get("max_level"),
                exclude_domains=frozenset(options.get("exclude_domains") or ()),
                avoid=frozenset(options.get("avoid") or ()),
                discuss=frozenset(options.get("discuss") or ()),
                holds=frozenset(options.get("holds") or ())),
            weights=Weights(**{k: v for k, v in weights.items() if v is not None}),
            business_creation=options.get("business_creation", True),
            interests=options.get("interests") or "riasec",
            skills=options.get("skills") or "competences",
            values=options.get("values") or "valeurs",
            max_options=options.get("max_options") or 10)

    def as_json(self) -> dict[str, Any]:
        """What ``bilan careers`` needs to redo the matching from the dossier."""
        c = self.constraints
        return {"max_training_months": c.max_training_months, "max_level": c.max_level,
                "exclude_domains": sorted(c.exclude_domains), "avoid": sorted(c.avoid),
                "discuss": sorted(c.discuss), "holds": sorted(c.holds),
                "weights": attrs.asdict(self.weights),
                "business_creation": self.business_creation, "interests": self.interests,
                "skills": self.skills, "values": self.values, "max_options": self.max_options}


def occupations(host: PluginHost) -> list[tuple[str, Occupation]]:
    """Every occupation of every registered source, once per code (first source wins)."""
    seen: dict[str, tuple[str, Occupation]] = {}
    for source_id, source in host.registry.occupation_sources.items():
        loaded = host.call_component("register_occupation_sources", source_id,
                                     f"occupation source {source_id}", _read, source.load)
        owner = host.registry.owners[("register_occupation_sources", source_id)]
        for occupation in loaded:
            if not isinstance(occupation, Occupation):
                raise HookError(owner, host.origin_of(owner), f"occupation source {source_id}",
                                TypeError(f"yielded {type(occupation).__name__},"
                                          " expected Occupation"))
            seen.setdefault(occupation.code, (owner, occupation))
    return list(seen.values())


class Catalogue:
    """The occupations of every source, read once (on first use) for all the matching of
    one step: the step ranks them and looks up the codes the counsellor names."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host
        self._found: list[tuple[str, Occupation]] | None = None
        self._by_code: dict[str, tuple[str, Occupation]] | None = None

    def all(self) -> list[tuple[str, Occupation]]:
        """``(owner, occupation)`` of every occupation, once per code."""
        if self._found is None:
            self._found = occupations(self.host)
        return self._found

    def get(self, code: str) -> tuple[str, Occupation] | None:
        """The owner and occupation of a ROME code, if a source has it."""
        if self._by_code is None:
            self._by_code = {o.code: (owner, o) for owner, o in self.all()}
        return self._by_code.get(code)


def _read(load: Any) -> list[Any]:
    """All a source's ``load`` gives, read while the host still knows whose it is."""
    loaded = load()
    try:
        return list(loaded)
    except TypeError:
        if not hasattr(loaded, "__iter__"):
            raise TypeError(f"returned {type(loaded).__name__}, expected an iterable of"
                            " Occupation") from None
        raise


def scale_names(host: PluginHost, instrument_id: str) -> dict[str, str]:
    """Scale id -> French name, of one instrument: two instruments may use the same scale
    id for different things (``apprentissage``: a skill, a value), so names are never
    merged across instruments."""
    instrument = host.registry.instruments.get(instrument_id)
    return {s.id: s.name for s in instrument.scales} if instrument is not None else {}


def _profile(dossier: Dossier, host: PluginHost, settings: Settings) -> Profile:
    return profile_from(dossier, settings.interests, settings.skills, settings.values,
                        skill_names=scale_names(host, settings.skills),
                        value_names=scale_names(host, settings.values))


def _option(match: Match, profile: Profile, owner: str) -> CareerOption:
    o = match.occupation
    details = {"Domaine ROME": o.domain}
    if o.level is not None:
        details["Niveau d'accès"] = str(o.level)
    if o.training_months is not None:
        details["Formation (mois)"] = str(o.training_months)
    if o.access:
        details["Accès"] = o.access[0]
    if match.missing:
        details["Prérequis à obtenir"] = " ; ".join(p.text for p in match.missing)
        details["Durée totale estimée (mois)"] = str(match.total_months or 0)
    if match.to_discuss:
        details["À discuter"] = ", ".join(match.to_discuss)
    details["Compétences transférables"] = str(len(match.shared_skills))
    if o.nearby:
        details["Métiers proches"] = ", ".join(o.nearby)
    return CareerOption(id=o.code, title=o.title, kind=OptionKind.OCCUPATION,
                        score=round(match.score, 4), explanation=explain(match, profile),
                        source=owner, code=o.code, riasec=o.riasec,
                        congruence=match.congruence, details=details)


def named_option(dossier: Dossier, host: PluginHost, settings: Settings,
                 code: str, catalogue: Catalogue | None = None) -> CareerOption | None:
    """The option for one occupation the counsellor names by its ROME code, matched and
    explained like the others (None when no source has the code)."""
    found = (catalogue or Catalogue(host)).get(code)
    if found is None:
        return None
    owner, occupation = found
    profile = _profile(dossier, host, settings)
    match = match_one(profile, occupation, settings.constraints, settings.weights)
    return _option(match, profile, owner)


def matched_options(dossier: Dossier, host: PluginHost, settings: Settings,
                    catalogue: Catalogue | None = None,
                    ) -> tuple[list[CareerOption], list[str]]:
    """The best matched occupations (and business creation), and the best ones excluded."""
    profile = _profile(dossier, host, settings)
    if not (profile.codes or profile.strengths or profile.values):
        return [], []
    found = (catalogue or Catalogue(host)).all()
    owners = {o.code: owner for owner, o in found}
    ranked = rank(profile, [o for _, o in found], settings.constraints, settings.weights)
    options = [_option(m, profile, owners[m.occupation.code])
               for m in ranked.best(settings.max_options)]
    excluded = [f"{m.occupation.title} ({m.occupation.code}) : {m.excluded}"
                for m in ranked.best_excluded(5)]
    if settings.business_creation:
        business = match_one(profile, BUSINESS_CREATION, Constraints(), settings.weights)
        options.append(CareerOption(
            id=OPTION_ID, title=BUSINESS_CREATION.title, kind=OptionKind.BUSINESS_CREATION,
            score=round(business.score, 4), source="bilan",
            riasec=BUSINESS_CREATION.riasec, congruence=business.congruence,
            explanation=explain(business, profile).replace(
                "Code RIASEC du métier ECS (estimé)", "Profil entrepreneurial de référence ECS")))
    return options, excluded
