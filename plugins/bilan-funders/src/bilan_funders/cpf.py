"""The CPF (compte personnel de formation, Mon Compte Formation).

How the sums work: the holder pays the flat participation out of pocket (from 2024-05-02,
unless exempt); CPF rights pay the rest of the price up to the balance and, from 2026-02-26,
up to the 1,600 EUR cap; the employer's top-up (abondement) adds to the rights; whatever is
still uncovered falls to other funders or to the beneficiary.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision, money, rule_on
from bilan_core.funding.decision import date_fr as _date_fr
from bilan_core.model import FundingDecision, FundingRule, Status
from bilan_funders._common import (
    PUBLIC_OR_POOLED,
    check_qualiopi,
    previous_bilan_within,
)

FUNDER = "cpf"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan", "training", "vae", "business_creation")
NAME = "Compte personnel de formation (CPF)"
PARTICIPATION_SOURCE = ("Code du travail L6323-4 II ; décret 2024-394 (participation forfaitaire"
                        " à la charge du titulaire), montant revalorisé chaque année")

RULES = (
    FundingRule(id="cpf_flat_participation", funder=FUNDER,
                text="participation forfaitaire du titulaire : 100,00 €",
                in_force_from=date(2024, 5, 2), in_force_until=date(2024, 12, 31),
                amount=Decimal("100.00"), source=PARTICIPATION_SOURCE, sureness="law"),
    FundingRule(id="cpf_flat_participation", funder=FUNDER,
                text="participation forfaitaire du titulaire : 102,23 €",
                in_force_from=date(2025, 1, 1), in_force_until=date(2025, 12, 31),
                amount=Decimal("102.23"), source=PARTICIPATION_SOURCE, sureness="3rd-party"),
    FundingRule(id="cpf_flat_participation", funder=FUNDER,
                text="participation forfaitaire du titulaire : 103,20 €",
                in_force_from=date(2026, 1, 1), amount=Decimal("103.20"),
                source=PARTICIPATION_SOURCE, sureness="3rd-party"),
    FundingRule(id="cpf_participation_exemptions", funder=FUNDER,
                text="exonération de la participation : demandeur d'emploi, abondement de"
                     " l'employeur, points du compte professionnel de prévention (C2P),"
                     " incapacité permanente d'au moins 10 % après un accident du travail ou"
                     " une maladie professionnelle",
                in_force_from=date(2024, 5, 2), source=PARTICIPATION_SOURCE, sureness="law"),
    FundingRule(id="cpf_cap", funder=FUNDER,
                text="droits CPF plafonnés à 1 600,00 € par bilan de compétences",
                in_force_from=date(2026, 2, 26), amount=Decimal("1600.00"),
                source="décret 2026-127, art. D6323-1 A", sureness="law"),
    FundingRule(id="cpf_previous_public_bilan", funder=FUNDER,
                text="pas de financement CPF si un bilan payé par des fonds publics ou"
                     " mutualisés a eu lieu dans les 5 années précédentes",
                in_force_from=date(2026, 2, 26), amount=None,
                source="rapporté par des prestataires (2026-02), texte officiel non lu",
                sureness="3rd-party"),
    FundingRule(id="cpf_qualiopi", funder=FUNDER,
                text="prestataire certifié Qualiopi", in_force_from=date(2022, 1, 1),
                source="Code du travail L6316-1", sureness="law"),
    FundingRule(id="cpf_public_agents", funder=FUNDER,
                text="agents publics : droits CPF comptés en heures (24 h par an jusqu'à 120 h,"
                     " puis 12 h par an jusqu'à 150 h ; davantage pour les agents de catégorie"
                     " C peu diplômés), mobilisés par une demande écrite à l'employeur public,"
                     " qui l'accorde et prend en charge les frais ; ni commande sur Mon Compte"
                     " Formation ni participation forfaitaire",
                in_force_from=date(2017, 1, 1),
                source="ordonnance 2017-53 du 19 janvier 2017 (art. 22 ter de la loi 83-634) ;"
                       " décret 2017-928 du 6 mai 2017 ; guide DGAFP du CPF des agents publics",
                sureness="likely"),
)

PUBLIC_SOURCE = RULES[-1].source


def participation(request: FundingRequest, decision: Decision) -> Decimal:
    """The flat participation for the request's date, after exemptions."""
    rule = rule_on(RULES, "cpf_flat_participation", request.on)
    if rule is None or rule.amount is None:
        decision.note("pas de participation forfaitaire à cette date (due à partir du"
                      " 2 mai 2024)")
        return Decimal(0)
    b = request.beneficiary
    reasons = []
    if b.status is Status.JOB_SEEKER:
        reasons.append(b.status_label)
    if b.employer_top_up > 0:
        reasons.append(f"abondement de l'employeur de {money(b.employer_top_up)}")
    if b.c2p_points > 0:
        reasons.append(f"{b.c2p_points} points C2P mobilisés")
    if b.atmp_rate >= 10:
        reasons.append(f"incapacité permanente de {b.atmp_rate} % (AT/MP)")
    if reasons:
        exempt = b.agreeing("exonéré", "exonérée", "exonéré·e")
        decision.note(f"{exempt} de la participation forfaitaire : " + ", ".join(reasons))
        return Decimal(0)
    decision.note(f"participation forfaitaire à votre charge : {money(rule.amount)}"
                  f" (en vigueur le {_date_fr(request.on)})")
    decision.cite(rule.source)
    return rule.amount


def public_agent(request: FundingRequest, d: Decision) -> FundingDecision:
    """A public agent's CPF: hours, through the employer, who decides and pays."""
    b = request.beneficiary
    rule = rule_on(RULES, "cpf_public_agents", request.on)
    if rule is None:
        d.check(False, "le CPF des agents publics existe depuis le 1er janvier 2017 (avant :"
                       " droit individuel à la formation)")
        return d.not_eligible()
    d.cite(rule.source)
    rights = (f" ({b.cpf_hours.normalize():f} heures inscrites)" if b.cpf_hours is not None
              else "")
    d.note(f"agent public : vos droits CPF se comptent en heures{rights} et se mobilisent"
           " auprès de votre employeur, qui prend en charge les frais ; pas de commande sur"
           " Mon Compte Formation ni de participation forfaitaire")
    if b.cpf_hours is not None:
        d.check(b.cpf_hours > 0, "droits CPF disponibles")
    d.check(None, "accord écrit de l'employeur sur le projet, le calendrier et le financement")
    d.need("Demande écrite de mobilisation du CPF à votre employeur, avec le projet"
           " d'évolution professionnelle qui la fonde")
    if d.failed:
        return d.not_eligible()
    return d.decide(Decimal(0))


def decide(request: FundingRequest) -> FundingDecision:
    """The CPF's answer: eligibility, CPF share, top-up share, flat participation."""
    d = Decision(FUNDER, NAME, request)
    b = request.beneficiary
    check_qualiopi(d, request.provider_qualiopi)
    if b.status is Status.PUBLIC_AGENT:
        return public_agent(request, d)
    rights = b.cpf_balance + b.employer_top_up
    d.check(rights > 0, f"droits disponibles : solde CPF {money(b.cpf_balance)}"
                        + (f" + abondement {money(b.employer_top_up)}" if b.employer_top_up
                           else ""))
    gap_rule = rule_on(RULES, "cpf_previous_public_bilan", request.on)
    if gap_rule is not None and previous_bilan_within(b, request.on, 5):
        assert b.previous_bilan is not None
        when = _date_fr(b.previous_bilan)
        if b.previous_bilan_funder is None:
            d.check(None, f"bilan précédent le {when}, financeur inconnu : le CPF ne finance"
                          " pas un nouveau bilan dans les 5 ans si le précédent a été payé"
                          " par des fonds publics ou mutualisés")
        else:
            public = b.previous_bilan_funder in PUBLIC_OR_POOLED
            d.check(not public, f"bilan précédent le {when} financé par"
                                f" « {b.previous_bilan_funder} » : {gap_rule.text}")
        d.cite(gap_rule.source)
    if d.failed:
        return d.not_eligible()
    paid_by_holder = participation(request, d)
    if paid_by_holder >= request.price:
        # The participation is what the holder pays towards the price, never more than it.
        d.note(f"le prix ({money(request.price)}) ne dépasse pas la participation"
               f" forfaitaire : vous payez le prix, vos droits CPF ne sont pas utilisés")
        paid_by_holder = request.price
    net = request.price - paid_by_holder
    cap_rule = rule_on(RULES, "cpf_cap", request.on)
    from_rights = min(net, b.cpf_balance)
    if cap_rule is not None and cap_rule.amount is not None:
        if from_rights > cap_rule.amount:
            d.note(f"droits CPF plafonnés à {money(cap_rule.amount)} par bilan depuis le"
                   " 26 février 2026")
        from_rights = min(from_rights, cap_rule.amount)
        d.cite(cap_rule.source)
    d.note(f"pris en charge par vos droits CPF : {money(from_rights)}")
    from_top_up = min(net - from_rights, b.employer_top_up)
    if b.employer_top_up:
        d.note(f"pris en charge par l'abondement de l'employeur : {money(from_top_up)}")
        d.need("Abondement de l'employeur versé sur Mon Compte Formation")
    uncovered = net - from_rights - from_top_up
    if uncovered > 0:
        d.note(f"non couvert par le CPF : {money(uncovered)}")
    d.need("Commande du bilan sur Mon Compte Formation, avant son début")
    if b.working_time and b.status is Status.PRIVATE_EMPLOYEE:
        d.need("Accord préalable de l'employeur : le bilan a lieu sur le temps de travail")
    return d.decide(from_rights + from_top_up, out_of_pocket=paid_by_holder)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS,
                    description="Mon Compte Formation : droits du titulaire, participation"
                                " forfaitaire, plafond par bilan"))
