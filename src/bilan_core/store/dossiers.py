"""A bilan kept in the store: creating it from a pipeline, the law's rules across sessions,
rebuilding the dossier a run needs from what the store holds, and running what remains.

The store holds the pipeline file's text (the counsellor's notes are in it), the dossier as it
stood after the last step, the sessions, the consents and the answers, each added over weeks.
What is read back is untrusted: the dossier's JSON is validated as a stranger's, and answers
are checked against their instrument again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from bilan_core import rules
from bilan_core.errors import BilanError, UsageError
from bilan_core.i18n import _
from bilan_core.model import Consent, ConsentKind, Dossier, Phase, Responses
from bilan_core.model.serialize import dossier_from_json, dossier_to_json
from bilan_core.store.core import ConsentRecord, DossierInfo, SessionRecord, Store

if TYPE_CHECKING:
    from bilan_core.config.pipeline import Pipeline
    from bilan_core.plugins import PluginHost

PHASES = {phase.value: phase for phase in Phase}


def phase_name(phase: Phase) -> str:
    """The phase's name in the command line's language."""
    from bilan_core.config.pipeline import PHASE_NAMES

    return _(PHASE_NAMES[phase])


# -- creating and updating --------------------------------------------------------------------

def programme_of(pipeline: Pipeline, host: PluginHost) -> dict[str, Any]:
    """What the bilan is planned to be, for the evidence (agreements, information document,
    completion rate, BPF) once its content is destroyed: the steps with their titles, phases
    and hours, the questionnaires' titles, the beneficiary's status and the price. Staff's
    settings only: no answer, result or note."""
    registry = host.registry
    steps = []
    for step in pipeline.steps:
        known = registry.steps.get(step.id)
        steps.append({"id": step.id, "title": step.title or (known.title if known else step.id),
                      "phase": step.phase.value, "hours": str(step.hours)})
    methods = []
    for instrument_id in dict.fromkeys(i for step in pipeline.steps for i in step.instruments):
        try:
            methods.append(registry.instruments[instrument_id].title)
        except Exception:  # an instrument that no longer loads is named by its id
            methods.append(instrument_id)
    price = (pipeline.funding or {}).get("price")
    return {"steps": steps, "planned_hours": str(sum((s.hours for s in pipeline.steps),
                                                     Decimal(0))),
            "methods": methods, "status": pipeline.beneficiary.status.value,
            "employer": pipeline.beneficiary.employer,
            "price": None if price is None else str(price),
            "provider": pipeline.provider.name, "counsellor": pipeline.provider.counsellor}


def new_dossier(store: Store, host: PluginHost, path: Path, when: date | None,
                counsellor: str | None, beneficiary: str | None = None
                ) -> tuple[str, Pipeline]:
    """Create a dossier from a pipeline file (with ``beneficiary``, a provider's template
    made a beneficiary's): its plan, consents, notes and any answers it names; the new id
    and the pipeline."""
    from bilan_core.config.pipeline import Overrides, load_pipeline
    from bilan_core.files import decode_utf8, read_input
    from bilan_core.pipeline import open_dossier

    text = decode_utf8(read_input(path, "pipeline file"), path, "pipeline file")
    pipeline = load_pipeline(path, host, Overrides(reference_date=when, deferred_consent=True,
                                                   beneficiary_id=beneficiary), text=text)
    dossier = open_dossier(attrs.evolve(pipeline, responses={}))
    consents = [{"kind": c.kind.value, "given_on": c.given_on, "recipient": c.recipient,
                 "until": c.until} for c in pipeline.consents]
    dossier_id = store.create(
        label=pipeline.id, beneficiary=pipeline.beneficiary.id,
        reference_date=pipeline.reference_date, pipeline_path=os.path.realpath(path),
        pipeline_text=text, state=dossier_to_json(dossier), counsellor=counsellor,
        consents=consents, programme=programme_of(pipeline, host))
    for responses in pipeline.responses.values():
        import_responses(store, dossier_id, responses)
    return dossier_id, pipeline


def planned_instruments(store: Store, dossier_id: str) -> list[str]:
    """The questionnaires a stored dossier's steps plan, in their order (what an invitation
    may open)."""
    _info, _pipeline, content = store.content(dossier_id, purpose="invite")
    plan = json.loads(content).get("dossier", {}).get("plan", [])
    return list(dict.fromkeys(i for step in plan for i in step.get("instruments", [])))


def import_responses(store: Store, dossier_id: str, responses: Responses) -> int:
    """Save a responses file's answers in a dossier; how many."""
    store.start_administration(dossier_id, responses.instrument, responses.version)
    for item, value in responses.answers.items():
        store.record_answer(dossier_id, responses.instrument, item,
                            list(value) if isinstance(value, tuple) else value,
                            responses.timings.get(item))
    if responses.completed_on is not None or responses.experience:
        extra = {"experience": [attrs.asdict(e) for e in responses.experience]}
        store.complete_administration(dossier_id, responses.instrument,
                                      responses.completed_on or date.today(), extra)
    return len(responses.answers)


def update_dossier(store: Store, host: PluginHost, dossier_id: str, path: Path,
                   text: str | None = None, expected: int | None = None
                   ) -> tuple[Pipeline, list[str]]:
    """Take in an edited pipeline: notes and settings change; answers, sessions and consents
    stay; a change the law forbids is refused. The pipeline and what changed.

    ``text`` is the pipeline's new text when it does not come from the file ``path`` (the
    web's notes page edits the stored text; ``path`` still places the files it names);
    ``expected`` is the dossier version the edit started from: a dossier changed since is
    refused rather than overwritten."""
    from bilan_core.config.pipeline import Overrides, load_pipeline
    from bilan_core.files import decode_utf8, read_input

    info, old_text, state = store.content(dossier_id, purpose="update")
    if expected is not None and info.version != expected:
        raise UsageError(_("dossier {id} changed since this edit began (version {old}, now"
                           " {new}): start again from what it holds now").format(
            id=dossier_id, old=expected, new=info.version))
    if text is None:
        text = decode_utf8(read_input(path, "pipeline file"), path, "pipeline file")
    dossier = dossier_from_json(state)
    # A dossier made from a template for a beneficiary (``new_dossier(beneficiary=...)``)
    # keeps the template's text, whose [beneficiary] id is the template's: a text that still
    # names that id is the same template, and is for the dossier's beneficiary.
    made_for = (dossier.beneficiary.id if _beneficiary_of(text) == _beneficiary_of(old_text)
                != dossier.beneficiary.id else None)
    pipeline = load_pipeline(path, host, Overrides(reference_date=info.reference_date,
                                                   deferred_consent=True,
                                                   beneficiary_id=made_for), text=text)
    if pipeline.beneficiary.id != dossier.beneficiary.id:
        raise UsageError(_("{file}: this pipeline is for beneficiary {new!r}, the dossier"
                           " {id} for {old!r}").format(file=path, new=pipeline.beneficiary.id,
                                                       id=dossier_id,
                                                       old=dossier.beneficiary.id))
    held = {s.step for s in store.sessions(dossier_id)} | {s.id for s in dossier.steps_done}
    old_plan = {s.id: s for s in dossier.plan}
    new_plan = {s.id: s for s in pipeline.steps}
    for step in sorted(held):
        before, after = old_plan.get(step), new_plan.get(step)
        if after is None:
            raise UsageError(_("{file}: step {step!r} was already held; it cannot be removed"
                               " from the dossier").format(file=path, step=step))
        if before is not None and (after.phase, after.instruments) != (before.phase,
                                                                       before.instruments):
            raise UsageError(_("{file}: step {step!r} was already held; its phase and"
                               " instruments cannot change").format(file=path, step=step))
    logged = sum((s.hours for s in store.sessions(dossier_id)), Decimal(0))
    ceiling = rules.maximum_hours_rule(info.reference_date, pipeline.beneficiary.working_time)
    if ceiling is not None and logged > ceiling.value:
        raise UsageError(_("{file}: {logged} h are already logged, over {rule}").format(
            file=path, logged=logged, rule=ceiling.text))
    changed = [name for name, old, new in (
        ("plan", dossier.plan, pipeline.steps), ("beneficiary", dossier.beneficiary,
                                                 pipeline.beneficiary),
        ("provider", dossier.provider, pipeline.provider), ("branding", dossier.branding,
                                                             pipeline.branding),
        ("notes", old_text, text)) if old != new]
    kept = attrs.evolve(dossier, beneficiary=pipeline.beneficiary, provider=pipeline.provider,
                        plan=pipeline.steps, branding=pipeline.branding,
                        recipients=pipeline.recipients)
    store.save_state(dossier_id, dossier_to_json(kept), info.version, pipeline_text=text,
                     pipeline_path=os.path.realpath(path), action="dossier.update",
                     programme=programme_of(pipeline, host))
    return pipeline, changed


def _beneficiary_of(text: str) -> Any:
    """The ``[beneficiary] id`` a pipeline text names (None when it names none or does not
    parse: the loader then says what is wrong)."""
    from bilan_core.config.toml import parse_toml

    try:
        found = parse_toml(text).get("beneficiary", {})
    except BilanError:
        return None
    return found.get("id") if isinstance(found, dict) else None


# -- the law across sessions ------------------------------------------------------------------

def session_rules(step: str, held_on: date, hours: Decimal
                  ) -> Callable[[DossierInfo, str, list[SessionRecord], list[ConsentRecord]], str]:
    """The check :meth:`Store.log_session` applies inside its transaction: the step is
    planned, phases follow the law's order across sessions, the investigation phase has the
    beneficiary's consent, and the hours stay within the ceiling. Returns the step's phase."""

    def check(info: DossierInfo, state: str, sessions: list[SessionRecord],
              consents: list[ConsentRecord]) -> str:
        dossier = dossier_from_json(state)
        plan = {s.id: s for s in dossier.plan}
        planned = plan.get(step)
        if planned is None:
            from bilan_core.errors import did_you_mean

            raise UsageError(_("dossier {id}: no step {step!r} in its plan{suggestion}; planned"
                               " steps: {steps}").format(
                id=info.id, step=step, suggestion=did_you_mean(step, plan),
                steps=", ".join(plan)))
        phase = planned.phase
        if held_on > date.today():
            raise UsageError(_("refused: {date} is in the future; a session is logged once it"
                               " was held").format(date=held_on.isoformat()))
        earliest = info.reference_date.replace(year=info.reference_date.year - 1) if not (
            info.reference_date.month == 2 and info.reference_date.day == 29) else \
            info.reference_date.replace(year=info.reference_date.year - 1, day=28)
        if held_on < earliest:
            raise UsageError(_("refused: {date} is more than a year before the bilan's reference"
                               " date ({reference})").format(
                date=held_on.isoformat(), reference=info.reference_date.isoformat()))
        for earlier in sessions:
            other = PHASES[earlier.phase]
            if (earlier.held_on < held_on and other.rank > phase.rank) or (
                    earlier.held_on > held_on and other.rank < phase.rank):
                raise UsageError(_(
                    "refused: a session of the {other} was held on {day} ({step}); a session"
                    " of the {phase} on {date} would break the order of the phases"
                    " (préliminaire, investigation, conclusions; Code du travail R6313-4)")
                    .format(other=phase_name(other), day=earlier.held_on.isoformat(),
                            step=earlier.step, phase=phase_name(phase),
                            date=held_on.isoformat()))
        for before in Phase:
            if before.rank >= phase.rank:
                break
            if not any(PHASES[s.phase] is before and s.held_on <= held_on for s in sessions):
                raise UsageError(_(
                    "refused: no session of the {before} yet; the {phase} comes after it"
                    " (Code du travail R6313-4)").format(before=phase_name(before),
                                                         phase=phase_name(phase)))
        if phase is Phase.INVESTIGATION and not any(
                c.kind == "bilan" and c.in_force(held_on) for c in consents):
            raise UsageError(_(
                "refused: the investigation phase needs the beneficiary's consent to the"
                " bilan, recorded on or before {date} (bilan consent record {id} --kind bilan;"
                " Code du travail L6313-4)").format(date=held_on.isoformat(), id=info.id))
        logged = sum((s.hours for s in sessions), Decimal(0))
        # The ceiling of the bilan's own date, for all its sessions alike.
        rule = rules.maximum_hours_rule(info.reference_date, dossier.beneficiary.working_time)
        check.ceiling = rule.value if rule is not None else None  # type: ignore[attr-defined]
        if rule is not None and logged + hours > rule.value:
            raise UsageError(_(
                "refused: {hours} h more would bring the bilan to {total} h; {rule}; {left} h"
                " remain").format(hours=_hours(hours), total=_hours(logged + hours),
                                  rule=rule.text, left=_hours(rule.value - logged)))
        return phase.value

    check.ceiling = None  # type: ignore[attr-defined]  # set by the check: for the message
    return check


def remaining_hours(dossier: Dossier, sessions: Sequence[SessionRecord], on: date
                    ) -> Decimal | None:
    """The hours left under the ceiling on a day, or None without one."""
    rule = rules.maximum_hours_rule(on, dossier.beneficiary.working_time)
    if rule is None:
        return None
    return rule.value - sum((s.hours for s in sessions), Decimal(0))


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def consent_rules(kind: str, given_on: date, until: date | None
                  ) -> Callable[[DossierInfo, str], None]:
    """The check of a new consent: a retention consent stays within the legal ceiling
    (R6313-7), counted from the bilan's reference date and lowered by the pipeline."""

    def check(info: DossierInfo, state: str) -> None:
        if kind != "retention" or until is None:
            return
        from bilan_core.model.common import add_months

        months = rules.retention_months(info.reference_date)
        if months is None:
            return
        ceiling = add_months(max(info.reference_date, given_on), int(months))
        if until > ceiling:
            raise UsageError(_("refused: documents may be kept until {ceiling} at most, not"
                               " {until}: {rule}").format(
                ceiling=ceiling.isoformat(), until=until.isoformat(),
                rule=rules.RETENTION_CEILING.text))

    return check


# -- reading back and running -----------------------------------------------------------------

def stored_consents(records: Sequence[ConsentRecord], today: date) -> tuple[Consent, ...]:
    """The consents not revoked by ``today``, as the dossier's model holds them (each is then
    in force or not on the day a check asks about: the reference date for the steps, the day
    a copy is made for a share)."""
    return tuple(Consent(kind=ConsentKind(r.kind), given_on=r.given_on, recipient=r.recipient,
                         until=r.until)
                 for r in records if r.revoked_on is None or r.revoked_on > today)


def stored_responses(store: Store, dossier_id: str, host: PluginHost) -> dict[str, Responses]:
    """The answers kept in the store, checked against their instruments again."""
    from bilan_core.config.responses import check_against
    from bilan_core.config.schema import Context
    from bilan_core.model.assessment import Experience

    found = {}
    for instrument_id, entry in store.answers(dossier_id).items():
        answers = {item: tuple(v) if isinstance(v, list) else v
                   for item, v in entry["answers"].items()}
        if not answers:
            continue
        responses = Responses(
            instrument=instrument_id, version=entry["version"], answers=answers,
            timings=entry["timings"], completed_on=entry["completed_on"],
            experience=tuple(Experience(**e) for e in entry["extra"].get("experience", ())))
        instrument = host.registry.instruments.get(instrument_id)
        if instrument is None:
            raise UsageError(_("dossier {id}: answers to {instrument!r}, which no loaded plugin"
                               " registers").format(id=dossier_id, instrument=instrument_id))
        check_against(responses, instrument,
                      Context(file=Path(f"store:{dossier_id}:{instrument_id}")))
        found[instrument_id] = responses
    return found


def load_for_run(store: Store, dossier_id: str, host_for: Callable[..., Any],
                 when: date | None = None) -> tuple[Any, Pipeline, Dossier, DossierInfo]:
    """The host, pipeline and dossier of a stored bilan, with its consents and answers as
    the store holds them now."""
    from bilan_core.config.pipeline import Overrides, load_pipeline

    info, text, state = store.content(dossier_id, purpose="run")
    if info.pipeline_path is None:
        raise UsageError(_("dossier {id}: no pipeline is recorded").format(id=dossier_id))
    path = Path(info.pipeline_path)
    host = host_for(path, text)
    on = when or info.reference_date
    pipeline = load_pipeline(path, host, Overrides(reference_date=on, deferred_consent=True),
                             text=text)
    dossier = dossier_from_json(state)
    consents = stored_consents(store.consents(dossier_id), date.today())
    responses = stored_responses(store, dossier_id, host)
    pipeline = attrs.evolve(pipeline, consents=consents, responses=responses)
    dossier = attrs.evolve(dossier, id=dossier_id, consents=consents, responses=responses,
                           reference_date=on)
    return host, pipeline, dossier, info
