"""Every example pipeline validates and runs end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bilan_core.model import ConsentKind, Status
from bilan_core.model.serialize import read_dossier

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*/pipeline.toml"))


def test_there_are_the_three_promised_examples():
    names = {p.parent.name for p in EXAMPLES}
    assert {"reconversion-cpf", "demandeur-emploi", "salarie-rqth"} <= names


@pytest.fixture(params=EXAMPLES, ids=lambda p: p.parent.name)
def example(request, tmp_path):
    """A copy of an example folder, so runs write nothing into the repository."""
    folder = tmp_path / request.param.parent.name
    shutil.copytree(request.param.parent, folder)
    return folder / "pipeline.toml"


def test_example_validates(bilan, example):
    result = bilan("validate", example)
    assert result.code == 0, result.err
    assert "valid" in result.out


def test_example_runs_end_to_end(bilan, example, tmp_path):
    out = tmp_path / "out"
    result = bilan("run", example, "--output", out)
    assert result.code == 0, result.err
    dossier = read_dossier(out / "dossier.json")
    assert len(dossier.steps_done) == 5
    assert dossier.career_options, "each example proposes career options"
    assert any(a.kind.value == "follow_up" for a in dossier.actions)
    for fmt in ("json", "md"):
        assert (out / f"synthese.{fmt}").stat().st_size > 500
    markdown = (out / "synthese.md").read_text(encoding="utf-8")
    assert "é" in markdown and "Observations du bénéficiaire" in markdown


def test_examples_cover_the_three_situations():
    from bilan_core.config.pipeline import load_pipeline
    from bilan_core.plugins import PluginHost

    host = PluginHost().load()
    by_name = {p.parent.name: load_pipeline(p, host) for p in EXAMPLES}
    cpf = by_name["reconversion-cpf"]
    assert cpf.beneficiary.status is Status.PRIVATE_EMPLOYEE
    assert cpf.beneficiary.cpf_balance > 0
    assert by_name["demandeur-emploi"].beneficiary.status is Status.JOB_SEEKER
    rqth = by_name["salarie-rqth"]
    assert rqth.beneficiary.rqth
    assert any(c.kind is ConsentKind.SHARING for c in rqth.consents)


def test_tox_installs_every_first_party_plugin():
    root = Path(__file__).parents[1]
    tox = (root / "tox.ini").read_text(encoding="utf-8")
    for folder in sorted((root / "plugins").iterdir()):
        if (folder / "pyproject.toml").is_file():
            assert f"{{tox_root}}/plugins/{folder.name}" in tox, folder.name
