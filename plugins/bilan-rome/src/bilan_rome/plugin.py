"""The ROME occupation source, and the ``bilan occupations`` commands.

The source yields the official referential when one was imported (``bilan occupations
import``), otherwise the curated sample shipped with the plugin.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from bilan_core import hookimpl
from bilan_core.cli import PATH
from bilan_core.components import OccupationSource
from bilan_core.files import data_dir
from bilan_core.i18n import _, ngettext
from bilan_core.model import ROME_DOMAINS, Occupation
from bilan_core.model.orientation import PREREQUISITE_KINDS

SOURCE_ID = "rome"


def imported_path() -> Path:
    """Where the imported referential is kept."""
    return data_dir() / "rome" / "occupations.json"


#: What each file gave, by its path, with its stamp: one read per process while the files
#: stay the same (a run asks three times: the ranking and each ROME code proposed).
_loaded: dict[tuple[Path, ...], tuple[tuple[tuple[int, int, int] | None, ...],
                                       tuple[str, tuple[Occupation, ...]]]] = {}


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size, info.st_ino


def _cached(paths: tuple[Path, ...],
            read: Callable[[], tuple[str, list[Occupation]]]) -> tuple[str, list[Occupation]]:
    """``read()``, or what it gave last time if none of ``paths`` changed since (same
    modification time, size and inode: a file imported again is a new file)."""
    stamps = tuple(_stamp(path) for path in paths)
    hit = _loaded.get(paths)
    if hit is None or hit[0] != stamps:
        source, found = read()
        hit = _loaded[paths] = (stamps, (source, tuple(found)))
    return hit[1][0], list(hit[1][1])


def sample() -> tuple[str, list[Occupation]]:
    """The sample shipped with the plugin."""
    from bilan_rome.sample import compiled_path, load_sample, sample_path

    return _cached((sample_path(), compiled_path()), load_sample)


def current() -> tuple[str, list[Occupation]]:
    """The imported referential if there is one, else the sample."""
    path = imported_path()
    if path.is_file():
        from bilan_rome.importer import load_imported  # csv and zipfile: when needed

        return _cached((path,), lambda: load_imported(path))
    return sample()


def load() -> list[Occupation]:
    """The occupations of the source."""
    return current()[1]


@hookimpl
def register_occupation_sources(register):  # type: ignore[no-untyped-def]
    register(OccupationSource(id=SOURCE_ID, name="ROME 4.0 (France Travail)", load=load))


@click.group("occupations", help=_("The occupations of the ROME referential"
                                   " (plugin bilan-rome)."))
def occupations_group() -> None:
    """The occupations of the ROME referential (plugin bilan-rome)."""


@occupations_group.command("import", help=_(
    "Import the official ROME 4.0 export (a folder or zip of CSV files); it then replaces"
    " the sample for career matching."))
@click.argument("path", metavar="PATH", type=PATH)
def import_command(path: Path) -> None:
    """Import the official ROME 4.0 export (a folder or zip of CSV files); it then replaces
    the sample for career matching."""
    from bilan_rome.importer import import_export

    summary = import_export(path, imported_path(), {o.code: o for o in sample()[1]})
    click.echo(_("Imported {occupations} métiers ({riasec} with RIASEC letters, {links}"
                 " mobility links) into {file}").format(
        occupations=summary["occupations"], riasec=summary["riasec"], links=summary["links"],
        file=summary["file"]))


@occupations_group.command("list", help=_("List the occupations matching uses, and where they"
                                           " come from."))
@click.option("--domain", type=click.Choice(sorted(ROME_DOMAINS)), help=_("One large domain."))
@click.option("--search", metavar="TEXT", help=_("Words to find in the title."))
@click.option("--prerequisites", is_flag=True,
              help=_("List the prerequisites occupations ask (the ids [plugin.career_options]"
                     " holds takes) instead."))
@click.option("--json", "as_json", is_flag=True, help=_("Print JSON instead of text."))
def list_command(domain: str | None, search: str | None, prerequisites: bool,
                 as_json: bool) -> None:
    """List the occupations matching uses, and where they come from."""
    source, found = current()
    chosen = [o for o in found if (domain is None or o.domain == domain)
              and (search is None or search.lower() in o.title.lower())]
    if prerequisites:
        _list_prerequisites(chosen, as_json)
        return
    if as_json:
        click.echo(json.dumps({"source": source, "occupations": [
            {"code": o.code, "title": o.title, "riasec": o.riasec, "estimated": o.estimated,
             "level": o.level, "training_months": o.training_months, "nearby": list(o.nearby)}
            for o in chosen]}, indent=2, ensure_ascii=False))
        return
    click.echo(source)
    click.echo(ngettext("{n} occupation", "{n} occupations", len(chosen)).format(n=len(chosen)))
    for o in chosen:
        click.echo(f"{o.code}  {(o.riasec or '-'):<3}  {o.title}")


def _list_prerequisites(occupations: list[Occupation], as_json: bool) -> None:
    by_id: dict[str, tuple[str, str, list[str]]] = {}
    for o in occupations:
        for p in o.prerequisites:
            by_id.setdefault(p.id, (p.kind, p.text, []))[2].append(o.code)
    if as_json:
        click.echo(json.dumps([{"id": key, "kind": kind, "text": text, "occupations": codes}
                               for key, (kind, text, codes) in sorted(by_id.items())],
                              indent=2, ensure_ascii=False))
        return
    kinds = {kind: _(name) for kind, name in PREREQUISITE_KINDS.items()}
    width = max(map(len, kinds.values()))
    for key, (kind, text, codes) in sorted(by_id.items()):  # text: the source's French
        shown = ", ".join(codes[:6]) + (f", … (+{len(codes) - 6})" if len(codes) > 6 else "")
        click.echo(f"{key:<26} {kinds[kind]:<{width}}  {text} [{shown}]")


@hookimpl
def register_commands(cli):  # type: ignore[no-untyped-def]
    cli.add_command(occupations_group)
