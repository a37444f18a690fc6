"""``bilan administer`` driven in a real pseudo-terminal: interrupted, then resumed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest

from bilan_core.config.responses import read_responses
from bilan_core.instruments import load_instrument

DOCS = Path(__file__).parents[1] / "docs" / "instruments.md"


@pytest.fixture
def instrument_file(tmp_path):
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"<!-- example: instrument -->\n```toml\n(.*?)```", text, re.S).group(1)
    path = tmp_path / "exterieur.toml"
    path.write_text(block, encoding="utf-8")
    return path


def spawn(*args: str, cwd: Path) -> pexpect.spawn:
    child = pexpect.spawn(sys.executable, ["-m", "bilan_core", *args], cwd=str(cwd),
                          encoding="utf-8", timeout=30, dimensions=(40, 120))
    return child


def test_administer_in_a_terminal_is_interrupted_then_resumed(instrument_file, tmp_path):
    output = tmp_path / "reponses.toml"
    child = spawn("administer", str(instrument_file), "--output", str(output),
                  "--beneficiary", "B-2026-0001", cwd=tmp_path)
    child.expect_exact("Questionnaire maison : travail en extérieur et contact — 7 items")
    child.expect_exact("[1/7] J'aime travailler dehors, quel que soit le temps.")
    child.expect_exact("1 Pas du tout · 2 Un peu · 3 Moyennement · 4 Beaucoup · 5 Tout à fait")
    child.sendline("5")
    child.expect_exact("[2/7] Je préfère un bureau chauffé à un chantier.")
    child.sendline("9")  # out of range: asked again, nothing saved
    child.expect_exact("tapez un nombre entier de 1 à 5")
    child.sendline("2")
    child.expect_exact("[3/7]")
    # Saved after every answer: the file is complete TOML while the program still runs.
    saved = read_responses(output, load_instrument(instrument_file))
    assert saved.answers == {"d1": 5, "d2": 2}
    assert saved.beneficiary == "B-2026-0001"
    child.sendintr()  # Ctrl-C
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130

    child = spawn("administer", str(instrument_file), "--output", str(output), cwd=tmp_path)
    child.expect_exact("Reprise : 2 réponse(s) déjà enregistrée(s).")
    child.expect_exact("[3/7] Une journée sans sortir me pèse.")
    child.sendline("4")
    child.expect_exact("[4/7]")
    child.sendline("r")  # back to item 3, to change the answer
    child.expect_exact("[3/7] Une journée sans sortir me pèse.")
    child.sendline("3")
    child.expect_exact("[4/7] Accueillir du public me plaît.")
    child.sendline("q")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert read_responses(output).answers == {"d1": 5, "d2": 2, "d3": 3}

    child = spawn("administer", str(instrument_file), "--output", str(output), cwd=tmp_path)
    child.expect_exact("Reprise : 3 réponse(s) déjà enregistrée(s).")
    child.expect_exact("[4/7]")
    child.sendline("3")
    child.expect_exact("[5/7]")
    child.sendline("p")  # pass this one
    child.expect_exact("[6/7] Si vous deviez choisir :")
    child.expect_exact("1 Entretenir un parc")
    child.sendline("3")
    child.expect_exact("tapez un numéro de 1 à 2")
    child.sendline("1")
    child.expect_exact("[7/7] Un mot sur vos réponses ?")
    child.sendline("Dix ans en espaces verts, j'ai adoré ça.")
    child.expect_exact("Terminé : 6/7 réponses enregistrées")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    final = read_responses(output, load_instrument(instrument_file))
    assert final.answers == {"d1": 5, "d2": 2, "d3": 3, "c1": 3, "choix": "a",
                             "remarque": "Dix ans en espaces verts, j'ai adoré ça."}
    assert final.completed_on is not None
    assert set(final.timings) == set(final.answers)


def test_answers_piped_on_stdin(instrument_file, tmp_path):
    output = tmp_path / "reponses.toml"
    result = subprocess.run(
        [sys.executable, "-m", "bilan_core", "administer", str(instrument_file), "--output",
         str(output)], input="5\n2\n4\n3\n2\n2\nRAS\n", capture_output=True, text=True,
        timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # no prompts when nobody is at a terminal
    assert "Terminé : 7/7" in result.stderr
    saved = read_responses(output)
    assert saved.answers["choix"] == "b" and saved.answers["remarque"] == "RAS"
    assert saved.timings == {}  # piped answers take no time: no timing is recorded


def test_piped_answers_stop_at_a_bad_line_keeping_what_was_saved(instrument_file, tmp_path):
    output = tmp_path / "reponses.toml"
    result = subprocess.run(
        [sys.executable, "-m", "bilan_core", "administer", str(instrument_file), "--output",
         str(output)], input="5\n2\ncinq\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "bilan: error: line for item 'd3': 'cinq': tapez un nombre entier de 1 à 5" in (
        result.stderr)
    assert read_responses(output).answers == {"d1": 5, "d2": 2}


def test_an_existing_file_of_another_instrument_is_never_overwritten(instrument_file, tmp_path):
    output = tmp_path / "reponses.toml"
    output.write_text('instrument = "riasec"\nversion = "1.0"\n[answers]\nR01 = 3\n', "utf-8")
    before = output.read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "bilan_core", "administer", str(instrument_file), "--output",
         str(output)], input="5\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "these are answers to 'riasec', expected 'exterieur'" in result.stderr
    assert output.read_bytes() == before
