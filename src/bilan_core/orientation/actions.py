"""Actions of the action plan for the options the beneficiary keeps (a built-in plugin).

For an occupation: meet professionals, a work immersion (PMSMP), the training that gives
access to it or a VAE when the experience already shows most of its skills, a targeted job
search when no training is needed. For business creation: information meeting, market study,
management training, start-up aids. Actions that cost money name the funders that may pay:
those the preparation step found eligible or to be checked, and the routes open to the
beneficiary's status for training.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from bilan_core.markers import hookimpl
from bilan_core.model import (
    Action,
    ActionKind,
    CareerOption,
    Eligibility,
    OptionKind,
    Status,
)
from bilan_core.steps._text import add_months, slug

if TYPE_CHECKING:
    from bilan_core.model import Dossier

#: Routes that pay for trainings and are not funders of the bilan, by status: (funder id,
#: name). A route whose funder already answered for the bilan is named once, by its decision.
TRAINING_ROUTES: dict[Status, tuple[tuple[str, str], ...]] = {
    Status.PRIVATE_EMPLOYEE: (("transitions_pro",
                               "Transitions Pro (projet de transition professionnelle)"),),
    Status.JOB_SEEKER: (("france_travail", "France Travail (aide individuelle à la formation)"),
                        ("region", "Région")),
    Status.PUBLIC_AGENT: (("public_employer",
                           "Employeur public (congé de formation professionnelle)"),),
    Status.SELF_EMPLOYED: (("faf", "Fonds d'assurance formation des indépendants (FAF)"),),
}


def funders_for_training(dossier: Dossier, kind: str = "training") -> tuple[str, ...]:
    """Who may pay for an action of ``kind`` (``training``, ``vae``...): the CPF, the funders
    the preparation step found open that fund that kind, and the routes open to the
    beneficiary's status. Each funder is named once."""
    found: dict[str, str] = {"cpf": "Compte personnel de formation (CPF)"}
    for decision in dossier.funding:
        if (decision.eligibility is not Eligibility.NOT_ELIGIBLE and kind in decision.funds
                and decision.funder != "cpf"):
            found.setdefault(decision.funder, decision.name)
    for funder, name in TRAINING_ROUTES.get(dossier.beneficiary.status, ()):
        found.setdefault(funder, name)
    return tuple(dict.fromkeys(found.values()))


def _action(option: CareerOption, title: str, kind: ActionKind, due: date, owner: str,
            detail: str = "", funding: tuple[str, ...] = ()) -> Action:
    return Action(id=f"{slug(option.id)}-{slug(title)}"[:80], title=title, kind=kind,
                  owner=owner, due=due, option=option.id, detail=detail, funding=funding)


def occupation_actions(dossier: Dossier, option: CareerOption) -> list[Action]:
    """Explore, try, then train or apply."""
    day = dossier.reference_date
    actions = [
        _action(option, f"Rencontrer deux professionnels : {option.title}", ActionKind.OTHER,
                add_months(day, 1), "bénéficiaire",
                "Enquête métier : activités réelles, conditions de travail, débouchés locaux."),
        _action(option, f"Immersion professionnelle (PMSMP) : {option.title}",
                ActionKind.IMMERSION, add_months(day, 2),
                "bénéficiaire, avec le conseiller ou l'employeur",
                "Une à deux semaines en situation réelle pour confirmer le choix."),
    ]
    months = int(option.details.get("Formation (mois)", "0") or 0)
    access = option.details.get("Accès", "")
    first = option.details.get("Prérequis à obtenir")
    if first:
        # A longer route: what the occupation asks before its own training comes first.
        total = option.details.get("Durée totale estimée (mois)", "")
        actions.append(_action(
            option, f"Obtenir d'abord : {first}", ActionKind.TRAINING, add_months(day, 3),
            "bénéficiaire, avec le conseiller", f"Voie longue : environ {total} mois en tout"
            " avant d'exercer le métier.", funders_for_training(dossier)))
    if months:
        actions.append(_action(
            option, f"S'inscrire en formation : {access or option.title}",
            ActionKind.TRAINING, add_months(day, 3), "bénéficiaire",
            f"Environ {months} mois de formation"
            + (", une fois les prérequis obtenus." if first else "."),
            funders_for_training(dossier)))
        if not first and int(option.details.get("Compétences transférables", "0") or 0) >= 3:
            actions.append(_action(
                option, f"Étudier une validation des acquis de l'expérience (VAE) : {access}",
                ActionKind.VAE, add_months(day, 2), "bénéficiaire, avec un point relais VAE",
                "Votre expérience montre déjà plusieurs compétences du métier.",
                funders_for_training(dossier, "vae")))
    else:
        actions.append(_action(
            option, f"Recherche d'emploi ciblée : {option.title}", ActionKind.JOB_SEARCH,
            add_months(day, 2), "bénéficiaire",
            "CV et lettre orientés vers le métier, candidatures et réseau."))
    return actions


def business_actions(dossier: Dossier, option: CareerOption) -> list[Action]:
    """From the idea to the start: meet, study, learn, fund."""
    day = dossier.reference_date
    aids = "ACRE"
    if dossier.beneficiary.status is Status.JOB_SEEKER:
        aids = "ACRE et ARCE ou maintien de l'allocation (France Travail)"
    return [
        _action(option, "Réunion d'information sur la création d'entreprise (CCI, CMA ou"
                " BGE)", ActionKind.BUSINESS_CREATION, add_months(day, 1), "bénéficiaire"),
        _action(option, "Étude de marché et prévisionnel financier",
                ActionKind.BUSINESS_CREATION, add_months(day, 3),
                "bénéficiaire, avec un réseau d'accompagnement"),
        _action(option, "Formation à la gestion d'une petite entreprise", ActionKind.TRAINING,
                add_months(day, 4), "bénéficiaire", "", funders_for_training(dossier)),
        _action(option, f"Demander les aides à la création : {aids}, prêt d'honneur",
                ActionKind.BUSINESS_CREATION, add_months(day, 5), "bénéficiaire"),
    ]


@hookimpl
def plan_actions(dossier: Dossier, options: list[CareerOption]) -> list[Action]:
    """Actions for each option the beneficiary keeps."""
    actions: list[Action] = []
    for option in options:
        if option.kind is OptionKind.BUSINESS_CREATION:
            actions += business_actions(dossier, option)
        elif option.kind is OptionKind.OCCUPATION:
            actions += occupation_actions(dossier, option)
    return actions
