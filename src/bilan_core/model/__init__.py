"""The domain model: frozen attrs values, validated at construction.

Money is ``Decimal`` euros, dates are ``date``, durations are ``Decimal`` hours in fields named
``hours``.

The names below are imported from their submodule on first use (PEP 562): a command that
needs only the registered components does not build the dossier's ~85 attrs classes.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bilan_core.model.assessment import (
        Answer,
        Band,
        Experience,
        Instrument,
        InstrumentResult,
        Item,
        ItemPair,
        Key,
        Method,
        NormTable,
        Option,
        ResponseFormat,
        Responses,
        ResponseScale,
        Scale,
        ScaleNorm,
        ScaleScore,
        Validity,
    )
    from bilan_core.model.branding import Branding, ExtraSection
    from bilan_core.model.common import Phase, to_euros, to_hours
    from bilan_core.model.dossier import (
        DOSSIER_FORMAT_VERSION,
        Dossier,
        PlannedStep,
        Retention,
        StepRecord,
    )
    from bilan_core.model.orientation import CONDITIONS, ROME_DOMAINS, Occupation, Prerequisite
    from bilan_core.model.outcomes import (
        Action,
        ActionKind,
        Audience,
        CareerOption,
        Eligibility,
        FundingDecision,
        FundingPlan,
        FundingRule,
        OptionKind,
        PlanLine,
        ReportSection,
        Synthesis,
    )
    from bilan_core.model.people import (
        Address,
        Beneficiary,
        Consent,
        ConsentKind,
        Provider,
        PublicBranch,
        Status,
    )

_SUBMODULES = {
    "Action": "outcomes",
    "ActionKind": "outcomes",
    "Address": "people",
    "Answer": "assessment",
    "Audience": "outcomes",
    "Band": "assessment",
    "Beneficiary": "people",
    "Branding": "branding",
    "CONDITIONS": "orientation",
    "CareerOption": "outcomes",
    "Consent": "people",
    "ConsentKind": "people",
    "DOSSIER_FORMAT_VERSION": "dossier",
    "Dossier": "dossier",
    "Eligibility": "outcomes",
    "Experience": "assessment",
    "ExtraSection": "branding",
    "FundingDecision": "outcomes",
    "FundingPlan": "outcomes",
    "FundingRule": "outcomes",
    "Instrument": "assessment",
    "InstrumentResult": "assessment",
    "Item": "assessment",
    "ItemPair": "assessment",
    "Key": "assessment",
    "Method": "assessment",
    "NormTable": "assessment",
    "Occupation": "orientation",
    "Option": "assessment",
    "OptionKind": "outcomes",
    "Phase": "common",
    "PlanLine": "outcomes",
    "PlannedStep": "dossier",
    "Prerequisite": "orientation",
    "Provider": "people",
    "PublicBranch": "people",
    "ROME_DOMAINS": "orientation",
    "ReportSection": "outcomes",
    "ResponseFormat": "assessment",
    "ResponseScale": "assessment",
    "Responses": "assessment",
    "Retention": "dossier",
    "Scale": "assessment",
    "ScaleNorm": "assessment",
    "ScaleScore": "assessment",
    "Status": "people",
    "StepRecord": "dossier",
    "Synthesis": "outcomes",
    "Validity": "assessment",
    "to_euros": "common",
    "to_hours": "common",
}


def __getattr__(name: str) -> Any:
    module = _SUBMODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'bilan_core.model' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"bilan_core.model.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SUBMODULES])


__all__ = [
    "CONDITIONS",
    "DOSSIER_FORMAT_VERSION",
    "ROME_DOMAINS",
    "Action",
    "ActionKind",
    "Address",
    "Answer",
    "Audience",
    "Band",
    "Beneficiary",
    "Branding",
    "CareerOption",
    "Consent",
    "ConsentKind",
    "Dossier",
    "Eligibility",
    "Experience",
    "ExtraSection",
    "FundingDecision",
    "FundingPlan",
    "FundingRule",
    "Instrument",
    "InstrumentResult",
    "Item",
    "ItemPair",
    "Key",
    "Method",
    "NormTable",
    "Occupation",
    "Option",
    "OptionKind",
    "Phase",
    "PlanLine",
    "PlannedStep",
    "Prerequisite",
    "Provider",
    "PublicBranch",
    "ReportSection",
    "ResponseFormat",
    "ResponseScale",
    "Responses",
    "Retention",
    "Scale",
    "ScaleNorm",
    "ScaleScore",
    "Status",
    "StepRecord",
    "Synthesis",
    "Validity",
    "to_euros",
    "to_hours",
]
