"""The pipeline file: its schema, its loading, and the rules of the law it must respect.

Loading happens in two passes, because the plugins decide part of the schema:

1. :func:`plugin_settings` reads only ``plugins`` and ``disable_plugins`` so the host can load
   the right plugins;
2. :func:`load_pipeline` checks the whole file against the core schema plus every loaded
   plugin's section, reads every file it references, and applies the legal rules.
"""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from bilan_core import rules
from bilan_core.config.beneficiary import INLINE_BENEFICIARY, pipeline_beneficiary
from bilan_core.config.responses import read_responses
from bilan_core.config.schema import (
    ArrayOf,
    Bool,
    Context,
    Date,
    Euros,
    Field,
    FilePath,
    Hours,
    Identifier,
    ListOf,
    MapOf,
    Number,
    Str,
    Table,
)
from bilan_core.config.toml import KeyLocator, read_toml
from bilan_core.errors import ConfigError, KeyPart, Location, did_you_mean
from bilan_core.i18n import N_, Message, _
from bilan_core.model import (
    Beneficiary,
    Branding,
    Consent,
    ConsentKind,
    ExtraSection,
    Instrument,
    NormTable,
    Phase,
    PlannedStep,
    Provider,
    Responses,
)
from bilan_core.model.branding import COLOUR, EXTENSIONS, LOGO_TYPES, data_uri, embed_problem
from bilan_core.values import plain_repr

if TYPE_CHECKING:
    from bilan_core.plugins import PluginHost

IDENT = Str(min_length=1)

#: The legal phases as error messages name them (documents use ``Phase.label``, French).
PHASE_NAMES = {Phase.PRELIMINARY: N_("preliminary phase"),
               Phase.INVESTIGATION: N_("investigation phase"),
               Phase.CONCLUSIONS: N_("conclusions phase")}

STEP = Table({
    "id": Field(IDENT, required=True, help=N_("a registered step id (see bilan plugins)")),
    "hours": Field(Hours(maximum=24), required=True, help=N_("planned hours of accompaniment")),
    "instruments": Field(ListOf(IDENT, unique=True), default=(),
                         help="ids of the instruments used in this step"),
    "title": Field(Str(), help="a title replacing the step's own"),
})

RESPONSES_ENTRY = Table({
    "instrument": Field(IDENT, required=True, help=N_("the instrument's id")),
    "file": Field(FilePath(), required=True, help=N_("the responses file")),
})

CONSENT = Table({
    "kind": Field(Str(choices=tuple(k.value for k in ConsentKind)), required=True),
    "given_on": Field(Date(), required=True, help=N_("the day the beneficiary agreed")),
    "recipient": Field(Identifier(), help="who may receive results (kind = sharing)"),
    "until": Field(Date(), help="how long documents may be kept (kind = retention)"),
})

PROVIDER = Table({
    "name": Field(Str(min_length=1), required=True),
    "qualiopi": Field(Bool(), required=True, help=N_("whether the provider is Qualiopi-certified")),
    "qualiopi_certificate": Field(Str()),
    "counsellor": Field(Str(), help="the counsellor in charge"),
})

FUNDING = Table({
    "price": Field(Euros(), required=True, help=N_("the quote's price in euros")),
    "hours": Field(Hours(maximum=24), help="hours of the quote (default: the planned hours)"),
})

EXTRA_SECTION = Table({
    "title": Field(Str(min_length=1), required=True),
    "body": Field(Str(), required=True, help=N_("text: paragraphs, - lists, **bold**")),
    "order": Field(Number(integer=True), default=800,
                   help="where it goes (circumstances 100 ... observations 900)"),
    "audience": Field(Str(choices=("beneficiary", "counsellor")), default="beneficiary"),
})


def _colour(values: dict[str, Any]) -> tuple[str, str] | None:
    colour = values.get("colour")
    if colour is not None and not COLOUR.fullmatch(colour):
        return "colour", _("expected a colour written #rgb or #rrggbb, such as \"#1f5f8b\","
                           " got {colour!r}").format(colour=colour)
    return None


REPORT = Table({
    "formats": Field(ListOf(IDENT, unique=True), default=("json",),
                     help="output formats of the synthèse (see bilan plugins)"),
    "recipients": Field(ListOf(Identifier(), unique=True), default=("beneficiary",),
                        help="who receives the synthèse; others than the beneficiary"
                             " need a sharing consent"),
    "provider_name": Field(Str(min_length=1), help="the name printed on the documents"),
    "logo": Field(FilePath(), help="a PNG, JPEG or SVG logo, embedded in the documents"),
    "colour": Field(Str(), help="the brand colour, e.g. \"#1f5f8b\""),
    "signature": Field(Str(), help="the signature block of the provider"),
    "template": Field(FilePath(), help="a Jinja2 HTML template replacing the built-in one"
                                       " (rendered in Jinja2's sandbox)"),
    "extra_sections": Field(ArrayOf(EXTRA_SECTION, id_key="title"), default=(),
                            help="sections of the provider's own"),
}, checks=(_colour,))

WEB = Table({
    "show_results": Field(Bool(), default=False,
                          help="show the beneficiary their results in the web application"
                               " once the steps have run (by default they are discussed in"
                               " session first)"),
})

RULES = Table({
    "minimum_hours": Field(Hours(maximum=24),
                           help="overrides the dated minimum of hours (13 h from 2026)"),
    "retention_months": Field(Number(minimum=1, integer=True),
                              help="lowers how long documents kept with consent may be kept"
                                   " after the end of the bilan (12 months at most)"),
})

#: The top level of the pipeline file, without plugin sections.
CORE_FIELDS: dict[str, Field] = {
    "reference_date": Field(Date(), help="the date rules are evaluated for (default: today)"),
    "id": Field(Identifier(), help="the dossier's id (default: beneficiary id and date)"),
    "plugins": Field(ListOf(IDENT, unique=True), default=(),
                     help="modules to load as plugins, relative to this file's folder"),
    "disable_plugins": Field(ListOf(IDENT, unique=True), default=(),
                             help="plugin names to block"),
    "instruments": Field(ListOf(FilePath(), unique=True), default=(),
                         help="instrument files (TOML) to register, relative to this file"),
    "beneficiary": Field(INLINE_BENEFICIARY, required=True),
    "provider": Field(PROVIDER, required=True),
    "steps": Field(ArrayOf(STEP, id_key="id"), required=True, help=N_("the steps, in legal order")),
    "responses": Field(ArrayOf(RESPONSES_ENTRY, id_key="instrument"), default=(),
                       help="answers already collected, one file per instrument"),
    "consent": Field(ArrayOf(CONSENT, id_key="kind", unique_id=False), default=(),
                     help="consents the beneficiary gave"),
    "funding": Field(FUNDING, help="the quote to fund"),
    "report": Field(REPORT, default=None),
    "norms": Field(MapOf(Str(min_length=1)), default=None,
                   help="instrument id = the norm group the counsellor chose"),
    "rules": Field(RULES, default=None),
    "web": Field(WEB, default=None),
    "plugin": Field(MapOf(Table({})), default=None,
                    help="each plugin's own section: [plugin.NAME]"),
}


@plain_repr
@attrs.frozen(repr=False)
class Pipeline:
    """A validated pipeline file: everything a run needs, files already read."""

    file: Path
    id: str
    reference_date: date
    beneficiary: Beneficiary
    provider: Provider
    steps: tuple[PlannedStep, ...]
    consents: tuple[Consent, ...] = ()
    responses: dict[str, Responses] = attrs.field(factory=dict)
    funding: dict[str, Any] | None = None
    formats: tuple[str, ...] = ("json",)
    recipients: tuple[str, ...] = ("beneficiary",)
    norms: dict[str, str] = attrs.field(factory=dict)
    branding: Branding = attrs.field(factory=Branding)  # recorded in the dossier
    minimum_hours: Decimal | None = None
    retention_months: int | None = None
    plugin_config: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    warnings: tuple[Message, ...] = ()

    def options(self, plugin: str) -> dict[str, Any]:
        """The checked ``[plugin.NAME]`` section of a plugin (defaults filled in)."""
        return self.plugin_config.get(plugin, {})


@plain_repr
@attrs.frozen(repr=False)
class Overrides:
    """Settings given on the command line, which win over the file's."""

    reference_date: date | None = None
    formats: tuple[str, ...] | None = None
    #: A dossier of the store: consents are recorded over time, and the consent the
    #: investigation phase needs is checked when its sessions are logged and its steps run.
    deferred_consent: bool = False
    #: The beneficiary's id, for a dossier made from a provider's template (whose
    #: ``[beneficiary]`` describes the situation, not the person).
    beneficiary_id: str | None = None


def pipeline_table(host: PluginHost | None) -> Table:
    """The schema of the whole pipeline file, with the loaded plugins' sections."""
    sections = dict(host.registry.config_sections) if host is not None else {}
    fields = dict(CORE_FIELDS)
    fields["plugin"] = Field(
        Table({name: Field(table) for name, table in sorted(sections.items())},
              help="each plugin's own section: [plugin.NAME]"),
        default=None)
    return Table(fields, help="a bilan de compétences pipeline")


@plain_repr
@attrs.frozen(repr=False)
class PluginSettings:
    """What a pipeline asks of the host: modules to load, plugins to block, instrument files."""

    plugins: tuple[str, ...] = ()
    disabled: tuple[str, ...] = ()
    instruments: tuple[Instrument, ...] = ()


def _read(path: Path, text: str | None) -> tuple[dict[str, Any], str]:
    """The pipeline's document: the file, or its text as a dossier of the store keeps it
    (the files it references are still found beside ``path``)."""
    if text is None:
        return read_toml(path, "pipeline file")
    from bilan_core.config.toml import parse_toml

    return parse_toml(text, path), text


def plugin_settings(path: Path, text: str | None = None) -> PluginSettings:
    """Read what the host needs from a pipeline file, before plugins are loaded.

    Instrument files named by the pipeline are loaded here, so their errors are located.
    """
    from bilan_core.instruments import load_instrument

    data, text = _read(path, text)
    ctx = Context(Path(os.path.realpath(path)), KeyLocator(text),
                  root=Path(os.path.realpath(path)).parent)
    found = {}
    for key in ("plugins", "disable_plugins", "instruments"):
        found[key] = CORE_FIELDS[key].kind.check(data[key], (key,), ctx) if key in data else ()
    return PluginSettings(found["plugins"], found["disable_plugins"],
                          tuple(load_instrument(p) for p in found["instruments"]))


def load_pipeline(path: Path, host: PluginHost, overrides: Overrides = Overrides(),
                  text: str | None = None) -> Pipeline:
    """Check a pipeline file and everything it references; return the :class:`Pipeline`.

    Every problem raises a :class:`ConfigError` naming the file, key path, line and column.
    ``text``, when given, is the file's content as a dossier of the store keeps it.
    """
    data, text = _read(path, text)
    real = Path(os.path.realpath(path))
    ctx = Context(real, KeyLocator(text), root=real.parent)
    _check_plugin_sections(data, host, ctx)
    values = pipeline_table(host).check(data, (), ctx)
    registry = host.registry

    reference_date = overrides.reference_date or values["reference_date"] or date.today()
    beneficiary = pipeline_beneficiary(values["beneficiary"], ctx)
    if overrides.beneficiary_id is not None:
        try:
            beneficiary = attrs.evolve(beneficiary, id=overrides.beneficiary_id)
        except ValueError as exc:
            raise ctx.error(str(exc), ("beneficiary", "id")) from None
    if beneficiary.previous_bilan is not None and beneficiary.previous_bilan > reference_date:
        raise ctx.error(_("the previous bilan ({previous}) comes after the reference date"
                          " ({date})").format(previous=beneficiary.previous_bilan.isoformat(),
                                              date=reference_date.isoformat()),
                        ("beneficiary", "previous_bilan"))
    provider = Provider(**{k: v for k, v in values["provider"].items() if v is not None})

    steps = []
    for i, entry in enumerate(values["steps"]):
        where: tuple[KeyPart, ...] = ("steps", (i, entry["id"]))
        definition = registry.steps.get(entry["id"])
        if definition is None:
            raise ctx.error(_("unknown step {step!r}{suggestion}; registered steps: {steps}")
                            .format(step=entry["id"],
                                    suggestion=did_you_mean(entry["id"], registry.steps),
                                    steps=", ".join(registry.steps)), (*where, "id"))
        for j, instrument in enumerate(entry["instruments"]):
            if instrument not in registry.instruments:
                raise ctx.error(
                    _("unknown instrument {instrument!r}{suggestion}; no loaded plugin"
                      " registers it").format(
                        instrument=instrument,
                        suggestion=did_you_mean(instrument, registry.instruments)),
                    (*where, "instruments", (j, None)))
            registry.instruments[instrument]  # a plugin's file is read now: its errors too
        steps.append(PlannedStep(id=entry["id"], phase=definition.phase, hours=entry["hours"],
                                 instruments=entry["instruments"],
                                 title=entry["title"] or definition.title))

    consents = []
    for i, entry in enumerate(values["consent"]):
        try:
            consents.append(Consent(**{k: v for k, v in entry.items() if v is not None}))
        except ValueError as exc:
            raise ctx.error(str(exc), ("consent", (i, entry["kind"]))) from None

    responses: dict[str, Responses] = {}
    for i, entry in enumerate(values["responses"]):
        instrument = registry.instruments.get(entry["instrument"])
        if instrument is None:
            raise ctx.error(_("unknown instrument {instrument!r}{suggestion}").format(
                instrument=entry["instrument"],
                suggestion=did_you_mean(entry["instrument"], registry.instruments)),
                ("responses", (i, entry["instrument"]), "instrument"))
        answers = read_responses(entry["file"], instrument, expected_id=entry["instrument"])
        if answers.beneficiary is not None and answers.beneficiary != beneficiary.id:
            raise ctx.error(
                _("this responses file belongs to beneficiary {owner!r}, not to {beneficiary!r}:"
                  " check that it is the right file").format(owner=answers.beneficiary,
                                                              beneficiary=beneficiary.id),
                ("responses", (i, entry["instrument"]), "file"))
        responses[entry["instrument"]] = answers

    for instrument_id, group in (values["norms"] or {}).items():
        instrument = registry.instruments.get(instrument_id)
        if instrument is None:
            raise ctx.error(_("unknown instrument {instrument!r}{suggestion}").format(
                instrument=instrument_id,
                suggestion=did_you_mean(instrument_id, registry.instruments)),
                ("norms", instrument_id))
        if not host.call_list("instrument_norms", NormTable, instrument=instrument,
                              group=group):
            groups = [t.group for t in instrument.norms]
            raise ctx.error(
                _("no norms for group {group!r} of instrument {instrument!r}{suggestion}; {what}")
                .format(group=group, instrument=instrument_id,
                        suggestion=did_you_mean(group, groups),
                        what=_("available: {groups}").format(groups=", ".join(map(repr, groups)))
                        if groups else _("no plugin provides norms for it")),
                ("norms", instrument_id))

    report = values["report"] or REPORT.check({}, ("report",), ctx)
    formats = overrides.formats or report["formats"]
    extensions: dict[str, str] = {}
    for fmt in formats:
        if fmt not in registry.renderers:
            message = _("unknown report format {format!r}{suggestion}; available: {formats}"
                        ).format(format=fmt, suggestion=did_you_mean(fmt, registry.renderers),
                                 formats=", ".join(sorted(registry.renderers)))
            if overrides.formats:
                raise ConfigError(f"--format: {message}")
            raise ctx.error(message, ("report", "formats"))
        extension = registry.renderers[fmt].extension
        if extension in extensions:
            raise ctx.error(_("formats {first!r} and {second!r} both write synthese.{extension};"
                              " choose one").format(first=extensions[extension], second=fmt,
                                                    extension=extension),
                            ("report", "formats"))
        extensions[extension] = fmt

    pipeline = Pipeline(
        file=real,
        id=values["id"] or f"{beneficiary.id}-{reference_date:%Y%m%d}",
        reference_date=reference_date,
        beneficiary=beneficiary,
        provider=provider,
        steps=tuple(steps),
        consents=tuple(consents),
        responses=responses,
        funding=values["funding"],
        formats=tuple(formats),
        recipients=tuple(report["recipients"]),
        branding=_branding(report, ctx),
        norms=values["norms"] or {},
        minimum_hours=(values["rules"] or {}).get("minimum_hours"),
        retention_months=(values["rules"] or {}).get("retention_months"),
        plugin_config=_plugin_config(values["plugin"] or {}, host, ctx),
    )
    warnings = check_law(pipeline, ctx, deferred_consent=overrides.deferred_consent)
    return attrs.evolve(pipeline, warnings=tuple(warnings))


def _branding(report: dict[str, Any], ctx: Context) -> Branding:
    """The branding the dossier records: logo and template assets embedded, template checked
    in the sandbox. Every file was already found inside the pipeline's folder."""
    from bilan_core.files import decode_utf8, read_input
    from bilan_core.report import templating

    logo = report.get("logo")
    logo_uri = None
    if logo is not None:
        media_type = EXTENSIONS.get(logo.suffix.lower())
        if media_type not in LOGO_TYPES:
            raise ctx.error(_("the logo must be a .png, .jpg or .svg file"), ("report", "logo"))
        logo_uri = _embed(logo, media_type, "logo", ("report", "logo"), ctx)
    template = report.get("template")
    text = name = None
    assets: dict[str, str] = {}
    if template is not None:
        text = decode_utf8(read_input(template, "template"), template, "template")
        name = template.name
        try:
            templating.get(text, name)
            wanted = templating.asset_names(text, name)
        except templating.TemplateProblem as exc:
            raise ConfigError(exc.message, Location(file=template, line=exc.line)) from None
        folder = template.parent
        for asset_name, line in wanted:
            asset_ctx = Context(template, None, root=folder)
            try:
                found = FilePath().check(asset_name, ("asset",), asset_ctx)
            except ConfigError as exc:
                raise ConfigError(exc.reason.replace(_("the pipeline's folder"),
                                                     _("the template's folder")),
                                  Location(file=template, line=line)) from None
            media_type = EXTENSIONS.get(found.suffix.lower())
            if media_type is None:
                raise ConfigError(_("asset {name!r}: only images and fonts can be embedded"
                                    " ({extensions})").format(
                                      name=asset_name, extensions=", ".join(sorted(EXTENSIONS))),
                                  Location(file=template, line=line))
            assets[asset_name] = _embed(found, media_type, "template asset", (), ctx,
                                        Location(file=template, line=line))
    try:
        return Branding(
            provider_name=report.get("provider_name"), colour=report.get("colour"),
            logo=logo_uri, signature=report.get("signature"), template=text,
            template_name=name, assets=assets,
            sections=tuple(ExtraSection(**entry) for entry in report.get("extra_sections", ())))
    except ValueError as exc:
        raise ctx.error(str(exc), ("report",)) from None


def _embed(path: Path, media_type: str, what: str, key: tuple[KeyPart, ...], ctx: Context,
           where: Location | None = None) -> str:
    """A file as a data: URI, once its bytes are checked to be what it claims."""
    from bilan_core.files import read_input

    data = read_input(path, what)
    problem = embed_problem(media_type, data)
    if problem:
        if where is not None:
            raise ConfigError(f"{path.name}: {problem}", where)
        raise ctx.error(f"{path.name}: {problem}", key)
    return data_uri(media_type, data)


def _check_plugin_sections(data: dict[str, Any], host: PluginHost, ctx: Context) -> None:
    """Name the plugin, not just the key, when a ``[plugin.NAME]`` section has no owner."""
    sections = data.get("plugin")
    if not isinstance(sections, dict):
        return
    for name in sections:
        if name in host.registry.config_sections:
            continue
        info = host.plugins.get(name)
        if info is None:
            message = _("no plugin named {name!r} is installed{suggestion}").format(
                name=name, suggestion=did_you_mean(name, host.registry.config_sections))
        elif info.status != "loaded":
            message = _("plugin {name!r} has a section here but is {status}").format(
                name=name, status=_(info.status))
        else:
            message = _("plugin {name!r} declares no settings; remove [plugin.{name}]").format(
                name=name)
        raise ctx.error(message, ("plugin", name))


def _plugin_config(given: dict[str, Any], host: PluginHost, ctx: Context) -> dict[str, Any]:
    """Every loaded plugin's section, defaults filled in for those not written."""
    out = {}
    for name, table in host.registry.config_sections.items():
        out[name] = given[name] if given.get(name) is not None else table.defaults()
    return out


def _check_retention(pipeline: Pipeline, ctx: Context) -> None:
    """A retention consent keeps documents one year at most after the end of the bilan (its
    reference date); ``[rules] retention_months`` may lower that, never raise it."""
    from bilan_core.model.common import add_months

    on = pipeline.reference_date
    rule = rules.RETENTION_CEILING
    lowered = pipeline.retention_months
    if lowered is not None and rule.applies_on(on) and lowered > rule.value:
        raise ctx.error(_("retention_months = {months} is more than the legal ceiling of"
                          " {ceiling} months: {rule}; a pipeline may lower it, not raise it")
                        .format(months=lowered, ceiling=rule.value, rule=rule.text),
                        ("rules", "retention_months"))
    months = rules.retention_months(on, Decimal(lowered) if lowered is not None else None)
    if months is None:
        return
    last = add_months(on, int(months))
    for i, consent in enumerate(pipeline.consents):
        if consent.kind is ConsentKind.RETENTION and consent.until and consent.until > last:
            basis = (f"[rules] retention_months = {lowered}" if lowered is not None
                     and lowered < rule.value else rule.text)
            raise ctx.error(_("documents may be kept until {last} at most ({months} months"
                              " after the end of the bilan on {end}), not {until}: {basis}")
                            .format(last=last.isoformat(), months=int(months), end=on.isoformat(),
                                    until=consent.until.isoformat(), basis=basis),
                            ("consent", (i, "retention"), "until"))


def check_law(pipeline: Pipeline, ctx: Context, deferred_consent: bool = False
              ) -> list[Message]:
    """Apply the rules of the law to a pipeline: errors raise, warnings are returned.

    ``deferred_consent``: the bilan's consent is recorded later (a dossier of the store).
    """
    warnings: list[Message] = []
    steps = pipeline.steps
    for i in range(1, len(steps)):
        before, step = steps[i - 1], steps[i]
        if step.phase.rank < before.phase.rank:
            raise ctx.error(
                _("step {step!r} belongs to the {phase} but comes after {before!r} ({other});"
                  " the law orders the phases préliminaire, investigation, conclusions").format(
                    step=step.id, phase=_(PHASE_NAMES[step.phase]), before=before.id,
                    other=_(PHASE_NAMES[before.phase])), ("steps", (i, step.id)))
    on = pipeline.reference_date
    consent_ok = deferred_consent or any(c.kind is ConsentKind.BILAN and c.in_force(on)
                                         for c in pipeline.consents)
    for i, step in enumerate(steps):
        if step.phase is Phase.INVESTIGATION and not consent_ok:
            raise ctx.error(
                _("step {step!r} is in the {phase} and needs the beneficiary's recorded consent:"
                  " add [[consent]] with kind = \"bilan\" and a given_on date on or before"
                  " {date} (Code du travail L6313-4)").format(
                    step=step.id, phase=_(PHASE_NAMES[step.phase]), date=on.isoformat()),
                ("steps", (i, step.id)))
    total = sum((s.hours for s in steps), Decimal(0))
    working_time = pipeline.beneficiary.working_time
    ceiling = rules.maximum_hours_rule(on, working_time)
    if ceiling is not None and total > ceiling.value:
        raise ctx.error(_("the steps plan {total} hours; {rule}").format(
            total=total, rule=ceiling.text), ("steps",))
    if (ceiling is None and total > rules.MAXIMUM_LEAVE_HOURS.value
            and rules.MAXIMUM_LEAVE_HOURS.applies_on(on)):
        warnings.append(Message(
            N_("{file}: the steps plan {total} hours, which {year} allowed outside working"
               " time only: {rule}; working_time = true would refuse it"),
            file=pipeline.file.name, total=str(total), year=on.year,
            rule=rules.MAXIMUM_LEAVE_HOURS.text))
    _check_retention(pipeline, ctx)
    minimum = rules.minimum_hours(on, pipeline.minimum_hours)
    if minimum is not None and total < minimum:
        if pipeline.minimum_hours is not None:
            warnings.append(Message(
                N_("{file}: the steps plan {total} hours, less than the minimum of {minimum}"
                   " hours ([rules] minimum_hours)"),
                file=pipeline.file.name, total=str(total), minimum=str(minimum)))
        else:
            warnings.append(Message(
                N_("{file}: the steps plan {total} hours, less than the minimum of {minimum}"
                   " hours ({source}, from {date})"),
                file=pipeline.file.name, total=str(total), minimum=str(minimum),
                source=Message(rules.MINIMUM_HOURS.source),
                date=rules.MINIMUM_HOURS.in_force_from.isoformat()))
    for i, recipient in enumerate(pipeline.recipients):
        if recipient == "beneficiary":
            continue
        if not any(c.kind is ConsentKind.SHARING and c.recipient == recipient
                   and c.in_force(on) for c in pipeline.consents):
            raise ctx.error(
                _("results go to the beneficiary only: sending them to {recipient!r} needs a"
                  " [[consent]] with kind = \"sharing\" and recipient = \"{recipient}\"")
                .format(recipient=recipient),
                ("report", "recipients", (i, None)))
    employer = pipeline.beneficiary.employer
    if employer and employer.strip().casefold() == pipeline.provider.name.strip().casefold():
        raise ctx.error(_("an employer may not run the bilan of its own employee"
                          " (Code du travail R6313-5)"), ("provider", "name"))
    if not pipeline.provider.qualiopi:
        warnings.append(Message(
            N_("{file}: the provider is not Qualiopi-certified and cannot receive public or"
               " pooled funds such as the CPF (L6316-1)"), file=pipeline.file.name))
    used = sorted({i for s in steps for i in s.instruments})
    for instrument in sorted(set(pipeline.responses) - set(used)):
        warnings.append(Message(
            N_("{file}: responses for {instrument!r}, but no step names it: they will not be"
               " scored"), file=pipeline.file.name, instrument=instrument))
    for instrument in used:
        if instrument not in pipeline.responses:
            warnings.append(Message(
                N_("{file}: no responses for instrument {instrument!r}; it will not be scored"),
                file=pipeline.file.name, instrument=instrument))
        elif instrument not in pipeline.norms:
            warnings.append(Message(
                N_("{file}: no norm group chosen for {instrument!r} in [norms]: its scores will"
                   " be raw scores only"), file=pipeline.file.name, instrument=instrument))
    return warnings

