"""The beneficiary, the provider and the consents the beneficiary gives."""

from __future__ import annotations

import enum
from datetime import date
from decimal import Decimal

import attrs

from bilan_core.i18n import _
from bilan_core.model.common import (
    identifier,
    is_date,
    non_empty,
    non_negative,
    to_euros,
    to_hours,
)
from bilan_core.values import plain_repr


class Status(enum.Enum):
    """The beneficiary's situation, which decides who may fund the bilan."""

    PRIVATE_EMPLOYEE = "private_employee"
    PUBLIC_AGENT = "public_agent"
    JOB_SEEKER = "job_seeker"
    SELF_EMPLOYED = "self_employed"

    @property
    def label(self) -> str:
        """The French name of the status, in its inclusive form (``salarié·e du privé``)."""
        return self.label_for(None)

    def label_for(self, address: Address | None) -> str:
        """The French name of the status agreeing with the beneficiary's declared form of
        address (``madame``: ``salariée du privé``), or inclusive when none is declared."""
        return _STATUS_LABELS[self][address.value if address is not None else "inclusive"]


class Address(enum.Enum):
    """The form of address the beneficiary chose: documents agree with it."""

    MADAME = "madame"
    MONSIEUR = "monsieur"


_STATUS_LABELS = {
    Status.PRIVATE_EMPLOYEE: {"madame": "salariée du privé", "monsieur": "salarié du privé",
                              "inclusive": "salarié·e du privé"},
    Status.PUBLIC_AGENT: {"madame": "agente publique", "monsieur": "agent public",
                          "inclusive": "agent·e public·que"},
    Status.JOB_SEEKER: {"madame": "demandeuse d'emploi", "monsieur": "demandeur d'emploi",
                        "inclusive": "demandeur·se d'emploi"},
    Status.SELF_EMPLOYED: {"madame": "indépendante", "monsieur": "indépendant",
                           "inclusive": "indépendant·e"},
}


class PublicBranch(enum.Enum):
    """The branch of the French civil service a public agent belongs to."""

    FPE = "FPE"
    FPT = "FPT"
    FPH = "FPH"


def _optional_branch(instance: Beneficiary, attribute: attrs.Attribute[PublicBranch | None],
                     value: PublicBranch | None) -> None:
    if value is not None and instance.status is not Status.PUBLIC_AGENT:
        # TRANSLATORS: keep "public_branch" first: the error is located at the key it names.
        raise ValueError(_("public_branch applies only to the status 'public_agent'"))


def _to_branch(value: str | PublicBranch | None) -> PublicBranch | None:
    return None if value is None else PublicBranch(value)


@plain_repr
@attrs.frozen(repr=False)
class Beneficiary:
    """The person taking the bilan, known only by a pseudonymous id.

    No name, address or birth date is held: the id links the dossier to the provider's own
    records, which stay outside the software.
    """

    id: str = attrs.field(validator=identifier)
    status: Status = attrs.field(converter=Status)
    rqth: bool = attrs.field(default=False, validator=attrs.validators.instance_of(bool))
    cpf_balance: Decimal = attrs.field(default=Decimal("0.00"), converter=to_euros,
                                       validator=non_negative)
    cpf_hours: Decimal | None = attrs.field(  # a public agent's CPF rights, counted in hours
        default=None, converter=attrs.converters.optional(to_hours))
    employer: str | None = None
    previous_bilan: date | None = attrs.field(default=None, validator=is_date)
    public_branch: PublicBranch | None = attrs.field(
        default=None,
        converter=_to_branch,
        validator=_optional_branch,
    )
    years_of_service: Decimal | None = attrs.field(
        default=None, converter=attrs.converters.optional(to_hours))  # years, current employer
    employer_staff: int | None = None  # headcount of the employer, for OPCO rules
    previous_bilan_funder: str | None = None  # who paid the previous bilan (cpf, employer...)
    c2p_points: int = attrs.field(default=0, validator=attrs.validators.ge(0))
    atmp_rate: int = attrs.field(  # permanent incapacity rate after a work accident, in %
        default=0, validator=[attrs.validators.ge(0), attrs.validators.le(100)])
    employer_top_up: Decimal = attrs.field(default=Decimal("0.00"), converter=to_euros,
                                           validator=non_negative)
    working_time: bool = False  # whether the bilan takes place on working time
    faf: str | None = None  # the self-employed's training fund (FIF-PL, AGEFICE, FAFCEA...)
    address: Address | None = attrs.field(  # the declared form of address, if any
        default=None, converter=attrs.converters.optional(Address))

    @property
    def status_label(self) -> str:
        """The status in French, agreeing with the form of address (inclusive without)."""
        return self.status.label_for(self.address)

    def agreeing(self, masculine: str, feminine: str, inclusive: str) -> str:
        """The form of a French word said of the beneficiary that agrees with the declared
        form of address (``exonéré``, ``exonérée``), or its inclusive form without one."""
        if self.address is Address.MADAME:
            return feminine
        if self.address is Address.MONSIEUR:
            return masculine
        return inclusive


@plain_repr
@attrs.frozen(repr=False)
class Provider:
    """The organisation running the bilan (prestataire), and whether it is Qualiopi-certified."""

    name: str = attrs.field(validator=non_empty)
    qualiopi: bool = attrs.field(validator=attrs.validators.instance_of(bool))
    qualiopi_certificate: str | None = None
    counsellor: str | None = None


class ConsentKind(enum.Enum):
    """What the beneficiary agreed to."""

    BILAN = "bilan"  # to take the bilan at all (L6313-4)
    SHARING = "sharing"  # to let a named recipient receive the synthèse or results
    RETENTION = "retention"  # to keep documents after the end, for follow-up (R6313-7)


def _check_consent(instance: Consent, attribute: attrs.Attribute[object], value: object) -> None:
    kind = instance.kind
    if kind is ConsentKind.SHARING and not instance.recipient:
        raise ValueError(_("a 'sharing' consent needs a recipient"))
    if kind is not ConsentKind.SHARING and instance.recipient:
        raise ValueError(_("a {kind!r} consent takes no recipient").format(kind=kind.value))
    if kind is ConsentKind.RETENTION:
        if instance.until is None:
            raise ValueError(_("a 'retention' consent needs an 'until' date"))
        if instance.until <= instance.given_on:
            raise ValueError(_("'until' must come after 'given_on'"))
        # The ceiling (one year after the end of the bilan) is a dated rule that depends on
        # the bilan's dates: check_law and the dossier apply it (bilan_core.rules).
    elif instance.until is not None:
        raise ValueError(_("a {kind!r} consent takes no 'until' date").format(kind=kind.value))


@plain_repr
@attrs.frozen(repr=False)
class Consent:
    """A consent the beneficiary gave on a date, recorded by the counsellor."""

    kind: ConsentKind = attrs.field(converter=ConsentKind)
    given_on: date = attrs.field(validator=is_date)
    recipient: str | None = attrs.field(
        default=None, validator=attrs.validators.optional(identifier))
    until: date | None = attrs.field(default=None, validator=[is_date, _check_consent])

    def in_force(self, on: date) -> bool:
        """Whether the consent holds on the given day."""
        return self.given_on <= on and (self.until is None or on <= self.until)
