"""The domain model: frozen attrs values, validated at construction.

Money is ``Decimal`` euros, dates are ``date``, durations are ``Decimal`` hours in fields named
``hours``.
"""

from bilan_core.model.assessment import (
    Answer,
    Instrument,
    InstrumentResult,
    Item,
    Key,
    ResponseFormat,
    Responses,
    ResponseScale,
    Scale,
    ScaleScore,
)
from bilan_core.model.common import Phase, to_euros, to_hours
from bilan_core.model.dossier import (
    DOSSIER_FORMAT_VERSION,
    Dossier,
    PlannedStep,
    Retention,
    StepRecord,
)
from bilan_core.model.outcomes import (
    Action,
    ActionKind,
    Audience,
    CareerOption,
    Eligibility,
    FundingDecision,
    OptionKind,
    ReportSection,
    Synthesis,
)
from bilan_core.model.people import (
    Beneficiary,
    Consent,
    ConsentKind,
    Provider,
    PublicBranch,
    Status,
)

__all__ = [
    "DOSSIER_FORMAT_VERSION",
    "Action",
    "ActionKind",
    "Answer",
    "Audience",
    "Beneficiary",
    "CareerOption",
    "Consent",
    "ConsentKind",
    "Dossier",
    "Eligibility",
    "FundingDecision",
    "Instrument",
    "InstrumentResult",
    "Item",
    "Key",
    "OptionKind",
    "Phase",
    "PlannedStep",
    "Provider",
    "PublicBranch",
    "ReportSection",
    "ResponseFormat",
    "ResponseScale",
    "Responses",
    "Retention",
    "Scale",
    "ScaleScore",
    "Status",
    "StepRecord",
    "Synthesis",
    "to_euros",
    "to_hours",
]
