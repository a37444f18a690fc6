"""Each registration hook, used the way a third-party plugin would use it."""

from __future__ import annotations

import json
import sys
import textwrap
from decimal import Decimal

import pytest
from conftest import PIPELINE

from bilan_core.components import OccupationSource
from bilan_core.model import FundingDecision
from bilan_core.model.serialize import read_dossier

PLUGIN = '''
from decimal import Decimal

import click

from bilan_core import hookimpl
from bilan_core.components import Funder, OccupationSource, Renderer
from bilan_core.model import FundingDecision


def decide(request):
    covered = min(request.price, Decimal("500"))
    return FundingDecision(
        funder="region_demo", name="Aide régionale (démonstration)", eligibility="eligible",
        covered=covered, remaining=request.price - covered,
        trace=("le bénéficiaire réside dans la région : oui",))


@hookimpl
def register_funders(register):
    register(Funder(id="region_demo", name="Aide régionale (démonstration)", decide=decide))


@hookimpl
def register_occupation_sources(register):
    register(OccupationSource(id="demo_rome", name="Échantillon de démonstration",
                              load=lambda: [{"code": "M1607", "title": "Secrétaire"}]))


@hookimpl
def register_renderers(register):
    register(Renderer(format="txt", extension="txt", media_type="text/plain",
                      render=lambda dossier, context: dossier.id.encode("utf-8")))


@hookimpl
def register_commands(cli):
    @cli.command("hello")
    @click.argument("who")
    def hello(who):
        """Say hello (test plugin)."""
        click.echo(f"Bonjour {who} !")
'''


@pytest.fixture
def demo_plugin(tmp_path, monkeypatch):
    (tmp_path / "demo_registrations.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "demo_registrations"
    sys.modules.pop("demo_registrations", None)


def test_funder_answers_the_preparation_step(bilan, pipeline_file, tmp_path, demo_plugin):
    path = pipeline_file(PIPELINE + "\n[funding]\nprice = 1950\n")
    out = tmp_path / "out"
    result = bilan("-p", demo_plugin, "-p", "no:journal", "run", path, "--output", out)
    assert result.code == 0, result.err
    funding = read_dossier(out / "dossier.json").funding
    regional = [d for d in funding if d.funder == "region_demo"]
    assert regional == [FundingDecision(
        funder="region_demo", name="Aide régionale (démonstration)", eligibility="eligible",
        covered=Decimal("500.00"), remaining=Decimal("1450.00"),
        trace=("le bénéficiaire réside dans la région : oui",))]


def test_renderer_is_a_format_of_run(bilan, pipeline_file, tmp_path, demo_plugin):
    out = tmp_path / "out"
    result = bilan("-p", demo_plugin, "-p", "no:journal", "run", pipeline_file(), "--output",
                   out, "--format", "txt")
    assert result.code == 0, result.err
    assert (out / "synthese.txt").read_text() == "B-TEST-001-20261102"


def test_occupation_source_is_registered_and_listed(bilan, demo_plugin):
    from bilan_core.plugins import PluginHost

    host = PluginHost(explicit=[demo_plugin], environ={"BILAN_PLUGINS": ""}).load()
    source = host.registry.occupation_sources["demo_rome"]
    assert isinstance(source, OccupationSource)
    assert list(source.load()) == [{"code": "M1607", "title": "Secrétaire"}]
    listed = {p["name"]: p for p in json.loads(bilan("-p", demo_plugin, "plugins", "--json").out)}
    assert listed[demo_plugin]["origin"] == "explicit"
    assert "register_occupation_sources" in listed[demo_plugin]["hooks"]


def test_plugin_command_runs_and_is_listed(bilan, demo_plugin):
    result = bilan("-p", demo_plugin, "hello", "Camille")
    assert result.code == 0, result.err
    assert result.out == "Bonjour Camille !\n"
    assert "hello" in bilan("-p", demo_plugin, "--help").out
