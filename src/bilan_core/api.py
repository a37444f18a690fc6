"""The public Python API: what the ``bilan`` commands do, as functions of a program.

Each function is a thin facade over the machinery the command line uses, so a program (a
plugin's tests, a notebook, a provider's own tool) gets the same results as the commands,
without parsing their output:

==========================  ===============================================================
:func:`load_host`           the plugins, loaded and registered (what every command starts with)
:func:`score`               ``bilan score``: score one instrument's answers
:func:`quote_funding`       ``bilan funding quote``: every funder's decision and the plan
:func:`match_occupations`   ``bilan careers``: occupations ranked for a dossier, explained
:func:`run_pipeline`        ``bilan run PIPELINE.toml``: run a pipeline file
:func:`run_dossier`         ``bilan run --dossier ID``: run what remains of a stored dossier
:func:`render_synthesis`    ``bilan report``: render a dossier's synthèse
==========================  ===============================================================

These names, their parameters and what they return are kept stable across minor versions;
anything else in :mod:`bilan_core` may change. Every error a user can cause is a
:class:`~bilan_core.errors.BilanError` whose message says what is wrong, in one line per
message, as the command line prints it: :class:`~bilan_core.errors.ConfigError` for a file
that is wrong (it names the file, key and line), :class:`~bilan_core.errors.UsageError` for
an argument that cannot be used, :class:`~bilan_core.errors.HookError` when a plugin raises,
:class:`~bilan_core.errors.RunError` when a run cannot complete for another reason, and
:class:`~bilan_core.errors.PluginError` when a plugin fails to load and the host is strict.

Every function takes an optional ``host`` (see :func:`load_host`); without one, it loads the
installed plugins as the command would (``BILAN_PLUGINS`` and ``BILAN_DISABLE_PLUGINS``
apply). Loading takes a fraction of a second: a program making many calls loads a host once
and passes it. Plugins that fail to load are left out with a warning line on stderr.

Importing this module is cheap: the plugin machinery, the store and the renderers are
imported by the functions that need them. The command line keeps the temporary files of
renderers (WeasyPrint's, for instance) in bilan's private data folder; a program that wants
the same wraps its calls in :func:`bilan_core.outputs.scratch`, which changes the process's
temporary folder while it is open.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from datetime import date
    from decimal import Decimal

    from bilan_core.model import (
        Beneficiary,
        CareerOption,
        Dossier,
        FundingDecision,
        FundingPlan,
        Instrument,
        InstrumentResult,
        NormTable,
        Responses,
    )
    from bilan_core.plugins import PluginHost
    from bilan_core.store.core import Store

__all__ = [
    "load_host",
    "match_occupations",
    "quote_funding",
    "render_synthesis",
    "run_dossier",
    "run_pipeline",
    "score",
]


def load_host(plugins: Iterable[str | object] | None = None, *,
              include_installed: bool = True, blocked: Iterable[str] = (),
              strict: bool = False) -> PluginHost:
    """Load the plugins and collect what they register: the host every other function uses.

    The core's own plugins (the five steps, scoring, the renderers...) are always loaded;
    the installed distributions' plugins (entry-point group ``bilan``) too unless
    ``include_installed`` is false; then the ``plugins`` given.

    Args:
        plugins: More plugins: an installed plugin's name (``"values"``, ``"pdf"``: loaded
            even when ``include_installed`` is false or ``BILAN_PLUGINS`` leaves it out), a
            module's import path (``"my_package.plugin"``), or a plugin object (a module or
            an instance implementing hooks, registered under its ``__name__``).
        include_installed: Load every installed distribution's plugins, as the command line
            does (``BILAN_PLUGINS`` and ``BILAN_DISABLE_PLUGINS`` apply).
        blocked: Names of plugins not to load, as ``bilan -p no:NAME``.
        strict: Raise when a plugin fails to load, instead of leaving it out with a warning
            line on stderr (``bilan --strict``).

    Returns:
        The loaded host; its ``registry`` holds the steps, instruments, funders, occupation
        sources and renderers registered, and its ``plugins`` what it knows of each plugin.

    Raises:
        PluginError: ``strict`` is true and a plugin failed to import or to register.

    Example:
        >>> from bilan_core.api import load_host
        >>> host = load_host()
        >>> "valeurs" in host.registry.instruments and "html" in host.registry.renderers
        True
        >>> core = load_host(["values"], include_installed=False)
        >>> sorted(core.registry.instruments)
        ['valeurs']
        >>> "pdf" in core.registry.renderers
        False
    """
    from bilan_core.plugins import PluginHost, split_names

    names: list[str] = []
    objects: list[tuple[str, object]] = []
    for plugin in plugins or ():
        if isinstance(plugin, str):
            names.append(plugin)
        else:
            objects.append((getattr(plugin, "__name__", type(plugin).__name__), plugin))
    environ = dict(os.environ)
    allowed = environ.get("BILAN_PLUGINS")
    if not include_installed:
        environ["BILAN_PLUGINS"] = ",".join(names)
    elif allowed is not None:  # the names given are loaded whatever the variable says
        environ["BILAN_PLUGINS"] = ",".join([*split_names(allowed), *names])
    # A name that is an installed plugin's is loaded as such; the host then skips it among
    # the modules named explicitly, which are imported by their path.
    host = PluginHost(explicit=names, blocked=blocked, strict=strict, environ=environ,
                      objects=objects)
    host.load()
    for line in host.failure_lines():
        host.warn(line)
    return host


def score(instrument_id: str,
          answers: Mapping[str, Any] | Responses | str | os.PathLike[str], *,
          host: PluginHost | None = None, norms: str | None = None) -> InstrumentResult:
    """Score one instrument's answers, as ``bilan score`` and the pipeline's steps do.

    The answers are checked against the instrument (known items, values in range); the first
    plugin implementing ``score_instrument`` scores them, compared with the norm group
    chosen, and the sentences of the ``interpret_scores`` hook are added to the result's
    interpretations.

    Args:
        instrument_id: An installed instrument's id (``bilan instruments list``), or the path
            of an instrument file (``*.toml``).
        answers: The answers, item id to answer (an integer for a Likert or rating item,
            true or false, an option's id, a list of option ids for a ranking, a text); or a
            :class:`~bilan_core.model.Responses`; or the path of a responses file.
        host: The plugins to use (see :func:`load_host`); by default the installed ones.
        norms: The norm group to compare with (one of the instrument's ``[[norms]]``
            groups); by default none: raw scores only.

    Returns:
        The instrument's result: each scale's raw, prorated and normed scores and band, the
        validity flags, the summary and the interpretations (French text of the documents).

    Raises:
        ConfigError: The instrument file, the responses file or an answer is wrong (the
            message names the file, the item and the line).
        UsageError: No instrument has that id, the answers are another instrument's, no
            plugin can score it, or the instrument has no norms for the group.
        HookError: A scoring plugin raised or returned something else than a result.

    Example:
        >>> from bilan_core.api import score
        >>> result = score("valeurs", "examples/reconversion-cpf/reponses/valeurs.toml")
        >>> result.scale("securite").raw
        3.75
        >>> partial = score("valeurs", {"AUT1": 4, "AUT2": 5, "AUT3": 4, "AUT4": 5})
        >>> partial.scale("autonomie").band, partial.scale("securite").raw
        ('essentiel', None)
    """
    from pathlib import Path

    import attrs

    from bilan_core.config.responses import check_against, read_responses
    from bilan_core.config.schema import Context
    from bilan_core.errors import HookError, UsageError
    from bilan_core.i18n import _
    from bilan_core.model import InstrumentResult, Responses

    host = host if host is not None else load_host()
    instrument = _instrument(host, instrument_id)
    if isinstance(answers, Responses):
        if answers.instrument != instrument.id:
            raise UsageError(_("these are answers to {instrument!r}, expected {expected!r}")
                             .format(instrument=answers.instrument, expected=instrument.id))
        responses = answers
        check_against(responses, instrument, Context())
    elif isinstance(answers, Mapping):
        responses = _responses(instrument, answers)
    else:
        responses = read_responses(Path(answers), instrument, expected_id=instrument.id)
    found = host.call("score_instrument", firstresult=True, instrument=instrument,
                      responses=responses, norms=_norm_tables(host, instrument, norms))
    if not found:
        raise UsageError(_("no plugin can score instrument {instrument!r}").format(
            instrument=instrument.id))
    plugin, result = found[0]
    if not isinstance(result, InstrumentResult):
        raise HookError(plugin, host.origin_of(plugin), "score_instrument", TypeError(
            f"returned {type(result).__name__}, expected InstrumentResult"))
    sentences = [s for _plugin, s in host.call_list("interpret_scores", str,
                                                    instrument=instrument, result=result)]
    return attrs.evolve(result, interpretations=(*result.interpretations, *sentences))


def _instrument(host: PluginHost, name: str) -> Instrument:
    """An installed instrument by id, or an instrument file by path (``bilan score``'s
    first argument)."""
    from pathlib import Path

    from bilan_core.errors import UsageError, did_you_mean
    from bilan_core.i18n import _
    from bilan_core.instruments import load_instrument

    path = Path(name)
    if name.endswith(".toml") or path.is_file():
        return load_instrument(path)
    registry = host.registry.instruments
    if name not in registry:
        raise UsageError(_("unknown instrument {name!r}{suggestion}; installed: {installed}"
                           " (or give the path of an instrument file)").format(
            name=name, suggestion=did_you_mean(name, registry),
            installed=", ".join(sorted(registry)) or _("none")))
    return registry[name]


def _norm_tables(host: PluginHost, instrument: Instrument, group: str | None
                 ) -> list[NormTable]:
    """The norm tables of the chosen group, from every plugin; an unknown group is said."""
    from bilan_core.errors import UsageError, did_you_mean
    from bilan_core.i18n import _
    from bilan_core.model import NormTable

    if group is None:
        return []
    tables = [t for _plugin, t in host.call_list("instrument_norms", NormTable,
                                                 instrument=instrument, group=group)]
    if not tables:
        groups = [t.group for t in instrument.norms]
        available = (_("; available: {groups}").format(groups=", ".join(map(repr, groups)))
                     if groups else "")
        raise UsageError(_("no norms for group {group!r} of instrument {instrument!r}"
                           "{suggestion}{available}").format(
            group=group, instrument=instrument.id, suggestion=did_you_mean(group, groups),
            available=available))
    return tables


def _responses(instrument: Instrument, answers: Mapping[str, Any]) -> Responses:
    """Answers given as a mapping, checked as a responses file's ``[answers]`` table."""
    from bilan_core.config.responses import RESPONSES, check_against
    from bilan_core.config.schema import Context
    from bilan_core.errors import UsageError
    from bilan_core.i18n import _
    from bilan_core.model import Responses

    context = Context()
    checked = RESPONSES.fields["answers"].kind.check(dict(answers), ("answers",), context)
    if not checked:
        raise UsageError(_("no answers: the [answers] table is empty"))
    responses = Responses(instrument=instrument.id, version=instrument.version,
                          answers=checked)
    check_against(responses, instrument, context)
    return responses


def quote_funding(beneficiary: Beneficiary | str | os.PathLike[str], *,
                  price: Decimal | int | str, hours: Decimal | int | str, on: date | None = None,
                  qualiopi: bool = True, host: PluginHost | None = None,
                  ) -> tuple[list[FundingDecision], FundingPlan]:
    """Every funder's decision for a quote, and the combined plan: ``bilan funding quote``.

    Each registered funder decides (then the ``funding_options`` hook adds its decisions),
    with the rules in force on the date; the plan combines the eligible routes that leave
    the least to pay.

    Args:
        beneficiary: A beneficiary file (the ``[beneficiary]`` table of a pipeline, at top
            level), or a :class:`~bilan_core.model.Beneficiary`.
        price: The quote's price in euros (``"1950.00"``, ``1950``), zero or more.
        hours: The quote's hours, more than 0 and within the legal maximum on the date.
        on: The date the rules are evaluated for; by default today.
        qualiopi: Whether the provider is Qualiopi-certified.
        host: The plugins to use (see :func:`load_host`); by default the installed ones.

    Returns:
        The decisions, one per funder (each with its trace of the rules applied, their
        source and the paperwork: French text of the documents), and the funding plan.

    Raises:
        ConfigError: The beneficiary file is wrong.
        UsageError: The price or the hours cannot be used, or the beneficiary's previous
            bilan comes after the date.
        HookError: A funder raised or answered with something else than a decision.

    Example:
        >>> from datetime import date
        >>> from bilan_core.api import quote_funding
        >>> decisions, plan = quote_funding("examples/demandeur-emploi/beneficiaire.toml",
        ...                                 price="1950", hours=20, on=date(2026, 11, 2))
        >>> [(d.funder, d.covered) for d in decisions if d.eligibility.value == "eligible"]
        [('cpf', Decimal('1600.00'))]
        >>> [d.funder for d in decisions if d.eligibility.value == "to_check"]
        ['france_travail']
        >>> plan.remaining
        Decimal('350.00')
    """
    import datetime

    import click

    from bilan_core.cli.funding import parse_hours, parse_price
    from bilan_core.components import FundingRequest
    from bilan_core.config.beneficiary import read_beneficiary_file
    from bilan_core.errors import UsageError
    from bilan_core.funding.study import study
    from bilan_core.model import Beneficiary

    try:  # the command line's own checks, with their messages
        amount = parse_price(str(price))
    except click.BadParameter as exc:
        raise UsageError(f"price: {exc.message}") from None
    try:
        duration = parse_hours(str(hours))
    except click.BadParameter as exc:
        raise UsageError(f"hours: {exc.message}") from None
    if isinstance(beneficiary, Beneficiary):
        who, where = beneficiary, beneficiary.id
    else:
        from pathlib import Path

        who, where = read_beneficiary_file(Path(beneficiary)), str(beneficiary)
    on = on or datetime.date.today()
    _check_quote(who, where, duration, on)
    request = FundingRequest(beneficiary=who, price=amount, hours=duration, on=on,
                             provider_qualiopi=qualiopi)
    return study(request, host if host is not None else load_host())


def _check_quote(beneficiary: Beneficiary, where: str, hours: Decimal, on: date) -> None:
    """What ``bilan funding quote`` checks before asking the funders."""
    from bilan_core import rules
    from bilan_core.errors import UsageError
    from bilan_core.i18n import _

    ceiling = rules.maximum_hours_rule(on, beneficiary.working_time)
    if ceiling is not None and hours > ceiling.value:
        raise UsageError(f"hours {hours}: {ceiling.text}")
    if beneficiary.previous_bilan is not None and beneficiary.previous_bilan > on:
        raise UsageError(_("{file}: the previous bilan ({previous}) comes after the date of"
                           " the quote ({date})").format(
            file=where, previous=beneficiary.previous_bilan.isoformat(), date=on.isoformat()))


def match_occupations(dossier: Dossier | str | os.PathLike[str], *, top: int = 10,
                      host: PluginHost | None = None) -> list[CareerOption]:
    """Rank the installed occupations for a dossier, each explained: ``bilan careers``.

    The matching uses the dossier's interests, skills and values results and the
    constraints its pipeline recorded (``[plugin.career_options]``), with the occupations
    installed now (an imported referential included).

    Args:
        dossier: A dossier (as :func:`run_pipeline` returns it), or the path of a
            ``dossier.json`` written by ``bilan run`` (read as untrusted input).
        top: How many occupations to rank, 1 or more.
        host: The plugins to use (see :func:`load_host`); by default the installed ones.

    Returns:
        The options, best first: occupations (with their ROME ``code``), then business
        creation, outside the ranking, when the pipeline allows it. Each carries its
        ``score`` and its ``explanation`` (French text of the documents). Empty when the
        dossier has no results to match with.

    Raises:
        ConfigError: The dossier file, or the settings it records, are wrong.
        UsageError: ``top`` is less than 1.
        HookError: An occupation source raised.

    Example:
        >>> from bilan_core.api import match_occupations, run_pipeline
        >>> dossier = run_pipeline("examples/reconversion-cpf/pipeline.toml")
        >>> options = match_occupations(dossier, top=3)
        >>> [option.code for option in options]
        ['K2111', 'K2102', 'K1801', None]
        >>> options[0].title, options[-1].title
        ('Formateur / Formatrice', "Création ou reprise d'entreprise")
        >>> options[0].explanation.split(",")[0]
        'Code RIASEC du métier SEC (estimé)'
    """
    from pathlib import Path

    import attrs

    from bilan_core.cli.careers import recorded_settings
    from bilan_core.errors import UsageError
    from bilan_core.i18n import _
    from bilan_core.model import Dossier
    from bilan_core.model.serialize import read_dossier
    from bilan_core.orientation.options import Settings, matched_options

    if top < 1:
        raise UsageError(_("top: expected 1 or more, got {top}").format(top=top))
    if isinstance(dossier, Dossier):
        found, where = dossier, Path(f"dossier {dossier.id}")
    else:
        where = Path(dossier)
        found = read_dossier(where)
    settings = attrs.evolve(Settings.from_options(recorded_settings(found, where)),
                            max_options=top)
    host = host if host is not None else load_host()
    options, _excluded = matched_options(found, host, settings)
    options.sort(key=lambda o: (-o.score, o.id))
    return options


def run_pipeline(path: str | os.PathLike[str], *,
                 output: str | os.PathLike[str] | None = None,
                 host: PluginHost | None = None, on: date | None = None,
                 formats: str | Sequence[str] | None = None,
                 replace: bool = False) -> Dossier:
    """Run every step of a pipeline file: ``bilan run PIPELINE.toml``.

    The pipeline and every file it names are checked first; the steps then run in the
    law's order and the synthèse is built. With ``output``, ``dossier.json`` and the
    synthèse in each format (and a copy for each recipient the beneficiary agreed to) are
    written there as one set, as ``bilan run -o`` does: a run that fails leaves the
    previous set as it was.

    Args:
        path: The pipeline file.
        output: A folder to write the dossier and its documents into; by default nothing
            is written.
        host: The plugins to use (see :func:`load_host`), taken as they are; by default
            the installed ones with those the pipeline names (``plugins = [...]``, its own
            instrument files), as ``bilan run`` loads them.
        on: The reference date, instead of the file's.
        formats: The synthèse's formats (``"json,md"`` or ``["json", "md"]``), instead of
            the file's ``[report] formats``; used only with ``output``.
        replace: Write into an output folder that holds another dossier, deleting it.

    Returns:
        The final dossier: its plan, the steps done, the results, the career options, the
        action plan, the funding and the synthèse.

    Raises:
        ConfigError: The pipeline file or a file it names is wrong.
        UsageError: The output folder cannot take the dossier, or a step may not run (the
            investigation phase without the beneficiary's consent).
        HookError: A plugin raised during the run.
        RunError: The documents could not be written.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from bilan_core.api import run_pipeline
        >>> output = Path(tempfile.mkdtemp()) / "out"
        >>> dossier = run_pipeline("examples/reconversion-cpf/pipeline.toml", output=output,
        ...                        formats="json,md")
        >>> [step.id for step in dossier.steps_done]
        ['preparation', 'needs_analysis', 'skills_exploration', 'career_options', 'action_plan']
        >>> sorted(p.name for p in output.iterdir())
        ['.bilan-output.json', 'dossier.json', 'synthese.json', 'synthese.md']
    """
    from pathlib import Path

    from bilan_core.config.pipeline import Overrides, load_pipeline
    from bilan_core.outputs import check_target
    from bilan_core.pipeline import run_pipeline as run_steps
    from bilan_core.pipeline import write_outputs

    file = Path(path)
    host = host or _pipeline_host(file)
    pipeline = load_pipeline(file, host, Overrides(reference_date=on,
                                                   formats=_formats(formats)))
    if output is not None:
        check_target(Path(output), pipeline.id, replace)  # said before the run, not after
    dossier = run_steps(pipeline, host)
    if output is not None:
        write_outputs(dossier, pipeline.formats, host, Path(output), replace=replace)
    return dossier


def _pipeline_host(path: Any, text: str | None = None) -> Any:
    """The host a pipeline asks for, as the command line builds it."""
    from bilan_core.cli import State
    from bilan_core.cli.dossier import host_for

    return host_for(path, text, current=State((), False, False))


def _formats(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``"json, md"`` or ``["json", "md"]`` -> ``("json", "md")``."""
    if value is None:
        return None
    names = value.split(",") if isinstance(value, str) else value
    return tuple(dict.fromkeys(name.strip() for name in names if name.strip()))


def run_dossier(store: Store | str | None, dossier_id: str, *,
                output: str | os.PathLike[str] | None = None, on: date | None = None,
                formats: str | Sequence[str] | None = None, replace: bool = False,
                host: PluginHost | None = None) -> Dossier:
    """Run the steps a dossier of the store has not done yet: ``bilan run --dossier ID``.

    The dossier is rebuilt from what the store holds now (its pipeline, the answers, the
    consents in force); each step is kept in the store as it ends, so a failure leaves the
    steps before it done; then the synthèse is built and the documents are kept in the
    store (and written to ``output`` when given).

    Args:
        store: An open :class:`~bilan_core.store.core.Store` (left open), or the store's
            URL or SQLite file (opened and closed here); ``None`` for ``BILAN_STORE`` or
            the default store. The store acts as the account ``BILAN_USER`` names (SQLite)
            or the role connected (PostgreSQL).
        dossier_id: The dossier's id (``bilan dossier list``).
        output: A folder to write the dossier's documents into, besides the store.
        on: The reference date, instead of the dossier's.
        formats: The synthèse's formats (``"json,md"`` or ``["json", "md"]``), instead of
            the pipeline's ``[report] formats``.
        replace: Write into an output folder that holds another dossier, deleting it.
        host: The plugins to use (see :func:`load_host`), taken as they are; by default
            those the dossier's pipeline asks for, as ``bilan run --dossier`` loads them.

    Returns:
        The final dossier, with the store's id.

    Raises:
        ConfigError: The stored pipeline or answers are wrong.
        UsageError: The store cannot be opened, the dossier is not there or not yours, a
            step may not run yet, or the output folder cannot take the documents.
        HookError: A plugin raised during the run.
        RunError: The documents could not be written.

    Example:
        >>> import tempfile
        >>> from pathlib import Path
        >>> from bilan_core.api import load_host, run_dossier
        >>> from bilan_core.store.core import Store
        >>> from bilan_core.store.dossiers import new_dossier
        >>> url = str(Path(tempfile.mkdtemp()) / "store.sqlite")
        >>> pipeline = Path("examples/reconversion-cpf/pipeline.toml")
        >>> with Store.open(url) as store:  # as 'bilan user add' and 'bilan dossier new'
        ...     store.add_user("alice", "counsellor")
        ...     dossier_id, _ = new_dossier(store, load_host(), pipeline, None, "alice")
        >>> dossier = run_dossier(url, dossier_id, formats="json")
        >>> dossier.id == dossier_id, len(dossier.steps_done)
        (True, 5)
        >>> with Store.open(url) as store:
        ...     sorted(d["name"] for d in store.documents(dossier_id))
        ['dossier.json', 'synthese.json']
    """
    from pathlib import Path

    from bilan_core.cli.run import run_stored

    def host_for(path: Path, text: str | None = None) -> Any:
        return host if host is not None else _pipeline_host(path, text)

    target = Path(output) if output is not None else None
    if store is not None and not isinstance(store, str):
        dossier, _written, _names = run_stored(store, dossier_id, target, on,
                                               _formats(formats), replace, host_for)
        return dossier
    from bilan_core.store.core import Store

    with Store.open(store) as opened:
        dossier, _written, _names = run_stored(opened, dossier_id, target, on,
                                               _formats(formats), replace, host_for)
    return dossier


def render_synthesis(dossier: Dossier | str | os.PathLike[str],
                     formats: str | Sequence[str] = ("html",), *, host: PluginHost | None = None,
                     audience: Literal["beneficiary", "counsellor"] = "beneficiary",
                     recipient: str | None = None, on: date | None = None
                     ) -> dict[str, bytes]:
    """Render a dossier's synthèse in each format: ``bilan report``, without writing files.

    The renderers see only the sections of the audience asked for: the counsellor's
    working notes never reach the beneficiary's document or a third party's copy.

    Args:
        dossier: A dossier with its synthèse (as :func:`run_pipeline` returns it), or the
            path of a ``dossier.json`` written by ``bilan run`` (read as untrusted input).
        formats: The formats, each a renderer's (``bilan plugins``): ``"html"``, ``"md"``,
            ``"json"``, ``"pdf"`` with the ``bilan-pdf`` plugin; ``"html,pdf"`` or a
            sequence of names.
        host: The plugins to use (see :func:`load_host`); by default the installed ones.
        audience: ``"beneficiary"`` for the beneficiary's document, ``"counsellor"`` for the
            counsellor's working notes.
        recipient: The third party a copy is for; refused unless the dossier records the
            beneficiary's consent to share with them.
        on: The day a recipient's sharing consent must be in force; by default the
            dossier's reference date.

    Returns:
        Each format's document, by format name.

    Raises:
        ConfigError: The dossier file is wrong.
        UsageError: The dossier has no synthèse, a format has no renderer, the audience is
            unknown, or there is no sharing consent for the recipient.
        HookError: A renderer raised or returned something else than bytes.

    Example:
        >>> from bilan_core.api import render_synthesis, run_pipeline
        >>> dossier = run_pipeline("examples/reconversion-cpf/pipeline.toml")
        >>> documents = render_synthesis(dossier, ["html", "md"])
        >>> sorted(documents)
        ['html', 'md']
        >>> documents["md"].decode().splitlines()[0]
        '# Document de synthèse'
        >>> documents["html"].startswith(b"<!doctype html>")
        True
        >>> notes = render_synthesis(dossier, "md", audience="counsellor")["md"]
        >>> notes.decode().splitlines()[0]
        '# Notes de travail du consultant'
    """
    from bilan_core.errors import UsageError, did_you_mean
    from bilan_core.i18n import _
    from bilan_core.model import Audience, Dossier
    from bilan_core.model.serialize import read_dossier
    from bilan_core.pipeline import render_outputs

    if isinstance(dossier, Dossier):
        found, where = dossier, dossier.id
    else:
        from pathlib import Path

        found, where = read_dossier(Path(dossier)), str(dossier)
    if found.synthesis is None:
        raise UsageError(_("{file}: this dossier has no synthèse yet (run the pipeline"
                           " to its end)").format(file=where))
    try:
        seen_by = Audience(audience)
    except ValueError:
        raise UsageError(_("unknown audience {audience!r}; expected {expected}").format(
            audience=audience, expected=", ".join(repr(a.value) for a in Audience))) from None
    host = host if host is not None else load_host()
    chosen = _formats(formats) or ()
    for fmt in chosen:
        if fmt not in host.registry.renderers:
            raise UsageError(_("unknown format {format!r}{suggestion}; available: {formats}")
                             .format(format=fmt,
                                     suggestion=did_you_mean(fmt, host.registry.renderers),
                                     formats=", ".join(sorted(host.registry.renderers))))
    rendered = render_outputs(found, chosen, host, seen_by, recipient, on=on)
    return dict(zip(chosen, (output.content for output in rendered)))
