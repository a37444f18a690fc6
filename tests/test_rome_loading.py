"""Loading the occupations of bilan-rome: the compiled sample says what its TOML says, a
stale or damaged one is ignored, and each file is read once per process while it stays the
same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bilan_rome import plugin, sample
from bilan_rome.importer import import_export

FIXTURES = Path(__file__).parent / "fixtures" / "rome"


def test_the_shipped_compiled_sample_is_compiled_from_the_shipped_toml():
    # If this fails, the TOML was edited: run `python -m bilan_rome.sample` to compile it.
    assert sample.compiled_path().read_bytes() == sample.compile_sample(sample.sample_path())


def test_the_compiled_sample_gives_the_occupations_of_the_toml():
    assert sample.load_sample() == sample.load_occupations_file(sample.sample_path())


@pytest.fixture
def own_sample(tmp_path, monkeypatch):
    """A copy of the sample and its compiled form, that the plugin reads instead."""
    folder = tmp_path / "package"
    folder.mkdir()
    shutil.copy(sample.sample_path(), folder / "occupations.toml")
    shutil.copy(sample.compiled_path(), folder / "occupations.json")
    monkeypatch.setattr(sample, "sample_path", lambda: folder / "occupations.toml")
    monkeypatch.setattr(sample, "compiled_path", lambda: folder / "occupations.json")
    return folder


def _toml_read(monkeypatch) -> list[Path]:
    read: list[Path] = []
    real = sample.load_occupations_file

    def counted(path):
        read.append(path)
        return real(path)

    monkeypatch.setattr(sample, "load_occupations_file", counted)
    return read


def test_a_compiled_sample_older_than_its_toml_is_ignored(own_sample, monkeypatch):
    toml = own_sample / "occupations.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'title = "Conducteur / Conductrice d\'engins agricoles"',
        'title = "Conducteur d\'engins agricoles (édité)"'), encoding="utf-8")
    read = _toml_read(monkeypatch)
    _source, found = sample.load_sample()
    assert read == [toml]
    assert found[0].title == "Conducteur d'engins agricoles (édité)"


@pytest.mark.parametrize("damage", [
    lambda document: "{not json",
    lambda document: json.dumps({**document, "format_version": 99}),
    lambda document: json.dumps({**document, "occupations": [
        {**document["occupations"][0], "code": "Z0000"}]}),
    lambda document: json.dumps({**document, "occupations": [{"code": "A1101"}]}),
    lambda document: json.dumps([document]),
])
def test_a_damaged_compiled_sample_is_ignored(own_sample, monkeypatch, damage):
    compiled = own_sample / "occupations.json"
    compiled.write_text(damage(json.loads(compiled.read_text(encoding="utf-8"))),
                        encoding="utf-8")
    read = _toml_read(monkeypatch)
    assert sample.load_sample() == sample.load_occupations_file(own_sample / "occupations.toml")
    assert read[0] == own_sample / "occupations.toml"


def test_the_sample_is_read_once_while_its_files_stay_the_same(own_sample, monkeypatch):
    loads: list[int] = []
    real = sample.load_sample

    def counted():
        loads.append(1)
        return real()

    monkeypatch.setattr(sample, "load_sample", counted)
    first = plugin.load()
    assert plugin.load() == first and len(loads) == 1
    plugin.load().clear()  # callers get their own list
    assert plugin.load() == first
    toml = own_sample / "occupations.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        "Garde de parc naturel", "Garde de parc"), encoding="utf-8")
    titles = [o.title for o in plugin.load()]
    assert len(loads) == 2 and "Garde de parc" in titles


def test_an_imported_referential_is_read_again_once_imported_again(tmp_path, monkeypatch):
    monkeypatch.setenv("BILAN_DATA_DIR", str(tmp_path / "data"))
    import_export(FIXTURES, plugin.imported_path(), {})
    source, found = plugin.current()
    assert source.startswith("ROME 4.0, export officiel")
    assert plugin.current() == (source, found)
    export = tmp_path / "export"
    shutil.copytree(FIXTURES, export)
    codes = next(export.glob("*referentiel_code_rome_v*"))
    codes.write_text(codes.read_text(encoding="utf-8").replace(
        "Formateur / Formatrice", "Formateur"), encoding="utf-8")
    import_export(export, plugin.imported_path(), {})
    assert "Formateur" in [o.title for o in plugin.current()[1]]
    plugin.imported_path().unlink()
    assert plugin.current()[0] == sample.load_sample()[0]  # back to the sample
