"""The dossier: the only state of a bilan, enriched step by step."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from bilan_core.i18n import Message
from bilan_core.model.assessment import InstrumentResult, Responses
from bilan_core.model.branding import Branding
from bilan_core.model.common import (
    Phase,
    as_tuple,
    identifier,
    is_date,
    messages,
    non_negative,
    to_hours,
)
from bilan_core.model.outcomes import (
    Action,
    CareerOption,
    FundingDecision,
    FundingPlan,
    Synthesis,
)
from bilan_core.model.people import Beneficiary, Consent, ConsentKind, Provider
from bilan_core.values import plain_repr

#: Version of the dossier's JSON format; bumped when a field changes meaning or is removed.
#: Version 2 moved the provider's branding from ``extra["report"]`` to ``branding``.
DOSSIER_FORMAT_VERSION = 2


@plain_repr
@attrs.frozen(repr=False)
class PlannedStep:
    """A step as the pipeline plans it: which step, in which phase, how many hours."""

    id: str = attrs.field(validator=identifier)
    phase: Phase = attrs.field(converter=Phase)
    hours: Decimal = attrs.field(converter=to_hours, validator=non_negative)
    instruments: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    title: str = ""


@plain_repr
@attrs.frozen(repr=False)
class StepRecord:
    """A step that has run, and the plugin that ran it."""

    id: str
    phase: Phase = attrs.field(converter=Phase)
    hours: Decimal = attrs.field(converter=to_hours)
    plugin: str = ""


@plain_repr
@attrs.frozen(repr=False)
class Retention:
    """What happens to the bilan's documents at its end (R6313-7): destroyed, unless the
    beneficiary agreed in writing to keep them until ``keep_until`` (one year at most after
    the end of the bilan, :data:`bilan_core.rules.RETENTION_CEILING`)."""

    keep_until: date | None = attrs.field(default=None, validator=is_date)
    basis: str = "destruction à la fin du bilan (aucun consentement de conservation)"


@plain_repr
@attrs.frozen(repr=False)
class Dossier:
    """Everything known about one bilan. Steps return a new dossier (``attrs.evolve``)."""

    id: str = attrs.field(validator=identifier)
    reference_date: date = attrs.field(validator=is_date)
    beneficiary: Beneficiary
    provider: Provider
    consents: tuple[Consent, ...] = attrs.field(default=(), converter=as_tuple)
    plan: tuple[PlannedStep, ...] = attrs.field(default=(), converter=as_tuple)
    steps_done: tuple[StepRecord, ...] = attrs.field(default=(), converter=as_tuple)
    needs: dict[str, Any] = attrs.field(factory=dict)
    responses: dict[str, Responses] = attrs.field(factory=dict)
    results: dict[str, InstrumentResult] = attrs.field(factory=dict)
    career_options: tuple[CareerOption, ...] = attrs.field(default=(), converter=as_tuple)
    actions: tuple[Action, ...] = attrs.field(default=(), converter=as_tuple)
    funding: tuple[FundingDecision, ...] = attrs.field(default=(), converter=as_tuple)
    funding_plan: FundingPlan | None = None
    synthesis: Synthesis | None = None
    retention: Retention = Retention()
    recipients: tuple[str, ...] = attrs.field(default=("beneficiary",), converter=as_tuple,
                                              validator=attrs.validators.deep_iterable(
                                                  identifier))
    warnings: tuple[Message, ...] = attrs.field(default=(), converter=messages)
    branding: Branding = attrs.field(factory=Branding)
    extra: dict[str, Any] = attrs.field(factory=dict)  # plugins' own results, by plugin name

    def __attrs_post_init__(self) -> None:
        from bilan_core import rules
        from bilan_core.model.common import FieldValueError, add_months

        keep_until = self.retention.keep_until
        months = rules.retention_months(self.reference_date)
        if keep_until is not None and months is not None:
            ceiling = add_months(self.reference_date, int(months))
            if keep_until > ceiling:
                raise FieldValueError(
                    "retention", f"documents may be kept until {ceiling.isoformat()} at most,"
                                 f" not {keep_until.isoformat()}:"
                                 f" {rules.RETENTION_CEILING.description}"
                                 f" ({rules.RETENTION_CEILING.source})")

    def has_consent(self, kind: ConsentKind, recipient: str | None = None,
                    on: date | None = None) -> bool:
        """Whether a consent of this kind (and for this recipient) holds on ``on``, by
        default the reference date."""
        day = on or self.reference_date
        return any(
            c.kind is kind
            and (recipient is None or c.recipient == recipient)
            and c.in_force(day)
            for c in self.consents
        )

    @property
    def planned_hours(self) -> Decimal:
        """The hours of every planned step."""
        return sum((s.hours for s in self.plan), Decimal(0))

    def warn(self, message: str | Message, **params: str | int | float) -> Dossier:
        """A copy of the dossier with one more warning: an English text with ``{name}``
        fields and their values, shown in the CLI's language on the terminal and in French in
        the counsellor's working notes (mark the text with ``N_`` for the catalog)."""
        if not isinstance(message, Message):
            message = Message(message, **params)
        return attrs.evolve(self, warnings=(*self.warnings, message))
