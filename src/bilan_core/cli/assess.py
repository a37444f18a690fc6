"""Commands about instruments: ``instruments list``, ``instruments stats`` and ``score``."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from bilan_core.cli import PATH, state
from bilan_core.errors import BilanError, did_you_mean
from bilan_core.i18n import _, ngettext
from bilan_core.model import Instrument, InstrumentResult, NormTable


def resolve_instrument(name: str) -> Instrument:
    """An installed instrument by id, or an instrument file by path."""
    from bilan_core.instruments import load_instrument

    path = Path(name)
    if name.endswith(".toml") or path.is_file():
        return load_instrument(path)
    registry = state().host().registry.instruments
    if name not in registry:
        raise BilanError(_("unknown instrument {name!r}{suggestion}; installed: {installed}"
                           " (or give the path of an instrument file)").format(
            name=name, suggestion=did_you_mean(name, registry),
            installed=", ".join(sorted(registry)) or _("none")))
    return registry[name]


def norm_tables(instrument: Instrument, group: str | None) -> list[NormTable]:
    """The norm tables of the chosen group, from every plugin; an unknown group is an error."""
    if group is None:
        return []
    host = state().host()
    tables = [t for _, t in host.call_list("instrument_norms", NormTable,
                                           instrument=instrument, group=group)]
    if not tables:
        groups = [t.group for t in instrument.norms]
        available = (_("; available: {groups}").format(groups=", ".join(map(repr, groups)))
                     if groups else "")
        raise BilanError(_("no norms for group {group!r} of instrument {instrument!r}"
                           "{suggestion}{available}").format(
            group=group, instrument=instrument.id, suggestion=did_you_mean(group, groups),
            available=available))
    return tables


@click.group("instruments", help=_("List installed instruments and compute item statistics."))
def instruments_group() -> None:
    """List installed instruments and compute item statistics."""


@instruments_group.command("list", help=_("List every installed instrument."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of a table."))
def list_command(as_json: bool) -> int:
    """List every installed instrument."""
    from bilan_core.cli import error_line
    from bilan_core.errors import ConfigError

    host = state().host()
    rows: list[dict[str, Any]] = []
    broken = 0
    for instrument_id in sorted(host.registry.instruments):
        try:  # a plugin's file is parsed here: one that does not load is said, the rest listed
            instrument = host.registry.instruments[instrument_id]
        except ConfigError as exc:
            broken += 1
            for line in str(exc).splitlines():
                error_line(line)
            continue
        rows.append({
            "id": instrument_id, "version": instrument.version, "title": instrument.title,
            "items": len(instrument.items), "scales": [s.id for s in instrument.scales],
            "licence": instrument.licence,
            "norm_groups": [
                {"group": t.group, "n": t.n, "year": t.year, "illustrative": t.illustrative}
                for t in instrument.norms],
            "plugin": host.registry.owners[("register_instruments", instrument_id)],
        })
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return 2 if broken else 0
    for row in rows:
        norms = "; ".join(f"{n['group']} (N={n['n']}, {n['year']})" for n in row["norm_groups"])
        click.echo(_("{id} {version}  {title}  —  {items}, {scales}, plugin {plugin}").format(
            id=row["id"], version=row["version"], title=row["title"],
            items=ngettext("{n} items", "{n} items", row["items"]).format(n=row["items"]),
            scales=ngettext("{n} scales", "{n} scales", len(row["scales"])).format(
                n=len(row["scales"])),
            plugin=row["plugin"]))
        click.echo(_("    norms: {norms}").format(norms=norms or _("none")))
    return 2 if broken else 0


@click.command("score", help=_("Score a responses file: raw, prorated and norm scores, bands,"
                                " flags."))
@click.argument("instrument_name", metavar="INSTRUMENT")
@click.argument("responses_file", metavar="RESPONSES.toml",
                type=PATH)
@click.option("--norms", "group", metavar="GROUP", help=_("The norm group to compare with."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of a table."))
def score_command(instrument_name: str, responses_file: Path, group: str | None,
                  as_json: bool) -> None:
    """Score a responses file: raw, prorated and norm scores, bands, flags."""
    from bilan_core.config.responses import read_responses

    instrument = resolve_instrument(instrument_name)
    responses = read_responses(responses_file, instrument, expected_id=instrument.id)
    tables = norm_tables(instrument, group)
    host = state().host()
    found = host.call("score_instrument", firstresult=True, instrument=instrument,
                      responses=responses, norms=tables)
    if not found or not isinstance(found[0][1], InstrumentResult):
        raise BilanError(_("no plugin can score instrument {instrument!r}").format(
            instrument=instrument.id))
    result = found[0][1]
    sentences = [s for _, s in host.call_list("interpret_scores", str, instrument=instrument,
                                              result=result)]
    if as_json:
        from bilan_core.model.serialize import converter

        document = converter.unstructure(result)
        document["interpretations"] += sentences
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        return
    click.echo(f"{instrument.title} ({instrument.id} {instrument.version})")
    if tables:
        table = tables[0]
        tag = _(", ILLUSTRATIVE norms") if table.illustrative else ""
        click.echo(_("Norms: {group} (N={n}, {year}{tag})").format(
            group=table.group, n=table.n, year=table.year, tag=tag))
    else:
        click.echo(_("Norms: none chosen (--norms GROUP); raw scores only"))
    click.echo(_table(instrument, result))
    for name, value in result.summary.items():
        click.echo(f"{name} : {value}")  # the instrument's own French text
    if result.flags:
        click.echo(_("Validity flags:"))
    for flag in result.flags:  # the scorer's French text, on a line of its own
        click.echo(f"  ! {flag}")
    for sentence in (*result.interpretations, *sentences):
        click.echo(f"- {sentence}")


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _table(instrument: Instrument, result: InstrumentResult) -> str:
    header = (_("SCALE"), _("RAW"), _("PRORATED"), _("ANSWERED"), "T", _("PCT"), _("STANINE"),
              _("STEN"), _("BAND"))
    rows = [header]
    for s in result.scales:
        rows.append((instrument.scale(s.scale).name, _fmt(s.raw, 2), _fmt(s.prorated, 2),
                     f"{s.answered}/{s.items}", _fmt(s.t_score), _fmt(s.percentile),
                     _fmt(s.stanine), _fmt(s.sten), s.band or (s.not_scorable or "-")))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1]
                     for r in rows)


@instruments_group.command("stats", help=_("Item statistics and Cronbach's alpha over every"
                                            " responses file of a folder."))
@click.argument("instrument_name", metavar="INSTRUMENT")
@click.argument("folder", metavar="RESPONSES_DIR",
                type=PATH)
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
@click.option("--norms-toml", "group", metavar="GROUP",
              help=_("Also print the means and SDs as a [[norms]] table for this group."))
def stats_command(instrument_name: str, folder: Path, as_json: bool, group: str | None) -> None:
    """Item statistics and Cronbach's alpha over every responses file of a folder."""
    from bilan_core.config.responses import read_responses
    from bilan_core.files import folder_problem
    from bilan_core.scoring.stats import scale_statistics

    problem = folder_problem(folder)
    if problem:
        raise BilanError(f"{folder}: {problem}")
    instrument = resolve_instrument(instrument_name)
    files = sorted(folder.glob("*.toml"))
    if not files:
        raise BilanError(_("{folder}: no responses file (*.toml) in this folder").format(
            folder=folder))
    response_sets = [read_responses(path, instrument, expected_id=instrument.id)
                     for path in files]
    stats = scale_statistics(instrument, response_sets)
    if as_json:
        from bilan_core.model.serialize import converter

        document = _no_nan({"files": len(files), "scales": converter.unstructure(stats)})
        click.echo(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False))
        return
    click.echo(ngettext("{title}: {n} responses files", "{title}: {n} responses files",
                        len(files)).format(title=instrument.title, n=len(files)))
    for scale in stats:
        click.echo("\n" + _("{name} ({scale}): N={n}  mean={mean}  sd={sd}  alpha={alpha}").format(
            name=instrument.scale(scale.scale).name, scale=scale.scale, n=scale.n,
            mean=_fmt(scale.mean, 2), sd=_fmt(scale.sd, 2), alpha=_fmt(scale.alpha, 3)))
        for item in scale.items:
            click.echo(_("    {item:<10} n={n:<5} mean={mean:<6} sd={sd:<6}"
                         " r(item, rest)={item_total:<7} alpha if deleted={alpha}").format(
                item=item.item, n=item.n, mean=_fmt(item.mean, 2), sd=_fmt(item.sd, 2),
                item_total=_fmt(item.item_total, 3), alpha=_fmt(item.alpha_if_deleted, 3)))
    if group:
        click.echo("\n" + norms_toml(group, stats))


def norms_toml(group: str, stats: list[Any]) -> str:
    """A ``[[norms]]`` table the instrument loader accepts, or an error saying why not."""
    from datetime import date

    n = min(s.n for s in stats)
    unusable = [s.scale for s in stats if s.n < 2 or math.isnan(s.sd) or s.sd == 0]
    if unusable:
        raise BilanError(_("cannot make norms: scales {scales} need at least two complete"
                           " response sets with varying scores").format(
            scales=", ".join(unusable)))
    lines = ["[[norms]]", f"group = {json.dumps(group, ensure_ascii=False)}", f"n = {n}",
             f"year = {date.today().year}", "illustrative = false",
             'source = "Étalonnage local, bilan instruments stats"']
    for scale in stats:
        reliability = (f", reliability = {scale.alpha:.2f}"
                       if not math.isnan(scale.alpha) and 0 <= scale.alpha <= 1 else "")
        lines.append(f"scales.{scale.scale} = {{ mean = {scale.mean:.4f},"
                     f" sd = {scale.sd:.4f}{reliability} }}")
    return "\n".join(lines)


def _no_nan(value: Any) -> Any:
    """NaN (a statistic that cannot be computed) becomes null, which JSON allows."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_no_nan(v) for v in value]
    return value
