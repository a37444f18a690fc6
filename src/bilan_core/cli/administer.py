"""``bilan administer``: ask an instrument's items one by one in the terminal.

The answers are saved after every item, in the shared responses-file format, so an
interrupted administration resumes where it stopped. Answers may also be piped on stdin, one
per line. What the beneficiary reads is in French.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import click

from bilan_core.cli import PATH, state
from bilan_core.cli.assess import resolve_instrument
from bilan_core.errors import BilanError
from bilan_core.i18n import _
from bilan_core.model import Answer, Instrument, Item, ResponseFormat, Responses

HELP = ("Tapez votre réponse puis Entrée. « p » : passer l'item, « r » : revenir à l'item"
        " précédent, « q » : enregistrer et quitter (vous reprendrez au même endroit).")
YES = {"o", "oui", "y", "yes", "1", "vrai"}
NO = {"n", "non", "no", "0", "faux"}


def parse_answer(instrument: Instrument, item: Item, text: str) -> Answer:
    """Turn what was typed into an answer, or raise ValueError with a French message."""
    fmt = item.format or instrument.response_scale.format
    text = text.strip()
    if fmt is ResponseFormat.FREE_TEXT:
        return text
    if fmt is ResponseFormat.YES_NO:
        if text.lower() in YES:
            return True
        if text.lower() in NO:
            return False
        raise ValueError("répondez « o » (oui) ou « n » (non)")
    if fmt is ResponseFormat.FORCED_CHOICE:
        return item.options[_choice(text, len(item.options))].id
    if fmt is ResponseFormat.RANKING:
        parts = text.replace(",", " ").split()
        n = len(item.options)
        positions = [_choice(p, n) for p in parts]
        if sorted(positions) != list(range(n)):
            raise ValueError(f"classez les {n} propositions, par exemple « 2 1 3 »,"
                             " de la préférée à la moins préférée")
        return tuple(item.options[i].id for i in positions)
    low, high = instrument.response_scale.bounds(fmt)
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"tapez un nombre entier de {low} à {high}") from None
    if not low <= value <= high:
        raise ValueError(f"tapez un nombre entier de {low} à {high}")
    return value


def _choice(text: str, n: int) -> int:
    try:
        number = int(text)
    except ValueError:
        raise ValueError(f"tapez un numéro de 1 à {n}") from None
    if not 1 <= number <= n:
        raise ValueError(f"tapez un numéro de 1 à {n}")
    return number - 1


def _choices(instrument: Instrument, item: Item) -> str:
    fmt = item.format or instrument.response_scale.format
    scale = instrument.response_scale
    if fmt in (ResponseFormat.FORCED_CHOICE, ResponseFormat.RANKING):
        return "\n".join(f"        {i} {o.text}" for i, o in enumerate(item.options, start=1))
    if fmt is ResponseFormat.YES_NO:
        return "        o oui · n non"
    if fmt is ResponseFormat.FREE_TEXT:
        return "        (réponse libre ; Entrée seule pour passer)"
    if fmt is ResponseFormat.LIKERT and scale.labels:
        return "        " + " · ".join(f"{scale.min + i} {label}"
                                       for i, label in enumerate(scale.labels))
    low, high = scale.bounds(fmt)
    return f"        de {low} à {high}"


class _LineReader:
    """Reads standard input a line at a time as UTF-8, counting lines; an invalid byte raises
    UnicodeDecodeError for that line only (the next line reads normally)."""

    def __init__(self) -> None:
        self.count = 0
        self.binary = getattr(sys.stdin, "buffer", None)

    def __call__(self) -> str:
        self.count += 1
        if self.binary is None:  # a text stream given by a caller (tests, embedding)
            return sys.stdin.readline()
        raw: bytes = self.binary.readline()
        return raw.decode("utf-8")


def _load(path: Path, instrument: Instrument, beneficiary: str | None) -> Responses:
    from bilan_core.config.responses import read_responses
    from bilan_core.files import check_path_text

    check_path_text(path, "responses file")
    if path.exists() or path.is_symlink():
        saved = read_responses(path, instrument, expected_id=instrument.id)
        if beneficiary and saved.beneficiary and saved.beneficiary != beneficiary:
            raise BilanError(_("{path}: these answers belong to beneficiary"
                               " {saved!r}, not {given!r}").format(
                path=path, saved=saved.beneficiary, given=beneficiary))
        return saved
    if not path.parent.is_dir():
        raise BilanError(_("{path}: the folder {folder} does not exist").format(
            path=path, folder=path.parent))
    return Responses(instrument=instrument.id, version=instrument.version,
                     beneficiary=beneficiary)


def _save(path: Path, responses: Responses, instrument: Instrument) -> None:
    from bilan_core.config.responses_writer import responses_to_toml
    from bilan_core.files import atomic_write

    header = (f"Réponses à « {instrument.title} » ({instrument.id} {instrument.version}),"
              " enregistrées par bilan administer.")
    atomic_write(path, responses_to_toml(responses, header).encode("utf-8"))


class _FileAnswers:
    """Answers kept in a responses file, rewritten after every answer."""

    def __init__(self, output: Path, instrument: Instrument, beneficiary: str | None) -> None:
        self.output = output
        self.instrument = instrument
        self.responses = _load(output, instrument, beneficiary)
        self.where = str(output)

    def saved(self) -> tuple[dict[str, Answer], dict[str, float]]:
        return dict(self.responses.answers), dict(self.responses.timings)

    def keep(self, answers: dict[str, Answer], timings: dict[str, float],
             changed: str | None, removed: str | None) -> None:
        items = self.instrument.items
        ordered = {i.id: answers[i.id] for i in items if i.id in answers}
        self.responses = attrs.evolve(self.responses, answers=ordered, timings={
            i.id: timings[i.id] for i in items if i.id in timings and i.id in answers})
        if changed is not None:
            _save(self.output, self.responses, self.instrument)

    def complete(self) -> None:
        self.responses = attrs.evolve(self.responses, completed_on=date.today())
        _save(self.output, self.responses, self.instrument)


class _StoreAnswers:
    """Answers kept in a dossier of the store, each in its own transaction as it is given."""

    def __init__(self, store: Any, dossier_id: str, instrument: Instrument) -> None:
        self.store = store
        self.dossier_id = dossier_id
        self.instrument = instrument
        self.where = _("dossier {id}").format(id=dossier_id)
        store.start_administration(dossier_id, instrument.id, instrument.version)
        self.entry = store.answers(dossier_id).get(instrument.id, {})

    def saved(self) -> tuple[dict[str, Answer], dict[str, float]]:
        answers = {k: tuple(v) if isinstance(v, list) else v
                   for k, v in self.entry.get("answers", {}).items()}
        return answers, dict(self.entry.get("timings", {}))

    def keep(self, answers: dict[str, Answer], timings: dict[str, float],
             changed: str | None, removed: str | None) -> None:
        if removed is not None:
            self.store.forget_answer(self.dossier_id, self.instrument.id, removed)
        if changed is not None:
            value = answers[changed]
            self.store.record_answer(self.dossier_id, self.instrument.id, changed,
                                     list(value) if isinstance(value, tuple) else value,
                                     timings.get(changed))

    def complete(self) -> None:
        self.store.complete_administration(self.dossier_id, self.instrument.id, date.today())


@click.command("administer", help=_("Ask the items one by one; save after every answer; resume"
                                     " where it stopped. The answers go to a responses file"
                                     " (--output) or to a dossier of the store (--dossier),"
                                     " each saved as it is given."))
@click.argument("instrument_name", metavar="INSTRUMENT")
@click.option("-o", "--output", type=PATH,
              help=_("The responses file to write (resumed if it exists)."))
@click.option("--dossier", "dossier_id", metavar="ID",
              help=_("A dossier of the store to save the answers in (resumed if begun)."))
@click.option("--beneficiary", metavar="ID", help=_("The beneficiary's pseudonymous id."))
def administer_command(instrument_name: str, output: Path | None, dossier_id: str | None,
                       beneficiary: str | None) -> None:
    """Ask the items one by one; save after every answer; resume where it stopped."""
    kept: _FileAnswers | _StoreAnswers
    if (output is None) == (dossier_id is None):
        raise BilanError(_("give --output FILE or --dossier ID (exactly one of the two)"))
    if dossier_id is not None:
        from bilan_core.cli.dossier import host_for

        store = state().store()
        info, text, _saved = store.content(dossier_id, purpose="administer")
        if info.status != "open":
            raise BilanError(_("dossier {id} is {status}: answering a questionnaire is no"
                               " longer possible").format(id=dossier_id, status=_(info.status)))
        if info.pipeline_path:
            host_for(Path(info.pipeline_path), text)
        instrument = resolve_instrument(instrument_name)
        kept = _StoreAnswers(store, dossier_id, instrument)
    else:
        assert output is not None
        instrument = resolve_instrument(instrument_name)
        kept = _FileAnswers(output, instrument, beneficiary)
    interactive = sys.stdin.isatty()
    say = click.echo if interactive else (lambda *a, **k: None)
    answers, timings = kept.saved()
    items = list(instrument.items)
    skipped: set[str] = set()
    total = len(items)

    say(f"{instrument.title} — {total} items")
    if instrument.instructions:
        say(instrument.instructions.strip())
    say(HELP)
    if answers:
        say(f"Reprise : {len(answers)} réponse(s) déjà enregistrée(s).")

    read_line = _LineReader()
    try:
        index = 0
        while index < total:
            item = items[index]
            if item.id in answers or item.id in skipped:
                index += 1
                continue
            say(f"\n[{index + 1:>{len(str(total))}}/{total}] {item.text}")
            say(_choices(instrument, item))
            started = time.monotonic()
            try:
                line = read_line()
            except UnicodeDecodeError:
                if not interactive:
                    raise BilanError(_("standard input, line {line}: not valid UTF-8"
                                       " (answers are read as UTF-8 text)").format(
                        line=read_line.count)) from None
                say("  ↳ saisie illisible (caractères non UTF-8) : recommencez")
                continue
            if not line:  # end of input: keep what was saved
                break
            text = line.strip()
            if text.lower() == "q":
                break
            if text.lower() == "r":
                previous = next((i for i in range(index - 1, -1, -1)
                                 if items[i].id in answers or items[i].id in skipped), None)
                if previous is None:
                    say("(aucun item précédent)")
                    continue
                if answers.pop(items[previous].id, None) is not None:
                    kept.keep(answers, timings, None, items[previous].id)
                skipped.discard(items[previous].id)
                index = previous
                continue
            if text.lower() == "p" or (text == "" and (item.format or instrument.response_scale
                                                       .format) is ResponseFormat.FREE_TEXT):
                skipped.add(item.id)
                index += 1
                continue
            if text == "" or text == "?":
                say(HELP)
                continue
            try:
                answers[item.id] = parse_answer(instrument, item, text)
            except ValueError as exc:
                say(f"  ↳ {exc}")
                if not interactive:
                    raise BilanError(_("line for item {item!r}: {text!r}: {problem}").format(
                        item=item.id, text=text, problem=exc)) from None
                continue
            if interactive:  # a pipe answers instantly: its timings would mean nothing
                timings[item.id] = round(time.monotonic() - started, 1)
            kept.keep(answers, timings, item.id, None)
            index += 1

    except KeyboardInterrupt:
        click.echo(f"\nInterrompu : {len(answers)}/{total} réponses enregistrées ({kept.where}) ;"
                   " relancez la même commande pour reprendre.", err=True)
        click.get_current_context().exit(130)

    done = all(i.id in answers or i.id in skipped for i in items)
    if done and answers:
        kept.complete()
        click.echo(f"Terminé : {len(answers)}/{total} réponses enregistrées ({kept.where}).",
                   err=True)
    else:
        click.echo(f"Enregistré : {len(answers)}/{total} réponses ({kept.where}) ;"
                   " relancez la même commande pour reprendre.", err=True)
