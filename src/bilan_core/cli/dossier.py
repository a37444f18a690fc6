"""``bilan dossier``, ``bilan session`` and ``bilan consent``: a bilan kept in the store,
session after session."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from bilan_core.cli import DATE, PATH, State, note_line, state, warning_line
from bilan_core.i18n import N_, _, ngettext

#: Words the store writes as data and the command line shows translated.
WORDS = (N_("open"), N_("closed"), N_("purged"), N_("counsellor"), N_("admin"), N_("owner"),
         N_("presentiel"), N_("distance"), N_("plan"), N_("notes"), N_("beneficiary"),
         N_("provider"), N_("branding"))


def host_for(path: Path, text: str | None = None, current: State | None = None) -> Any:
    """The plugin host a pipeline asks for (the command line winning): ``current``'s, by
    default the running command's."""
    from bilan_core.config.pipeline import plugin_settings

    settings = plugin_settings(path, text)
    current = current or state()
    objects = []
    if settings.instruments:
        from bilan_core.instruments.plugin import PLUGIN_NAME, PipelineInstruments

        objects.append((PLUGIN_NAME, PipelineInstruments(settings.instruments)))
    folder = [path.resolve().parent] if settings.plugins else []
    return current.host(explicit=settings.plugins, blocked=settings.disabled,
                        search_path=folder, objects=objects)


class HoursArg(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2
    """Hours of a session: a positive number, in quarters of an hour at most."""

    name = "hours"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        import re

        text = str(value).strip()
        try:
            hours = (Decimal(text.replace(",", "."))
                     if re.fullmatch(r"\d{1,2}([.,]\d{1,2})?", text) else Decimal(-1))
        except InvalidOperation:
            hours = Decimal(-1)
        if hours <= 0 or hours > 24:
            self.fail(_("expected hours above 0 and at most 24, such as 2 or 1.5, got {value!r}")
                      .format(value=value), param, ctx)
        return hours


HOURS = HoursArg()


# -- dossier ----------------------------------------------------------------------------------

@click.group("dossier", help=_("Dossiers kept in the store, over the weeks of a bilan."))
def dossier_group() -> None:
    """Dossiers kept in the store, over the weeks of a bilan."""


@dossier_group.command("new", help=_(
    "Create a dossier from a pipeline file (beneficiary, provider, planned steps, consents, the"
    " counsellor's notes, any answers it names); its id is the last word printed."))
@click.argument("pipeline_file", metavar="PIPELINE.toml", type=PATH)
@click.option("--counsellor", metavar="ACCOUNT",
              help=_("The counsellor's account (default: yours, if you are a counsellor)."))
@click.option("--date", "when", type=DATE, help=_("Reference date (overrides the file's)."))
def dossier_new(pipeline_file: Path, counsellor: str | None, when: date | None) -> None:
    """Create a dossier from a pipeline file; its id is the last word printed."""
    from bilan_core.store.dossiers import new_dossier

    store = state().store()
    dossier_id, pipeline = new_dossier(store, host_for(pipeline_file), pipeline_file, when,
                                       counsellor)
    for line in pipeline.warnings:
        warning_line(line)
    click.echo(_("dossier created for {beneficiary} ({label}): {id}").format(
        beneficiary=pipeline.beneficiary.id, label=pipeline.id, id=dossier_id))


@dossier_group.command("list", help=_("List the dossiers you may see."))
@click.option("--status", type=click.Choice(["open", "closed", "purged"]),
              help=_("Only dossiers in this state."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def dossier_list(status: str | None, as_json: bool) -> None:
    """List the dossiers you may see."""
    import attrs

    dossiers = state().store().dossiers(status=status)
    if as_json:
        from bilan_core.cli.store import echo_json

        echo_json([attrs.asdict(d) for d in dossiers])
        return
    for d in dossiers:
        click.echo(f"{d.id}  {d.label:<20}  {d.beneficiary or '—':<12}  {d.counsellor:<12}"
                   f"  {_(d.status):<8}  " + _("{hours} h in {n} sessions").format(
                       hours=f"{d.hours.normalize():f}", n=d.sessions))
    click.echo(ngettext("{n} dossier", "{n} dossiers", len(dossiers)).format(n=len(dossiers)))


@dossier_group.command("show", help=_("Show a dossier: plan, sessions, consents, answers."))
@click.argument("dossier_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON."))
def dossier_show(dossier_id: str, as_json: bool) -> None:
    """Show a dossier: plan, sessions, consents, answers."""
    import attrs

    from bilan_core.model.serialize import dossier_from_json
    from bilan_core.store.dossiers import phase_name, remaining_hours

    store = state().store()
    info = store.info(dossier_id)
    sessions = store.sessions(dossier_id)
    consents = store.consents(dossier_id)
    if info.status == "purged":
        dossier = None
        answered: dict[str, Any] = {}
    else:
        _info, _text, saved = store.content(dossier_id, purpose="show")
        dossier = dossier_from_json(saved)
        answered = store.answers(dossier_id)
    if as_json:
        from bilan_core.cli.store import echo_json

        echo_json({"dossier": attrs.asdict(info),
                   "plan": [{"id": s.id, "phase": s.phase.value, "hours": str(s.hours)}
                            for s in (dossier.plan if dossier else ())],
                   "steps_done": [s.id for s in (dossier.steps_done if dossier else ())],
                   "sessions": [attrs.asdict(s) for s in sessions],
                   "consents": [attrs.asdict(c) for c in consents],
                   "answers": {k: {"answered": len(v["answers"]),
                                   "completed_on": v["completed_on"]}
                               for k, v in answered.items()}})
        return
    click.echo(_("Dossier {id} — {label}, beneficiary {beneficiary}, counsellor {counsellor},"
                 " {status}").format(id=info.id, label=info.label,
                                     beneficiary=info.beneficiary or "—",
                                     counsellor=info.counsellor, status=_(info.status)))
    if dossier is not None:
        done = {s.id for s in dossier.steps_done}
        click.echo(_("Plan:"))
        for planned in dossier.plan:
            held = sum((s.hours for s in sessions if s.step == planned.id), Decimal(0))
            mark = _("done") if planned.id in done else ""
            click.echo(f"  {planned.id:<20} {phase_name(planned.phase):<24}"
                       f" {held.normalize():f}/{planned.hours.normalize():f} h  {mark}")
        left = remaining_hours(dossier, sessions, date.today())
        if left is not None:
            click.echo(_("Hours logged: {hours} h; {left} h remain under the ceiling").format(
                hours=f"{info.hours.normalize():f}", left=f"{left.normalize():f}"))
    click.echo(ngettext("{n} session", "{n} sessions", len(sessions)).format(n=len(sessions)))
    for s in sessions:
        click.echo(f"  {s.held_on.isoformat()}  {s.hours.normalize():f} h  {s.step}"
                   f"  {_(s.modality)}  ({s.recorded_by})")
    click.echo(ngettext("{n} consent", "{n} consents", len(consents)).format(n=len(consents)))
    for c in consents:
        what = c.kind + (f" → {c.recipient}" if c.recipient else "")
        until = _(" until {date}").format(date=c.until.isoformat()) if c.until else ""
        revoked = (_(", revoked on {date}").format(date=c.revoked_on.isoformat())
                   if c.revoked_on else "")
        click.echo(f"  {what}: " + _("given on {date}").format(date=c.given_on.isoformat())
                   + until + revoked)
    for instrument, entry in answered.items():
        done_on = entry["completed_on"]
        click.echo("  " + _("{instrument}: {n} answers{completed}").format(
            instrument=instrument, n=len(entry["answers"]),
            completed=_(", completed on {date}").format(date=done_on.isoformat())
            if done_on else ""))


@dossier_group.command("update", help=_(
    "Take in an edited pipeline file: notes and settings change; answers, sessions and consents"
    " stay; a change the law forbids is refused."))
@click.argument("dossier_id", metavar="ID")
@click.argument("pipeline_file", metavar="PIPELINE.toml", type=PATH)
def dossier_update(dossier_id: str, pipeline_file: Path) -> None:
    """Take in an edited pipeline file."""
    from bilan_core.store.dossiers import update_dossier

    store = state().store()
    pipeline, changed = update_dossier(store, host_for(pipeline_file), dossier_id,
                                       pipeline_file)
    for line in pipeline.warnings:
        warning_line(line)
    click.echo(_("dossier {id} updated: {changed}").format(
        id=dossier_id, changed=", ".join(_(c) for c in changed) if changed else _("no change")))


@dossier_group.command("answers", help=_("Import answers from a responses file."))
@click.argument("dossier_id", metavar="ID")
@click.option("--import", "import_file", type=PATH, required=True,
              help=_("A responses file (the format bilan administer writes)."))
def dossier_answers(dossier_id: str, import_file: Path) -> None:
    """Import answers from a responses file."""
    from bilan_core.config.responses import read_responses
    from bilan_core.store.dossiers import import_responses

    store = state().store()
    info, text, _saved = store.content(dossier_id, purpose="import")
    host = host_for(Path(info.pipeline_path or import_file), text if info.pipeline_path
                    else None)
    responses = read_responses(import_file)
    instrument = host.registry.instruments.get(responses.instrument)
    if instrument is None:
        from bilan_core.errors import UsageError

        raise UsageError(_("{file}: no loaded plugin registers the instrument {instrument!r}")
                         .format(file=import_file, instrument=responses.instrument))
    responses = read_responses(import_file, instrument, expected_id=instrument.id)
    if responses.beneficiary and responses.beneficiary != info.beneficiary:
        from bilan_core.errors import UsageError

        raise UsageError(_("{file}: these answers belong to beneficiary {owner!r}, not to"
                           " {beneficiary!r}").format(file=import_file,
                                                      owner=responses.beneficiary,
                                                      beneficiary=info.beneficiary))
    count = import_responses(store, dossier_id, responses)
    click.echo(ngettext("{n} answer to {instrument} saved in dossier {id}",
                        "{n} answers to {instrument} saved in dossier {id}", count).format(
        n=count, instrument=instrument.id, id=dossier_id))


@dossier_group.command("close", help=_(
    "End the bilan: its content (answers, results, free text, documents) is destroyed now,"
    " unless a retention consent keeps it until its date (one year at most, R6313-7)."))
@click.argument("dossier_id", metavar="ID")
@click.option("--date", "when", type=DATE, help=_("The day the bilan ends (default: today)."))
def dossier_close(dossier_id: str, when: date | None) -> None:
    """End the bilan."""
    from bilan_core.store.dossiers import consent_rules

    store = state().store()
    on = when or date.today()

    def ceiling(info: Any, keep_until: date) -> None:
        consent_rules("retention", on, keep_until)(info, "")

    kept = store.close_dossier(dossier_id, on=on, check=ceiling)
    if kept is None:
        click.echo(_("dossier {id} closed; its content was destroyed (no retention consent)")
                   .format(id=dossier_id))
    else:
        click.echo(_("dossier {id} closed; its content is kept until {date} with the"
                     " beneficiary's consent, then destroyed by 'bilan purge'").format(
            id=dossier_id, date=kept.isoformat()))
    note_line(_("files written outside the store (run or report --output) are not the"
                " store's: destroy them as the beneficiary decided"))


@dossier_group.command("export", help=_(
    "Write all of a beneficiary's data as JSON (right of access and portability)."))
@click.argument("dossier_id", metavar="ID")
@click.option("-o", "--output", type=PATH, help=_("The JSON file to write (default: stdout)."))
def dossier_export(dossier_id: str, output: Path | None) -> None:
    """Write all of a beneficiary's data as JSON."""
    document = state().store().export(dossier_id)
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    import os

    from bilan_core.errors import UsageError

    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise UsageError(_("{file}: cannot write the export ({reason}); it is never"
                           " overwritten").format(file=output,
                                                  reason=exc.strerror or exc)) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    note_line(_("wrote {file}").format(file=output))


@dossier_group.command("delete", help=_(
    "Delete a dossier and everything it holds; only its audit trail remains."))
@click.argument("dossier_id", metavar="ID")
@click.option("--yes", is_flag=True, required=True, help=_("Confirm the deletion."))
def dossier_delete(dossier_id: str, yes: bool) -> None:
    """Delete a dossier and everything it holds."""
    state().store().delete_dossier(dossier_id)
    click.echo(_("dossier {id} deleted").format(id=dossier_id))


# -- session ----------------------------------------------------------------------------------

@click.group("session", help=_("The sessions held with the beneficiary."))
def session_group() -> None:
    """The sessions held with the beneficiary."""


@session_group.command("log", help=_(
    "Log a session: the 24-hour ceiling and the order of the phases are enforced across"
    " sessions."))
@click.argument("dossier_id", metavar="ID")
@click.option("--date", "held_on", type=DATE, required=True, help=_("The day it was held."))
@click.option("--hours", type=HOURS, required=True, help=_("How long it lasted, in hours."))
@click.option("--step", required=True, help=_("The planned step it belongs to."))
@click.option("--modality", type=click.Choice(["presentiel", "distance"]),
              default="presentiel", show_default=True, help=_("In person or at a distance."))
def session_log(dossier_id: str, held_on: date, hours: Decimal, step: str,
                modality: str) -> None:
    """Log a session."""
    from bilan_core.store.dossiers import session_rules

    store = state().store()
    check = session_rules(step, held_on, hours)
    record, total = store.log_session(dossier_id, held_on=held_on, hours=hours, step=step,
                                      modality=modality, check=check)
    ceiling = check.ceiling  # type: ignore[attr-defined]
    left = (_("; {left} h remain under the ceiling").format(
        left=f"{(ceiling - total).normalize():f}") if ceiling is not None else "")
    click.echo(_("session {n} logged: {date}, {hours} h, {step}; {total} h in all{left}").format(
        n=record.id, date=held_on.isoformat(), hours=f"{hours.normalize():f}", step=step,
        total=f"{total.normalize():f}", left=left))


@session_group.command("list", help=_("List a dossier's sessions."))
@click.argument("dossier_id", metavar="ID")
def session_list(dossier_id: str) -> None:
    """List a dossier's sessions."""
    sessions = state().store().sessions(dossier_id)
    for s in sessions:
        click.echo(f"{s.id}  {s.held_on.isoformat()}  {s.hours.normalize():f} h  {s.step}"
                   f"  {_(s.modality)}  ({s.recorded_by})")
    total = sum((s.hours for s in sessions), Decimal(0))
    click.echo(ngettext("{n} session, {hours} h", "{n} sessions, {hours} h",
                        len(sessions)).format(n=len(sessions), hours=f"{total.normalize():f}"))


# -- consent ----------------------------------------------------------------------------------

@click.group("consent", help=_("The beneficiary's consents: to the bilan, to sharing, to"
                               " keeping documents."))
def consent_group() -> None:
    """The beneficiary's consents."""


KIND = click.Choice(["bilan", "sharing", "retention"])


@consent_group.command("record", help=_("Record a consent the beneficiary gave."))
@click.argument("dossier_id", metavar="ID")
@click.option("--kind", type=KIND, required=True, help=_("What the beneficiary agreed to."))
@click.option("--recipient", metavar="NAME", help=_("Who may receive the results (sharing)."))
@click.option("--until", type=DATE, help=_("Until when documents may be kept (retention)."))
@click.option("--date", "given_on", type=DATE, help=_("The day it was given (default: today)."))
def consent_record(dossier_id: str, kind: str, recipient: str | None, until: date | None,
                   given_on: date | None) -> None:
    """Record a consent the beneficiary gave."""
    from bilan_core.errors import UsageError
    from bilan_core.model import Consent
    from bilan_core.store.dossiers import consent_rules

    on = given_on or date.today()
    try:
        Consent(kind=kind, given_on=on, recipient=recipient, until=until)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    consent_id = state().store().record_consent(
        dossier_id, kind=kind, given_on=on, recipient=recipient, until=until,
        check=consent_rules(kind, on, until))
    click.echo(_("consent {n} recorded: {kind}, given on {date}").format(
        n=consent_id, kind=kind, date=on.isoformat()))


@consent_group.command("revoke", help=_("Record that the beneficiary withdrew a consent."))
@click.argument("dossier_id", metavar="ID")
@click.option("--kind", type=KIND, required=True, help=_("Which consent."))
@click.option("--recipient", metavar="NAME", help=_("Only the sharing consent for them."))
@click.option("--date", "on", type=DATE, help=_("The day it was withdrawn (default: today)."))
def consent_revoke(dossier_id: str, kind: str, recipient: str | None, on: date | None) -> None:
    """Record that the beneficiary withdrew a consent."""
    ids = state().store().revoke_consent(dossier_id, kind=kind, on=on or date.today(),
                                         recipient=recipient)
    click.echo(ngettext("{n} consent revoked", "{n} consents revoked", len(ids)).format(
        n=len(ids)))


def _identity() -> None:
    """``bilan dossier identity`` lives with the rest of the provider's evidence."""
    from bilan_core.cli.evidence import dossier_identity

    dossier_group.add_command(dossier_identity)


_identity()
