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

import attrs
import click

from bilan_core.cli import PATH
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


@click.command("administer", help=_("Ask the items one by one; save after every answer; resume"
                                     " where it stopped."))
@click.argument("instrument_name", metavar="INSTRUMENT")
@click.option("-o", "--output", type=PATH,
              required=True, help=_("The responses file to write (resumed if it exists)."))
@click.option("--beneficiary", metavar="ID", help=_("The beneficiary's pseudonymous id."))
def administer_command(instrument_name: str, output: Path, beneficiary: str | None) -> None:
    """Ask the items one by one; save after every answer; resume where it stopped."""
    instrument = resolve_instrument(instrument_name)
    responses = _load(output, instrument, beneficiary)
    interactive = sys.stdin.isatty()
    say = click.echo if interactive else (lambda *a, **k: None)
    answers = dict(responses.answers)
    timings = dict(responses.timings)
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
                answers.pop(items[previous].id, None)
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
            ordered = {i.id: answers[i.id] for i in items if i.id in answers}
            responses = attrs.evolve(responses, answers=ordered, timings={
                i.id: timings[i.id] for i in items if i.id in timings and i.id in answers})
            _save(output, responses, instrument)
            index += 1

    except KeyboardInterrupt:
        click.echo(f"\nInterrompu : {len(answers)}/{total} réponses enregistrées dans {output} ;"
                   " relancez la même commande pour reprendre.", err=True)
        click.get_current_context().exit(130)

    done = all(i.id in answers or i.id in skipped for i in items)
    if done and answers:
        responses = attrs.evolve(responses, completed_on=date.today())
        _save(output, responses, instrument)
        click.echo(f"Terminé : {len(answers)}/{total} réponses enregistrées dans {output}.",
                   err=True)
    else:
        click.echo(f"Enregistré : {len(answers)}/{total} réponses dans {output} ;"
                   " relancez la même commande pour reprendre.", err=True)
