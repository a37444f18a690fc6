"""The things plugins register with the host through the ``register_*`` hooks.

``NormTable`` is re-exported here for plugins that provide norms.

Each is a small attrs class holding data and a callable; the host validates them and indexes
them by id, and remembers which plugin registered each one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from bilan_core.model import FundingDecision, FundingRule, NormTable, Phase
from bilan_core.model.common import (
    as_tuple,
    identifier,
    non_empty,
    non_negative,
    to_euros,
    to_hours,
)
from bilan_core.values import plain_repr

__all__ = ["Funder", "FundingRequest", "FundingRule", "NormTable", "OccupationSource",
           "RenderContext", "Renderer", "StepDefinition"]

if TYPE_CHECKING:
    from bilan_core.model import Beneficiary, Dossier
    from bilan_core.pipeline import StepContext


@plain_repr
@attrs.frozen(repr=False)
class StepDefinition:
    """A step of a bilan: its id (used in the pipeline's ``[[steps]]``), title and legal phase.

    ``run`` receives the dossier and a :class:`~bilan_core.pipeline.StepContext` and returns the
    enriched dossier; it must not keep state of its own.
    """

    id: str = attrs.field(validator=identifier)
    title: str = attrs.field(validator=non_empty)
    phase: Phase = attrs.field(converter=Phase)
    run: Callable[[Dossier, StepContext], Dossier] = attrs.field(
        validator=attrs.validators.is_callable())
    description: str = ""


@plain_repr
@attrs.frozen(repr=False)
class RenderContext:
    """What a renderer may need besides the dossier: the audience and the plugins' options."""

    audience: str = "beneficiary"
    options: dict[str, Any] = attrs.field(factory=dict)


@plain_repr
@attrs.frozen(repr=False)
class Renderer:
    """Turns a dossier's synthèse into one output format (``json``, ``md``, ``html``, ``pdf``)."""

    format: str = attrs.field(validator=identifier)
    extension: str = attrs.field(validator=non_empty)
    media_type: str = attrs.field(validator=non_empty)
    render: Callable[[Dossier, RenderContext], bytes] = attrs.field(
        validator=attrs.validators.is_callable())
    description: str = ""


@plain_repr
@attrs.frozen(repr=False)
class FundingRequest:
    """A request for funding: who, what quote, on which date the rules are evaluated."""

    beneficiary: Beneficiary
    price: Decimal = attrs.field(converter=to_euros, validator=non_negative)
    hours: Decimal = attrs.field(converter=to_hours, validator=non_negative)
    on: date
    provider_qualiopi: bool = True

    def __attrs_post_init__(self) -> None:
        if self.hours <= 0:
            raise ValueError(f"hours must be more than 0, got {self.hours}")


@plain_repr
@attrs.frozen(repr=False)
class Funder:
    """A funding route: answers a :class:`FundingRequest` with a :class:`FundingDecision`."""

    id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=non_empty)
    decide: Callable[[FundingRequest], FundingDecision] = attrs.field(
        validator=attrs.validators.is_callable())
    description: str = ""
    rules: tuple[FundingRule, ...] = attrs.field(default=(), converter=as_tuple)
    #: What the funder pays for, among ``FUNDABLE``: its decisions carry it, so the action
    #: plan offers a funder only for the actions it funds.
    funds: tuple[str, ...] = attrs.field(default=("bilan",), converter=as_tuple)

    def __attrs_post_init__(self) -> None:
        from bilan_core.model.outcomes import _fundable

        _fundable("funds", self.funds)


@plain_repr
@attrs.frozen(repr=False)
class OccupationSource:
    """A source of occupations (the first-party ROME sample, an imported referential, ESCO...)."""

    id: str = attrs.field(validator=identifier)
    name: str = attrs.field(validator=non_empty)
    load: Callable[[], Iterable[Any]] = attrs.field(validator=attrs.validators.is_callable())
