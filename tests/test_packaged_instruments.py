"""Instruments a plugin ships are registered unread and parsed when first used."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest

from bilan_core.instruments.loader import PackagedInstrument, packaged_instruments
from bilan_core.model import Instrument

RIASEC = (Path(__file__).parents[1] / "plugins" / "bilan-riasec" / "src" / "bilan_riasec"
          / "instruments" / "riasec.toml")

PLUGIN = '''
from bilan_core import hookimpl
from bilan_core.instruments import packaged_instruments


@hookimpl
def register_instruments(register):
    for instrument in packaged_instruments(__package__):
        register(instrument)
'''


@pytest.fixture
def acme(tmp_path, monkeypatch):
    """A plugin package shipping a good instrument and a broken one (line 11 of its file)."""
    package = tmp_path / "site" / "acme_tests"
    (package / "instruments").mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    good = RIASEC.read_text("utf-8").replace('id = "riasec"', 'id = "acme_interets"', 1)
    (package / "instruments" / "interets.toml").write_text(good, encoding="utf-8")
    broken = good.replace('id = "acme_interets"', 'id = "acme_casse"', 1).replace(
        'language = "fr"', 'language = 12', 1)
    (package / "instruments" / "casse.toml").write_text(broken, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    monkeypatch.delitem(sys.modules, "acme_tests", raising=False)  # this test's own copy
    return package


def test_a_broken_file_is_reported_when_used_and_harms_nothing_else(bilan, acme, tmp_path):
    listed = json.loads(bilan("-p", "acme_tests", "plugins", "--json").out)
    assert {p["name"]: p["status"] for p in listed}["acme_tests"] == "loaded"
    pipeline = tmp_path / "pipeline.toml"
    from conftest import PIPELINE

    for instrument, expected in (("acme_interets", 0), ("acme_casse", 2)):
        text = PIPELINE.replace('[[steps]]\nid = "needs_analysis"\nhours = 3',
                                '[[steps]]\nid = "needs_analysis"\nhours = 3\n'
                                f'instruments = ["{instrument}"]')
        pipeline.write_text('plugins = ["acme_tests"]\n' + text, encoding="utf-8")
        result = bilan("validate", pipeline)
        assert result.code == expected, result.err
    assert f"{acme / 'instruments' / 'casse.toml'}:11:1: language: expected a string" in result.err
    assert "language" in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_only_the_instruments_a_command_uses_are_parsed(acme, monkeypatch):
    from bilan_core.instruments import loader
    from bilan_core.plugins import PluginHost

    parsed: list[str] = []
    real = loader.load_instrument

    def counted(path, text=None):
        parsed.append(Path(path).name)
        return real(path, text)

    monkeypatch.setattr(loader, "load_instrument", counted)
    host = PluginHost(explicit=["acme_tests"], warn=lambda line: None).load()
    assert parsed == []  # every plugin loaded, no instrument file parsed
    assert {"riasec", "acme_interets", "acme_casse"} <= set(host.registry.instruments)
    riasec = host.registry.instruments["riasec"]
    assert isinstance(riasec, Instrument) and parsed == ["riasec.toml"]
    assert host.registry.instruments.get("riasec") is riasec and parsed == ["riasec.toml"]
    assert host.registry.instruments.get("nothing") is None


def test_the_objects_returned_still_read_as_instruments(acme):
    found = {i.id: i for i in packaged_instruments("acme_tests")}
    assert set(found) == {"acme_interets", "acme_casse"}
    shipped = found["acme_interets"]
    assert isinstance(shipped, PackagedInstrument)
    assert len(shipped.items) == 60 and shipped.title.startswith("Inventaire")
    assert shipped.load() is shipped.load()  # parsed once


@pytest.mark.parametrize("head, found", [
    ('id = "x1"\n', "x1"),
    ("# a comment\n\nid = 'x2'  # plain\n", "x2"),
    ('title = "T"\nid="x3"\n', "x3"),
    ('[response_scale]\nmin = 0\n', None),  # no id before the first table
    ('id = "with \\" quote"\n', None),  # an escape: parsed to be sure
])
def test_the_id_is_read_from_the_first_lines_or_the_file_is_parsed(head, found):
    from bilan_core.instruments.loader import _declared_id

    assert _declared_id(textwrap.dedent(head) + "version = '1'\n") == found


def test_an_id_written_otherwise_is_found_by_parsing(tmp_path):
    text = RIASEC.read_text("utf-8").replace('id = "riasec"', '"id" = "quoted"', 1)
    path = tmp_path / "quoted.toml"
    path.write_text(text, encoding="utf-8")
    assert PackagedInstrument(path).id == "quoted"


def test_instruments_list_says_a_broken_file_and_lists_the_others(bilan, acme):
    result = bilan("-p", "acme_tests", "instruments", "list", "--json")
    assert result.code == 2
    listed = {row["id"] for row in json.loads(result.out)}
    assert {"riasec", "acme_interets"} <= listed and "acme_casse" not in listed
    assert result.err.count("bilan: error: ") == 1 and "casse.toml:11:1" in result.err


def test_a_copy_of_the_registry_holds_instruments(acme):
    from bilan_core.plugins import PluginHost

    (acme / "instruments" / "casse.toml").unlink()
    registry = PluginHost(explicit=["acme_tests"], warn=lambda line: None).load().registry
    for copied in (dict(registry.instruments), {**registry.instruments},
                   registry.instruments.copy()):
        assert isinstance(copied["riasec"], Instrument)


def test_a_multi_line_string_before_the_id_is_not_read_as_the_id(tmp_path):
    text = RIASEC.read_text("utf-8").replace('id = "riasec"\n', "", 1).replace(
        'instructions = """', 'instructions = """\nid = "zzz"\n', 1)
    first_table = text.index("\n[")
    text = text[:first_table] + '\nid = "riasec"' + text[first_table:]
    path = tmp_path / "multi.toml"
    path.write_text(text, encoding="utf-8")
    assert PackagedInstrument(path).id == "riasec"
