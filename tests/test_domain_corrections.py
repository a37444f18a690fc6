"""Corrections from an outside review of the domain rules: each test failed before its fix."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from bilan_core.instruments import load_instrument
from bilan_core.instruments.plugin import PLUGIN_NAME, PipelineInstruments
from bilan_core.model import (
    Dossier,
    InstrumentResult,
    Occupation,
    Provider,
    ScaleScore,
)
from bilan_core.model.people import Beneficiary
from bilan_core.orientation.matching import Constraints, Weights, explain, match_one
from bilan_core.orientation.options import Settings, _profile
from bilan_core.plugins import PluginHost

ROOT = Path(__file__).parents[1]

INSTRUMENT = """\
id = "{id}"
version = "1.0"
title = "{title}"
licence = "Usage interne"
copyright = "Cabinet Exemple"
[response_scale]
format = "likert"
min = 1
max = 5
[[scales]]
id = "apprentissage"
name = "{learning}"
method = "mean"
[[scales]]
id = "autonomie"
name = "{autonomy}"
method = "mean"
[[items]]
id = "i1"
text = "Première affirmation."
scale = "apprentissage"
[[items]]
id = "i2"
text = "Deuxième affirmation."
scale = "autonomie"
"""


def _result(instrument: str, means: dict[str, float]) -> InstrumentResult:
    return InstrumentResult(instrument=instrument, version="1.0", method="mean", scales=tuple(
        ScaleScore(scale=s, raw=m, mean=m, items=1, answered=1)
        for s, m in means.items()))


# ------------------------------------------------------------------------------ 1. scales
def test_scale_names_are_resolved_through_their_own_instrument(tmp_path):
    """Two instruments use the same scale ids for different things: a skill is named as the
    skills instrument names it, a value as the values instrument does."""
    files = []
    for id_, title, learning, autonomy in (
            ("savoir-faire", "Compétences", "Apprendre à apprendre", "Prendre des initiatives"),
            ("motivations", "Valeurs", "Apprendre et progresser", "Être libre de s'organiser")):
        path = tmp_path / f"{id_}.toml"
        path.write_text(INSTRUMENT.format(id=id_, title=title, learning=learning,
                                          autonomy=autonomy), encoding="utf-8")
        files.append(load_instrument(path))
    host = PluginHost(environ={"BILAN_PLUGINS": ""},
                      objects=[(PLUGIN_NAME, PipelineInstruments(files))]).load()
    dossier = Dossier(
        id="D-1", reference_date=date(2026, 11, 2),
        beneficiary=Beneficiary(id="B-1", status="job_seeker"),
        provider=Provider(name="Centre", qualiopi=True),
        results={"savoir-faire": _result("savoir-faire", {"apprentissage": 4.5,
                                                          "autonomie": 2.0}),
                 "motivations": _result("motivations", {"apprentissage": 2.0,
                                                        "autonomie": 4.5})})
    settings = Settings.from_options({"skills": "savoir-faire", "values": "motivations"})
    profile = _profile(dossier, host, settings)
    occupation = Occupation(code="K2111", title="Formateur", skills=("apprentissage",),
                            values=("autonomie",))
    text = explain(match_one(profile, occupation, Constraints(), Weights()), profile)
    assert "ompétences transférables : Apprendre à apprendre (1 sur 1 attendues)" in text
    assert "valeurs satisfaites : Être libre de s'organiser" in text
    assert "Apprendre et progresser" not in text and "Prendre des initiatives" not in text


def test_the_example_names_a_skill_as_a_skill(bilan, tmp_path):
    shutil.copytree(ROOT / "examples" / "reconversion-cpf", tmp_path / "ex")
    result = bilan("-p", "no:journal", "run", tmp_path / "ex" / "pipeline.toml", "--output",
                   tmp_path / "out", "--format", "md")
    assert result.code == 0, result.err
    text = (tmp_path / "out" / "synthese.md").read_text("utf-8")
    trainer = next(line for line in text.splitlines() if "(K2111)" in line)
    skills = trainer.split("compétences transférables : ")[1].split(" (")[0]
    assert "Apprendre à apprendre" in skills
    assert "Apprendre et progresser" not in skills
