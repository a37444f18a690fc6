"""Tests of the plugin: bilan's conformance suite, and answers of known scores."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from bilan_core import api
from bilan_core.plugins import PluginHost
from bilan_core.testing import CliResult, conformance

DISTRIBUTION = "bilan-example-instrument"
INSTRUMENT = "cadre_travail"
NORMS = "Adultes en reconversion (normes illustratives)"
#: The answers of reponses-exemple.toml, beside this folder.
RESPONSES = Path(__file__).resolve().parents[1] / "reponses-exemple.toml"
ANSWERS = {
    "equipe_partage": 5, "equipe_echanges": 4, "equipe_seul": 1,
    "calme_bruit": 2, "calme_interruptions": 3, "calme_animation": 4,
}

# What every instrument must do: its items count towards a scale, its norms load, it scores.
TestInstrument = conformance.instrument_suite(INSTRUMENT, plugin=DISTRIBUTION)


def test_known_answers_score_as_expected(bilan_host: Callable[..., PluginHost]) -> None:
    result = api.score(INSTRUMENT, ANSWERS, host=bilan_host(DISTRIBUTION), norms=NORMS)
    equipe, calme = result.scale("equipe"), result.scale("calme")
    assert equipe is not None and calme is not None
    assert equipe.mean == pytest.approx(14 / 3)  # 5, 4, and 1 reverse-keyed: 5
    assert equipe.band == "élevé"  # T = 50 + 10 × (4.67 − 3.6) / 0.7 ≈ 65
    assert calme.mean == pytest.approx(7 / 3)  # 2, 3, and 4 reverse-keyed: 2
    assert calme.band == "moyen"  # T ≈ 42
    assert result.flags == ()  # the opposite pair is answered consistently


def test_bilan_score_reads_the_example_answers(bilan_cli: Callable[..., CliResult]) -> None:
    result = bilan_cli("score", INSTRUMENT, RESPONSES, "--norms", NORMS, "--json")
    assert result.code == 0, result.err
    bands = {scale["scale"]: scale["band"] for scale in json.loads(result.out)["scales"]}
    assert bands == {"equipe": "élevé", "calme": "moyen"}
