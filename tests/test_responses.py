"""The shared responses-file format: checked against the instrument, errors located."""

from __future__ import annotations

import textwrap

import pytest
from conftest import PIPELINE

INSTRUMENT_PLUGIN = '''
from bilan_core import hookimpl
from bilan_core.model import Instrument, Item, Key, ResponseScale, Scale


@hookimpl
def register_instruments(register):
    register(Instrument(
        id="essai", version="1.0", title="Questionnaire d'essai",
        response_scale=ResponseScale("likert", 1, 5),
        scales=(Scale("a", "Échelle A"),),
        items=(
            Item("q1", "J'aime organiser le travail d'une équipe.", keys=(Key("a"),)),
            Item("q2", "Je préfère travailler seul.", keys=(Key("a", reverse=True),)),
            Item("q3", "Je me sens à l'aise à l'oral.", format="yes_no"),
            Item("q4", "Ce que j'attends de ce bilan :", format="free_text"),
        ),
    ))
'''

GOOD = """\
instrument = "essai"
version = "1.0"
beneficiary = "B-TEST-001"

[answers]
q1 = 4
q2 = 2
q3 = true
q4 = "Y voir plus clair."

[timings]
q1 = 3.5
"""


@pytest.fixture
def setup(tmp_path, pipeline_file):
    (tmp_path / "instrument_plugin.py").write_text(INSTRUMENT_PLUGIN, encoding="utf-8")
    text = 'plugins = ["instrument_plugin"]\n' + PIPELINE.replace(
        "hours = 5", 'hours = 5\ninstruments = ["essai"]') + (
        '\n[[responses]]\ninstrument = "essai"\nfile = "reponses/essai.toml"\n')
    (tmp_path / "reponses").mkdir()
    return pipeline_file(text), tmp_path / "reponses" / "essai.toml"


def test_good_responses_validate(bilan, setup):
    pipeline, responses = setup
    responses.write_text(GOOD, encoding="utf-8")
    result = bilan("-p", "no:journal", "validate", pipeline)
    assert result.code == 0, result.err
    assert "1 instruments, 1 responses files" in result.out


CASES = [
    ("unknown item", GOOD.replace("q2 = 2", "q22 = 2"), 7,
     "answers.q22: unknown item 'q22' for instrument 'essai' (did you mean 'q2'?)"),
    ("out of range", GOOD.replace("q1 = 4", "q1 = 6"), 6,
     "answers.q1: item 'q1': 6 is out of range: expected an integer from 1 to 5"),
    ("wrong type", GOOD.replace("q1 = 4", 'q1 = "quatre"'), 6,
     "answers.q1: item 'q1': expected an integer from 1 to 5, got 'quatre'"),
    ("yes/no answered with a number", GOOD.replace("q3 = true", "q3 = 1"), 8,
     "answers.q3: item 'q3': expected true or false, got 1"),
    ("duplicated item", GOOD.replace("q2 = 2", "q2 = 2\nq1 = 5"), 8,
     "invalid TOML: Cannot overwrite a value"),
    ("empty answers", 'instrument = "essai"\nversion = "1.0"\n[answers]\n', 3,
     "answers: no answers: the [answers] table is empty"),
    ("another instrument", GOOD.replace('instrument = "essai"', 'instrument = "riasec"'), 1,
     "instrument: these are answers to 'riasec', expected 'essai'"),
    ("another version", GOOD.replace('version = "1.0"', 'version = "0.9"'), 2,
     "version: answers given to version '0.9' of 'essai'"),
    ("another beneficiary", GOOD.replace('"B-TEST-001"', '"B-TEST-002"'), None,
     "belongs to beneficiary 'B-TEST-002', not to 'B-TEST-001'"),
    ("timing for an unknown item", GOOD + "q9 = 1.0\n", 13,
     "timings.q9: timing for unknown item 'q9'"),
    ("negative timing", GOOD.replace("q1 = 3.5", "q1 = -1"), 12,
     "timings.q1: expected at least 0, got -1"),
]


@pytest.mark.parametrize(("text", "line", "message"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_bad_responses_are_located_errors(bilan, setup, text, line, message):
    pipeline, responses = setup
    responses.write_text(text, encoding="utf-8")
    result = bilan("-p", "no:journal", "validate", pipeline)
    assert result.code == 2
    assert "Traceback" not in result.err
    assert len(result.err.splitlines()) == 1
    if line is not None:
        assert result.err.startswith(f"bilan: error: {responses}:{line}:"), result.err
    assert message in result.err


def test_empty_and_non_utf8_files(bilan, setup):
    pipeline, responses = setup
    responses.write_bytes(b"")
    result = bilan("-p", "no:journal", "validate", pipeline)
    assert result.code == 2
    assert "missing required key 'instrument'" in result.err
    responses.write_bytes(textwrap.dedent(GOOD).replace('"Y voir', '"caf\xe9').encode("latin-1"))
    result = bilan("-p", "no:journal", "validate", pipeline)
    assert result.code == 2
    assert f"{responses}:9: the responses file is not valid UTF-8" in result.err
