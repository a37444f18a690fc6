"""One language per message: the command line in French by default, in English when the
locale asks for it, documents in French whatever the locale; every line from the catalog.

The pseudo-locale test builds a catalog (``qps``) that marks every message of the template
with ``⟦…⟧``, runs the main commands with good and bad input, and fails on any line with a
word that came from neither the catalog nor the data (names, ids, paths, numbers).
"""

from __future__ import annotations

import getpass
import gettext
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import PIPELINE

ROOT = Path(__file__).parents[1]
LOCALE = ROOT / "src" / "bilan_core" / "locale"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def _catalog(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle)


def _ids(catalog) -> set[str]:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


# ------------------------------------------------------------------------------ catalogs
def test_every_message_of_the_code_is_in_the_template():
    template = _ids(_catalog(LOCALE / "bilan.pot"))
    found = set()
    for folder in (ROOT / "src", ROOT / "plugins"):
        for _file, _line, message, _comments, _context in extract_from_dir(
                folder, method_map=[("**.py", "python")], keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    missing = sorted(found - template)
    assert not missing, f"run pybabel extract (docs/i18n.md); missing: {missing[:5]}"


def test_every_message_has_a_french_translation_and_the_compiled_catalog_is_current():
    po = _catalog(LOCALE / "fr" / "LC_MESSAGES" / "bilan.po")
    assert _ids(po) >= _ids(_catalog(LOCALE / "bilan.pot")), "run pybabel update"
    with open(LOCALE / "fr" / "LC_MESSAGES" / "bilan.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    for message in po:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        if isinstance(message.id, str):
            assert message.string, f"no French for {message.id!r}"
            assert compiled.gettext(message.id) == message.string, "run pybabel compile"
        else:
            assert all(message.string), f"no French for {message.id[0]!r}"
            assert compiled.ngettext(*message.id, 2) == message.string[-1], "run pybabel compile"


# ------------------------------------------------------------------------------ languages
def _bilan(env: dict[str, str], *args: object, cwd: Path | None = None):
    return subprocess.run([sys.executable, "-m", "bilan_core", *map(str, args)], env=env,
                          capture_output=True, text=True, cwd=cwd)


def _env(tmp_path: Path, **locale: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    env.update(BILAN_DATA_DIR=str(tmp_path / "data"), BILAN_DISABLE_PLUGINS="journal",
               **locale)
    return env


BAD = PIPELINE.replace("[provider]", "[provider]\nnom = \"x\"")


def test_the_command_line_is_french_by_default_and_english_on_request(tmp_path):
    bad = tmp_path / "pipeline.toml"
    bad.write_text(BAD, encoding="utf-8")
    for locale, expected in (({}, "bilan : erreur : "), ({"LANG": "C.UTF-8"}, "bilan : erreur"),
                             ({"LANG": "fr_FR.UTF-8"}, "bilan : erreur : "),
                             ({"LANG": "en_GB.UTF-8"}, "bilan: error: "),
                             ({"LC_ALL": "en_US.UTF-8", "LANG": "fr_FR.UTF-8"}, "bilan: error:"),
                             ({"LANGUAGE": "en", "LANG": "fr_FR.UTF-8"}, "bilan: error: ")):
        result = _bilan(_env(tmp_path, **locale), "validate", bad)
        assert result.returncode == 2
        assert result.stderr.startswith(expected), (locale, result.stderr)
    french = _bilan(_env(tmp_path), "validate", bad).stderr
    assert "clé inconnue 'nom'" in french and "unknown key" not in french
    help_text = _bilan(_env(tmp_path), "--help").stdout
    assert "Utilisation :" in help_text and "Afficher ce message et quitter." in help_text


def test_documents_stay_french_whatever_the_locale(tmp_path):
    path = tmp_path / "pipeline.toml"
    path.write_text(PIPELINE.replace("hours = 5", "hours = 1").replace("hours = 4", "hours = 1"),
                    encoding="utf-8")  # 10 hours: a warning
    outputs = {}
    for lang in ("en_GB.UTF-8", "fr_FR.UTF-8"):
        out = tmp_path / lang
        result = _bilan(_env(tmp_path, LANG=lang), "run", path, "--output", out,
                        "--format", "md,json")
        assert result.returncode == 0, result.stderr
        notes = _bilan(_env(tmp_path, LANG=lang), "report", out / "dossier.json",
                       "--format", "md", "--audience", "counsellor")
        assert notes.returncode == 0, notes.stderr
        outputs[lang] = ((out / "synthese.md").read_text("utf-8"),
                         (out / "notes-consultant.md").read_text("utf-8"))
    assert outputs["en_GB.UTF-8"] == outputs["fr_FR.UTF-8"]
    synthese, notes = outputs["en_GB.UTF-8"]
    assert "Document de synthèse" in synthese
    assert "Avertissements du traitement" in notes
    assert "moins que le minimum de 13 heures" in notes  # a warning, rendered in French
    assert "less than the minimum" not in notes


# ------------------------------------------------------------------------------ pseudo-locale
SEGMENT = re.compile(r"⟦[^⟦⟧]*⟧")
# A quote opens after no letter and closes before none: an apostrophe (l'emploi) is a letter.
QUOTED = re.compile(r"(?<!\w)'[^']*'(?!\w)|\"[^\"]*\"|«[^»]*»|`[^`]*`")
WORD = re.compile(r"[A-Za-zÀ-ÿ_][\wÀ-ÿ'’-]+")


@pytest.fixture(scope="module")
def pseudo(tmp_path_factory) -> Path:
    """The pseudo-locale: every message of the template, marked ``⟦…⟧``."""
    template = _catalog(LOCALE / "bilan.pot")
    template.locale = "fr"
    for message in template:
        if not message.id:
            continue
        if isinstance(message.id, str):
            message.string = f"⟦{message.id}⟧"
        else:
            message.string = tuple(f"⟦{message.id[1]}⟧" for _ in range(3))
    folder = tmp_path_factory.mktemp("locale")
    (folder / "qps" / "LC_MESSAGES").mkdir(parents=True)
    with open(folder / "qps" / "LC_MESSAGES" / "bilan.mo", "wb") as handle:
        write_mo(handle, template)
    return folder


def _data_words() -> set[str]:
    """Words that are data, not messages: names of plugins, hooks, commands, metavars..."""
    from bilan_core.cli import BUILTIN_COMMANDS
    from bilan_core.hookspecs import hook_names
    from bilan_core.plugins import PluginHost

    host = PluginHost().load()
    words = {"bilan", "ms", "md", "json", "html", "pdf", "toml", "sqlite", "PIPELINE",
             "DOSSIER", "INSTRUMENT", "RESPONSES", "MODULE", "NAME", "FMT", "GROUP", "ID",
             "FILE", "DIR", "PATH", "TEXT", "SECONDS", "OPTIONS", "COMMAND", "ARGS", "INTEGER",
             "JOURNAL", "BENEFICIARY", "RESPONSES_DIR", "DOMAIN", "no", "Qualiopi", "CPF"}
    words |= set(BUILTIN_COMMANDS) | set(hook_names())
    for info in host.plugins.values():
        words |= {info.name, info.module, str(info.distribution)}
    words |= set(host.registry.steps) | set(host.registry.instruments)
    import click

    from bilan_core.cli import cli

    commands = [cli.get_command(click.Context(cli), name) for name in BUILTIN_COMMANDS]
    commands += list(host.registry.commands.values())
    while commands:  # every (sub)command's name and the values its options choose from
        command = commands.pop()
        if command is None:
            continue
        words.add(command.name or "")
        if isinstance(command, click.Group):
            commands += list(command.commands.values())
        for param in command.params:
            if isinstance(param.type, click.Choice):
                words |= {str(choice) for choice in param.type.choices}
    return words


def _without_messages(text: str) -> str:
    """The text with every message of the catalog taken out (they nest, and span lines)."""
    previous = None
    while previous != text:  # messages nest: "⟦bilan: error: {message}⟧"
        previous, text = text, SEGMENT.sub(" ", text)
    # click shortens a command's help to its first sentence, or to the width of a line
    # ("Rank the occupations..."): the end of the message, and its mark, are gone.
    return re.sub(r"⟦[^⟦⟧\n]*$", " ", text, flags=re.MULTILINE)


def _words(text: str) -> list[str]:
    """The words of a text, without quoted values, paths, options, numbers and acronyms."""
    text = QUOTED.sub(" ", text)
    text = re.sub(r"\S*[/\\]\S*|(?<![\w'])--?[\w-]+|\S*\d\S*|\b[A-Z][A-Z_]+\b", " ", text)
    return WORD.findall(text)


def _foreign_words(line: str, data: set[str]) -> list[str]:
    return [w for w in _words(line) if w not in data and w.strip("'") not in data]


def _json_words(document: object) -> set[str]:
    """Every word of every text of a JSON document."""
    if isinstance(document, str):
        return set(_words(document))
    if isinstance(document, dict):
        document = [*document.keys(), *document.values()]
    if isinstance(document, list):
        return set().union(*map(_json_words, document)) if document else set()
    return set()


# Dozens of commands in subprocesses: run once, in the system env (the language of a line
# does not depend on the Python version).
@pytest.mark.system
def test_every_line_comes_from_the_catalog(pseudo, tmp_path):
    env = _env(tmp_path, LANGUAGE="qps", BILAN_LOCALE_DIR=str(pseudo))
    good = tmp_path / "pipeline.toml"
    good.write_text(PIPELINE.replace("hours = 5", "hours = 1").replace("hours = 4", "hours = 1"),
                    encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(BAD, encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "letter.txt").write_text("x", encoding="utf-8")
    commands = [["--help"], ["frobnicate"], ["run", "--date", "2026-3-1", good, "-o", "x"],
                ["validate", good], ["validate", bad], ["validate", tmp_path / "absent.toml"],
                ["run", good, "--output", tmp_path / "out"],
                ["run", good, "--output", mine],
                ["report", tmp_path / "out" / "dossier.json", "--format", "md"],
                ["report", tmp_path / "out" / "dossier.json", "--recipient", "employeur"],
                ["plugins"], ["purge"], ["--strict", "-p", "no_such_module", "plugins"],
                ["journal", "list"]]
    examples = ROOT / "examples"
    beneficiary = examples / "demandeur-emploi" / "beneficiaire.toml"
    responses = examples / "reconversion-cpf" / "reponses" / "riasec.toml"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(responses.read_text("utf-8").replace("R01 = 1", "R01 = 9"), "utf-8")
    # Commands that show domain text (funders' traces, explanations, flags: French, the
    # text of the documents) run with --json first: the text they show is data.
    with_json = [["funding", "quote", beneficiary, "--price", "1950", "--hours", "20",
                  "--date", "2026-03-01"], ["funding", "rules"],
                 ["score", "riasec", responses, "--norms",
                  "Adultes en bilan de compétences (normes illustratives)"],
                 ["careers", tmp_path / "out" / "dossier.json"],
                 ["instruments", "list"], ["occupations", "list", "--prerequisites"]]
    commands += with_json
    commands += [["funding", "quote", beneficiary, "--price", "-5", "--hours", "20"],
                 ["score", "riasec", wrong], ["careers", tmp_path / "absent.json"]]
    from bilan_core.cli import BUILTIN_COMMANDS

    commands += [[name, "--help"] for name in sorted(BUILTIN_COMMANDS)]
    # The store's commands, on a store of the test's own.
    env["BILAN_STORE"] = str(tmp_path / "store.sqlite")
    assert _bilan(env, "user", "add", "alice", "--role", "counsellor").returncode == 0
    created = _bilan(env, "dossier", "new", good, "--counsellor", "alice")
    assert created.returncode == 0, created.stderr
    dossier = created.stdout.split()[-1]
    commands += [["user", "list"], ["user", "add", "Bad Name", "--role", "admin"],
                 ["dossier", "list"], ["dossier", "show", dossier],
                 ["session", "log", dossier, "--date", "2026-10-01", "--hours", "2", "--step",
                  "preparation"],
                 ["session", "log", dossier, "--date", "2026-10-02", "--hours", "23",
                  "--step", "preparation"],
                 ["session", "log", dossier, "--date", "2026-09-01", "--hours", "1", "--step",
                  "needs_analysis"],
                 ["consent", "record", dossier, "--kind", "retention", "--until", "2030-01-01"],
                 ["consent", "revoke", dossier, "--kind", "sharing"],
                 ["store", "info"], ["audit", dossier], ["dossier", "close", dossier],
                 ["dossier", "show", "nope"], ["run", "--dossier", dossier]]
    data = _data_words() | {"alice", getpass.getuser(), dossier}
    problems = []
    for args in commands:
        if args in with_json:
            shown = _bilan(env, *args, "--json")
            assert shown.returncode == 0, (args, shown.stderr)
            data |= _json_words(json.loads(shown.stdout))
        result = _bilan(env, *args)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        text = (result.stdout + result.stderr).replace(str(tmp_path), " ")
        for line in _without_messages(text).splitlines():
            foreign = _foreign_words(line, data)
            if foreign:
                problems.append((args[:2], line, foreign))
    assert not problems, "\n".join(f"{a}: {line!r} -> {w}" for a, line, w in problems[:15])
