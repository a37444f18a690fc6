"""The training insurance funds (FAF) of the self-employed: FIF-PL, AGEFICE, FAFCEA, VIVEA..."""

from __future__ import annotations

from datetime import date

from bilan_core import hookimpl
from bilan_core.components import Funder, FundingRequest
from bilan_core.funding import Decision
from bilan_core.model import FundingDecision, FundingRule, Status
from bilan_funders._common import check_in_force, check_qualiopi

FUNDER = "faf"
#: What it pays for (bilan_core.model.outcomes.FUNDABLE).
FUNDS = ("bilan", "training")
NAME = "Fonds d'assurance formation des indépendants (FAF)"

RULES = (
    FundingRule(id="faf_ceilings", funder=FUNDER,
                text="prise en charge selon les plafonds annuels de chaque fonds (FIF-PL,"
                     " AGEFICE, FAFCEA, VIVEA, AFDAS...), si la contribution à la formation"
                     " professionnelle a été acquittée", in_force_from=date(2019, 1, 1),
                source="fiche officielle", sureness="official"),
)


def decide(request: FundingRequest) -> FundingDecision:
    """Self-employed only; the amount depends on the fund's yearly ceilings."""
    d = Decision(FUNDER, NAME, request)
    if not check_in_force(d, RULES[0]):
        return d.not_eligible()
    b = request.beneficiary
    d.check(b.status is Status.SELF_EMPLOYED,
            f"travailleur ou travailleuse indépendante (statut : {b.status_label})")
    check_qualiopi(d, request.provider_qualiopi)
    if d.failed:
        return d.not_eligible()
    fund = b.faf or "votre fonds (FIF-PL, AGEFICE, FAFCEA, VIVEA, AFDAS...)"
    d.check(None, f"plafond annuel de prise en charge de {fund}, contribution à la formation"
                  " professionnelle acquittée")
    d.need(f"Demande de prise en charge auprès de {fund} avant le début du bilan")
    d.need("Attestation de versement de la contribution à la formation professionnelle")
    d.cite(RULES[0].source)
    return d.decide(request.price)


@hookimpl
def register_funders(register):  # type: ignore[no-untyped-def]
    register(Funder(id=FUNDER, name=NAME, decide=decide, rules=RULES, funds=FUNDS))
