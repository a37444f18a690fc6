"""The four first-party instruments, the instrument loader's errors, and the commands
``instruments list``, ``instruments stats`` and ``score`` on them."""

from __future__ import annotations

import json
import random
import shutil
import statistics
from pathlib import Path

import pytest

from bilan_core.config.responses_writer import responses_to_toml
from bilan_core.model import Responses
from bilan_core.model.serialize import read_dossier
from bilan_core.plugins import PluginHost

ROOT = Path(__file__).parents[1]
EXAMPLES = ["reconversion-cpf", "demandeur-emploi", "salarie-rqth"]
FIRST_PARTY = {"riasec": "riasec", "personnalite": "bigfive", "valeurs": "values",
               "competences": "skills"}
GROUP = "Adultes en bilan de compétences (normes illustratives)"


@pytest.fixture(scope="module")
def host():
    return PluginHost().load()


def test_first_party_instruments_are_installed_with_illustrative_norms(bilan):
    listed = {i["id"]: i for i in json.loads(bilan("instruments", "list", "--json").out)}
    for instrument_id, plugin in FIRST_PARTY.items():
        info = listed[instrument_id]
        assert info["plugin"] == plugin
        assert info["norm_groups"] == [{"group": GROUP, "n": 400, "year": 2026,
                                        "illustrative": True}]
        assert info["licence"]


def test_first_party_instruments_meet_the_issue(host):
    instruments = host.registry.instruments
    riasec = instruments["riasec"]
    assert [s.id for s in riasec.scales] == list("RIASEC")
    for scale in riasec.scales:
        assert sum(1 for i in riasec.items if scale.id in i.scales()) >= 8
    big_five = instruments["personnalite"]
    assert len(big_five.scales) == 5
    for scale in big_five.scales:
        keyed = [k for i in big_five.items for k in i.keys if k.scale == scale.id]
        assert len(keyed) >= 8
        reverse = sum(1 for k in keyed if k.reverse)
        assert abs(reverse - (len(keyed) - reverse)) <= 2, scale.id  # balanced
    assert len(instruments["valeurs"].scales) >= 8
    assert len(instruments["competences"].scales) >= 10
    for instrument in instruments.values():
        texts = " ".join(i.text for i in instrument.items)
        assert any(c in texts for c in "éèàç"), instrument.id  # French, with accents
        assert len({i.text for i in instrument.items}) == len(instrument.items)


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_answers_every_instrument_completely(host, example):
    from bilan_core.config.responses import read_responses

    for instrument_id, instrument in host.registry.instruments.items():
        if instrument.purpose == "feedback":  # the provider's questionnaires, not the bilan's
            continue
        path = ROOT / "examples" / example / "reponses" / f"{instrument_id}.toml"
        responses = read_responses(path, instrument, expected_id=instrument_id)
        assert set(responses.answers) == instrument.item_ids(), (example, instrument_id)


def test_example_runs_score_distinct_differentiated_profiles(bilan, tmp_path):
    profiles = {}
    for example in EXAMPLES:
        folder = tmp_path / example
        shutil.copytree(ROOT / "examples" / example, folder)
        result = bilan("-p", "no:journal", "run", folder / "pipeline.toml", "--output",
                       folder / "out")
        assert result.code == 0, result.err
        assert "flag" not in result.err and "réponses" not in result.err
        dossier = read_dossier(folder / "out" / "dossier.json")
        assert set(dossier.results) == set(FIRST_PARTY)
        for result_ in dossier.results.values():
            assert result_.norm_group == GROUP
            assert all(s.t_score is not None for s in result_.scales)
            assert result_.flags == ()
        profiles[example] = dossier.results
    codes = {e: r["riasec"].summary["Code Holland"] for e, r in profiles.items()}
    assert codes == {"reconversion-cpf": "SEC", "demandeur-emploi": "ECR",
                     "salarie-rqth": "SCI"}
    for results in profiles.values():
        t_scores = [s.t_score for s in results["personnalite"].scales]
        assert max(t_scores) - min(t_scores) >= 10  # differentiated, not flat
        assert "Points forts" in results["competences"].summary
    top_values = {e: max(r["valeurs"].scales, key=lambda s: s.mean).scale
                  for e, r in profiles.items()}
    assert len(set(top_values.values())) == 3


def test_score_command_on_a_first_party_instrument(bilan):
    path = ROOT / "examples" / "demandeur-emploi" / "reponses" / "riasec.toml"
    result = bilan("score", "riasec", path, "--norms", GROUP)
    assert result.code == 0, result.err
    assert "Code Holland : ECR" in result.out
    assert "ILLUSTRATIVE norms" in result.out
    assert bilan("score", "riaesc", path).code == 2


def _random_sets(instrument, count: int, seed: int = 7):
    rng = random.Random(seed)
    sets = []
    for n in range(count):
        trait = {s.id: rng.gauss(0, 1) for s in instrument.scales}
        answers = {}
        for item in instrument.items:
            key = item.keys[0]
            level = 3 + trait[key.scale] + rng.gauss(0, 0.8)
            value = min(5, max(1, round(level)))
            answers[item.id] = 6 - value if key.reverse else value
        sets.append(Responses(instrument=instrument.id, version=instrument.version,
                              answers=answers))
        del n
    return sets


def test_instruments_stats_gives_alpha_and_item_statistics(bilan, host, tmp_path):
    instrument = host.registry.instruments["personnalite"]
    folder = tmp_path / "reponses"
    folder.mkdir()
    for n, responses in enumerate(_random_sets(instrument, 60)):
        (folder / f"r{n:03}.toml").write_text(responses_to_toml(responses), encoding="utf-8")
    result = bilan("instruments", "stats", "personnalite", folder, "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["files"] == 60
    for scale in data["scales"]:
        assert scale["n"] == 60
        assert 0.8 < scale["alpha"] < 1.0  # one trait drives each scale's items
        assert len(scale["items"]) == 10
        assert all(item["item_total"] > 0.3 for item in scale["items"])
    text = bilan("instruments", "stats", "personnalite", folder, "--norms-toml", "Mon centre")
    assert '[[norms]]\ngroup = "Mon centre"\nn = 60' in text.out
    assert "scales.ouverture = { mean = " in text.out


def test_stats_stop_at_a_bad_file(bilan, tmp_path):
    folder = tmp_path / "reponses"
    folder.mkdir()
    (folder / "a.toml").write_text('instrument = "personnalite"\nversion = "1.0"\n'
                                   '[answers]\nO01 = 7\n', encoding="utf-8")
    result = bilan("instruments", "stats", "personnalite", folder)
    assert result.code == 2
    assert "a.toml:4:1: answers.O01: item 'O01': 7 is out of range" in result.err
    empty = tmp_path / "vide"
    empty.mkdir()
    assert "no responses file" in bilan("instruments", "stats", "personnalite", empty).err


INSTRUMENT_ERRORS = [
    ("unknown scale", 'scale = "contact"', 'scale = "contacte"', 43,
     "items[c1].scale: unknown scale 'contacte' (did you mean 'contact'?)"),
    ("reverse without scale", 'scale = "dehors"\nreverse = true', 'reverse = true', 32,
     "items[d2].reverse: reverse goes with scale"),
    ("forced choice without options", 'format = "forced_choice"\noptions = [\n'
     '  { id = "a", text = "Entretenir un parc", scale = "dehors" },\n'
     '  { id = "b", text = "Conseiller des clients en magasin", scale = "contact" },\n]',
     'format = "forced_choice"', 50, "a forced_choice item needs at least two options"),
    ("pair with an unknown item", 'items = ["d1", "d3"]', 'items = ["d1", "d9"]', 65,
     "pairs[#1].items: unknown item 'd9'"),
    ("pair across scales", 'items = ["d1", "d3"]', 'items = ["d1", "c1"]', 65,
     "share no scale"),
    ("norms for an unknown scale", "[norms.scales.contact]", "[norms.scales.contacts]", 77,
     "norms[Adultes accompagnés par le cabinet].scales.contacts: unknown scale 'contacts'"),
    ("scored item without a scale", 'text = "Accueillir du public me plaît."\nscale = "contact"',
     'text = "Accueillir du public me plaît."', 40, "items[c1]: item counts towards no scale"),
    ("missing licence", 'licence = "Usage interne du cabinet"\n', "", None,
     "missing required key 'licence'"),
    ("labels do not match the range", '"Tout à fait"]', '"Tout à fait", "Encore plus"]', 9,
     "response_scale: 6 labels for 5 points"),
]


@pytest.mark.parametrize(("old", "new", "line", "message"), [c[1:] for c in INSTRUMENT_ERRORS],
                         ids=[c[0] for c in INSTRUMENT_ERRORS])
def test_instrument_file_errors_are_located(bilan, tmp_path, old, new, line, message):
    import re

    docs = (ROOT / "docs" / "instruments.md").read_text(encoding="utf-8")
    text = re.search(r"<!-- example: instrument -->\n```toml\n(.*?)```", docs, re.S).group(1)
    assert old in text
    path = tmp_path / "exterieur.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = bilan("instruments", "stats", path, tmp_path)
    assert result.code == 2
    assert "Traceback" not in result.err
    where = f"{path}:{line}:" if line else f"{path}:"
    assert result.err.startswith(f"bilan: error: {where}"), result.err
    assert message in result.err


def test_stats_match_a_plain_computation(host):
    from bilan_core.scoring.stats import scale_statistics

    instrument = host.registry.instruments["valeurs"]
    sets = _random_sets(instrument, 30)
    stats = {s.scale: s for s in scale_statistics(instrument, sets)}
    values = [sum(r.answers[i.id] for i in instrument.items if "aide" in i.scales()) / 4
              for r in sets]
    assert stats["aide"].mean == pytest.approx(statistics.mean(values))
    assert stats["aide"].sd == pytest.approx(statistics.stdev(values))


def _docs_block(name: str) -> str:
    import re

    docs = (ROOT / "docs" / "instruments.md").read_text(encoding="utf-8")
    return re.search(rf"<!-- example: {name} -->\n```toml\n(.*?)```", docs, re.S).group(1)


def test_a_provider_instrument_named_in_the_pipeline_is_scored_in_the_run(
        bilan, pipeline_file, tmp_path):
    from conftest import PIPELINE

    (tmp_path / "questionnaires").mkdir()
    (tmp_path / "questionnaires" / "exterieur.toml").write_text(_docs_block("instrument"),
                                                                encoding="utf-8")
    (tmp_path / "reponses.toml").write_text(
        _docs_block("responses").replace("B-2026-0001", "B-TEST-001"), encoding="utf-8")
    text = 'instruments = ["questionnaires/exterieur.toml"]\n' + PIPELINE.replace(
        "hours = 5", 'hours = 5\ninstruments = ["exterieur"]') + (
        '\n[[responses]]\ninstrument = "exterieur"\nfile = "reponses.toml"\n'
        '\n[norms]\nexterieur = "Adultes accompagnés par le cabinet"\n')
    path = pipeline_file(text)
    listed = bilan("-p", "no:journal", "validate", path)
    assert listed.code == 0, listed.err
    result = bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out",
                   "--format", "json,md")
    assert result.code == 0, result.err
    exterieur = read_dossier(tmp_path / "out" / "dossier.json").results["exterieur"]
    assert exterieur.scale("dehors").t_score == 70.0
    assert exterieur.norm_group == "Adultes accompagnés par le cabinet"
    markdown = (tmp_path / "out" / "synthese.md").read_text(encoding="utf-8")
    assert "Goût pour le travail en extérieur (élevé) : Un goût marqué" in markdown

    broken = _docs_block("instrument").replace('scale = "contact"', 'scale = "contacte"', 1)
    (tmp_path / "questionnaires" / "exterieur.toml").write_text(broken, encoding="utf-8")
    result = bilan("-p", "no:journal", "validate", path)
    assert result.code == 2
    assert "exterieur.toml:43:1: items[c1].scale: unknown scale 'contacte'" in result.err


def test_stats_norms_block_loads_back_into_the_instrument(bilan, host, tmp_path):
    instrument = host.registry.instruments["valeurs"]
    folder = tmp_path / "reponses"
    folder.mkdir()
    for n, responses in enumerate(_random_sets(instrument, 25)):
        (folder / f"r{n:03}.toml").write_text(responses_to_toml(responses), encoding="utf-8")
    result = bilan("instruments", "stats", "valeurs", folder, "--norms-toml", 'Centre "Cap"')
    assert result.code == 0, result.err
    block = result.out[result.out.index("[[norms]]"):]
    source = (ROOT / "plugins" / "bilan-values" / "src" / "bilan_values" / "instruments"
              / "valeurs.toml").read_text(encoding="utf-8")
    path = tmp_path / "valeurs.toml"
    path.write_text(source + "\n" + block, encoding="utf-8")
    from bilan_core.instruments import load_instrument

    loaded = load_instrument(path)
    assert [t.group for t in loaded.norms][-1] == 'Centre "Cap"'
    one = tmp_path / "one"
    one.mkdir()
    shutil.copy(folder / "r000.toml", one / "r000.toml")
    single = bilan("instruments", "stats", "valeurs", one, "--json")
    assert json.loads(single.out)["scales"][0]["sd"] is None  # not NaN, which is not JSON
    refused = bilan("instruments", "stats", "valeurs", one, "--norms-toml", "X")
    assert refused.code == 2 and "at least two complete response sets" in refused.err


def test_responses_no_step_names_are_a_warning(bilan, tmp_path):
    folder = tmp_path / "ex"
    shutil.copytree(ROOT / "examples" / "reconversion-cpf", folder)
    path = folder / "pipeline.toml"
    text = path.read_text(encoding="utf-8").replace('instruments = ["valeurs", "riasec"]',
                                                    'instruments = ["riasec"]')
    path.write_text(text, encoding="utf-8")
    result = bilan("validate", path)
    assert result.code == 0
    assert "responses for 'valeurs', but no step names it" in result.err
