"""Fuzzing every loader: whatever a file holds, bilan loads it or refuses it in one located line.

The inputs are the repository's real files, edited at random: the example pipelines (each
example folder is copied first, since a pipeline names its beneficiary, responses and logo
files), the example beneficiary and responses files, the instruments the plugins ship, and a
dossier written once by ``bilan run``. An edit replaces the value at a random key path by a
random value of any type, deletes a key, or adds one the format does not know. Random bytes
and random text are fed to every loader as well.

The rule checked: a loader returns, or raises a :class:`~bilan_core.errors.BilanError` whose
message is one line (a :class:`~bilan_core.errors.ConfigError` names the file). A dossier read
back by ``bilan report`` and ``bilan careers`` gives exit status 0 or 2 (1 only for an error
that names the plugin that raised), never an "internal error" or a traceback.
"""

from __future__ import annotations

import atexit
import functools
import json
import re
import shutil
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
import tomli_w
from conftest import PIPELINE
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from bilan_core.cli import main
from bilan_core.config.beneficiary import BENEFICIARY, read_beneficiary_file
from bilan_core.config.pipeline import load_pipeline, pipeline_table, plugin_settings
from bilan_core.config.responses import RESPONSES, read_responses
from bilan_core.errors import BilanError, ConfigError
from bilan_core.instruments import INSTRUMENT, load_instrument
from bilan_core.model import (
    DOSSIER_FORMAT_VERSION,
    ActionKind,
    Audience,
    ConsentKind,
    Eligibility,
    OptionKind,
    Phase,
    PublicBranch,
    ResponseFormat,
    Status,
)
from bilan_core.plugins import PluginHost

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ROOT = Path(__file__).parents[1]
WORK = Path(tempfile.mkdtemp(prefix="bilan-fuzz-"))
atexit.register(shutil.rmtree, WORK, True)
for _example in sorted((ROOT / "examples").glob("*/pipeline.toml")):
    shutil.copytree(_example.parent, WORK / _example.parent.name,
                    ignore=shutil.ignore_patterns("*.sqlite"))

(WORK / "built-ins").mkdir()  # the shared test pipeline: valid with the built-in steps alone
(WORK / "built-ins" / "pipeline.toml").write_text(PIPELINE, encoding="utf-8")
PIPELINES = sorted(WORK.glob("*/pipeline.toml"))
BENEFICIARY_FILE = WORK / "demandeur-emploi" / "beneficiaire.toml"
RESPONSES_FILES = sorted(WORK.glob("*/reponses/*.toml"))
INSTRUMENT_FILES = sorted(ROOT.glob("plugins/*/src/*/instruments/*.toml"))

BUILTIN = PluginHost(environ={"BILAN_PLUGINS": ""}).load()
FULL = PluginHost(environ={}).load()  # every installed plugin, whatever the machine's env
HOSTS = {"built-ins": BUILTIN, "all plugins": FULL}


def _toml(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def _leaves(node, keys: set[str], strings: set[str]) -> None:
    """Collect the keys and the short strings of a document: what random edits reuse."""
    if isinstance(node, dict):
        keys.update(node)
        for value in node.values():
            _leaves(value, keys, strings)
    elif isinstance(node, list):
        for value in node:
            _leaves(value, keys, strings)
    elif isinstance(node, str) and len(node) <= 40:
        strings.add(node)


def _schema_words(schema, keys: set[str], strings: set[str]) -> None:
    """Collect the property names and enum values of a JSON Schema, keys no file may use yet."""
    if isinstance(schema, dict):
        keys.update(schema.get("properties", ()))
        strings.update(v for v in schema.get("enum", ()) if isinstance(v, str))
        schema = list(schema.values())
    if isinstance(schema, list):
        for value in schema:
            _schema_words(value, keys, strings)


_keys: set[str] = {"zzz", "format", "format_version"}
_strings: set[str] = {m.value for kind in (ActionKind, Audience, ConsentKind, Eligibility,
                                           OptionKind, Phase, PublicBranch, ResponseFormat,
                                           Status) for m in kind}
for _file in [*PIPELINES, BENEFICIARY_FILE, *RESPONSES_FILES, *INSTRUMENT_FILES]:
    _leaves(_toml(_file), _keys, _strings)
for _schema in (pipeline_table(FULL), BENEFICIARY, INSTRUMENT, RESPONSES):
    _schema_words(_schema.json_schema(), _keys, _strings)
KEYS = sorted(_keys)
WORDS = [
    *sorted(_strings),
    "", " ", "\t\n", "x" * 300, "\x00", "a\x1b[31mb", "\u202eevil", "<script>alert(1)</script>",
    "{{ 7 * 7 }}", "{% raw %}", "../../../etc/passwd", "/etc/passwd", "/dev/zero", "/dev/null",
    ".", "..", "reponses", "pipeline.toml", "logo-cap-parcours.svg", "beneficiaire.toml",
    "reponses/riasec.toml", "#fff", "#12345g", "2026-02-30", "0001-01-01", "9999-12-31",
    "-0", "NaN", "Infinity", "1e400", "1" * 40, "0.000000000001", "-1950.00", "1950,00",
]

#: Numbers as an edited file may write them (json.dumps cannot, or writes them otherwise):
#: spliced into the JSON text in place of a marker string.
RAW_NUMBERS = ["1" + "0" * 5000, "-" + "9" * 4400, "1" + "0" * 400, "1e400", "-1e400",
               "1e-400", "2e308", "123456789012345678901234567890"]
_RAW = re.compile(r'"\\u0000raw:([^"\\]*)\\u0000"')

_text = st.text(max_size=20) | st.sampled_from(WORDS) | st.dates().map(date.isoformat)
toml_values = st.recursive(
    st.one_of(
        st.integers(min_value=-2**64, max_value=2**64) | st.sampled_from([0, 1, -1, 10**4000]),
        st.floats(),
        st.booleans(),
        _text,
        st.dates(),
        st.datetimes(timezones=st.none() | st.just(timezone.utc)),
        st.times(),
    ),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-2**70, max_value=2**70),
        st.floats(),  # NaN and Infinity too: Python's json reads them
        _text,
        st.sampled_from(RAW_NUMBERS).map(lambda n: f"\x00raw:{n}\x00"),
    ),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
#: Values of the type a value already has: an edit that keeps the type goes past type checks.
SAME_TYPE = {
    bool: st.booleans(),
    int: st.integers(min_value=-3, max_value=150) | st.sampled_from([-2**63, 2**63, 10**400]),
    float: st.floats() | st.just(10**400),  # an integer too large for a float
    str: _text,
    date: st.dates(),
    datetime: st.datetimes(timezones=st.none() | st.just(timezone.utc)),
}
#: Any file content: bytes, text, or a TOML document of random keys and values.
random_bytes = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(str.encode),
    st.dictionaries(st.sampled_from(KEYS), toml_values, max_size=6).map(
        lambda d: tomli_w.dumps(d).encode("utf-8")),
)


# ------------------------------------------------------------------------ random edits
def _paths(node, prefix: tuple = ()):
    """Every key path of a document, but the empty one."""
    if isinstance(node, list):
        node = dict(enumerate(node))
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))


def _pick(data, document) -> tuple:
    """A random key path: any path as likely, or a walk down from the top (each table as
    likely as the large ones, such as the answers)."""
    if data.draw(st.booleans(), label="any path as likely"):
        return data.draw(st.sampled_from(list(_paths(document)) or [()]))
    path, node = (), document
    while isinstance(node, (dict, list)) and node and (not path or data.draw(st.integers(0, 3))):
        key = data.draw(st.sampled_from(list(node) if isinstance(node, dict) else
                                        range(len(node))))
        path, node = (*path, key), node[key]
    return path


DELETE = object()


def _put(node, path: tuple, new):
    """A copy of ``node`` with ``new`` at ``path`` (the key removed if ``new`` is DELETE)."""
    head, rest = path[0], path[1:]
    copy = dict(node) if isinstance(node, dict) else list(node)
    if rest:
        copy[head] = _put(copy[head], rest, new)
    elif new is DELETE:
        del copy[head]
    else:
        copy[head] = new
    return copy


def _like(value, values):
    """A random value, as often as not of the type of ``value`` (or made of its entries)."""
    if isinstance(value, list) and value:
        return st.lists(st.sampled_from(value), max_size=len(value) + 1) | values
    return SAME_TYPE.get(type(value), values) | values


def mutate(data, document, values):
    """``document`` after one to three random edits: replace a value, delete a key, add one."""
    for _ in range(data.draw(st.integers(1, 3), label="edits")):
        path = _pick(data, document)
        if not path:  # nothing left to edit
            break
        target = functools.reduce(lambda node, key: node[key], path, document)
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete":
            new = DELETE
        elif action == "add" and isinstance(target, dict):
            new = {**target, data.draw(st.sampled_from(KEYS) | st.text(max_size=8)):
                   data.draw(values)}
        elif action == "add" and isinstance(target, list):
            new = [*target, data.draw(values)]
        else:
            new = data.draw(_like(target, values))
        document = _put(document, path, new)
    return document


def _write_toml(path: Path, document: dict) -> Path:
    try:
        text = tomli_w.dumps(document)
    except (TypeError, ValueError):  # what tomli-w cannot write
        reject()
    path.write_text(text, encoding="utf-8")
    return path


def _json_bytes(document) -> bytes:
    """The document as a JSON file, with the :data:`RAW_NUMBERS` it holds spliced in."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return _RAW.sub(lambda m: m.group(1), text).encode("utf-8", "surrogatepass")


# ------------------------------------------------------------------------ the rule checked
def loaded_or_refused(load, path: Path) -> None:
    """``load(path)`` returns, or refuses the file with one line naming where the problem is."""
    try:
        load(path)
    except ConfigError as exc:
        event("refused")
        assert exc.location.file is not None or str(path) in str(exc), str(exc)
        assert "\n" not in str(exc), str(exc)
    except BilanError as exc:
        event(f"refused: {type(exc).__name__}")
        assert "\n" not in str(exc), str(exc)
    else:
        event("loaded")


def cleanly_answered(result) -> None:
    """A command's outcome as the user sees it: exit 0 or 2, or 1 naming the plugin."""
    event(f"exit status {result.code}")
    assert "Traceback" not in result.err + result.out, result.err
    assert "internal error" not in result.err, result.err
    if result.code == 1:
        assert re.search(r"plugin '[^']+' .*raised", result.err), result.err
    else:
        assert result.code in (0, 2), result
    if result.code:
        assert "bilan: error: " in result.err, result.err


def _load_pipeline_with(host):
    """Both passes of loading a pipeline: what the host needs, then the whole file."""
    return lambda path: (plugin_settings(path), load_pipeline(path, host))


def _load_responses(path: Path):
    instrument_id = path.stem if path.stem in FULL.registry.instruments else "riasec"
    return read_responses(path, FULL.registry.instruments[instrument_id],
                          expected_id=instrument_id)


LOADERS = {
    "pipeline (built-ins)": _load_pipeline_with(BUILTIN),
    "pipeline (all plugins)": _load_pipeline_with(FULL),
    "beneficiary": read_beneficiary_file,
    "instrument": load_instrument,
    "responses": _load_responses,
}


# ------------------------------------------------------------------------ pipelines
@pytest.mark.parametrize("host", HOSTS.values(), ids=HOSTS.keys())
@given(example=st.sampled_from(PIPELINES), data=st.data())
def test_any_mutation_of_a_pipeline_is_loaded_or_refused_with_a_located_error(host, example,
                                                                             data):
    document = mutate(data, _toml(example), toml_values)
    path = _write_toml(example.parent / "fuzzed.toml", document)
    loaded_or_refused(_load_pipeline_with(host), path)


# ------------------------------------------------------------------------ beneficiary files
BENEFICIARIES = [_toml(BENEFICIARY_FILE)] + [
    _toml(p)["beneficiary"] for p in PIPELINES if "file" not in _toml(p)["beneficiary"]]


@given(base=st.sampled_from(BENEFICIARIES), data=st.data())
def test_any_mutation_of_a_beneficiary_file_is_loaded_or_refused_with_a_located_error(base,
                                                                                      data):
    path = _write_toml(WORK / "beneficiary.toml", mutate(data, base, toml_values))
    loaded_or_refused(read_beneficiary_file, path)


# ------------------------------------------------------------------------ instruments
@given(source=st.sampled_from(INSTRUMENT_FILES), data=st.data())
def test_any_mutation_of_an_instrument_is_loaded_or_refused_with_a_located_error(source, data):
    path = _write_toml(WORK / source.name, mutate(data, _toml(source), toml_values))
    loaded_or_refused(load_instrument, path)


# ------------------------------------------------------------------------ responses files
@given(source=st.sampled_from(RESPONSES_FILES), data=st.data())
def test_any_mutation_of_a_responses_file_is_loaded_or_refused_with_a_located_error(source,
                                                                                   data):
    path = _write_toml(WORK / source.name, mutate(data, _toml(source), toml_values))
    loaded_or_refused(_load_responses, path)


# ------------------------------------------------------------------------ any bytes
@pytest.mark.parametrize("loader", LOADERS.values(), ids=LOADERS.keys())
@given(content=random_bytes)
def test_any_bytes_are_loaded_or_refused_with_a_located_error(loader, content):
    path = WORK / "demandeur-emploi" / "random.toml"  # beside files a pipeline may name
    path.write_bytes(content)
    loaded_or_refused(loader, path)


# ------------------------------------------------------------------------ dossiers
@pytest.fixture(scope="module")
def dossier_file(tmp_path_factory) -> Path:
    """A real dossier, written once by ``bilan run``."""
    out = tmp_path_factory.mktemp("run") / "out"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BILAN_DATA_DIR", str(tmp_path_factory.mktemp("bilan-data")))
        for name in ("BILAN_PLUGINS", "BILAN_DISABLE_PLUGINS", "BILAN_TRACE_HOOKS"):
            env.delenv(name, raising=False)
        code = main(["run", str(WORK / "reconversion-cpf" / "pipeline.toml"),
                     "--output", str(out), "--format", "json,md,html"])
    assert code == 0
    return out / "dossier.json"


def read_back(bilan, content: bytes) -> None:
    """``bilan report`` and ``bilan careers`` on a dossier file holding ``content``."""
    with tempfile.TemporaryDirectory(dir=WORK) as folder:
        path = Path(folder) / "dossier.json"
        path.write_bytes(content)
        cleanly_answered(bilan("report", path, "--format", "md,html,json",
                               "--output", Path(folder) / "out"))
        cleanly_answered(bilan("careers", path))


# A dossier that is not refused is rendered in three formats: fewer examples keep the test to a
# few seconds. The ``bilan`` fixture (capsys, environment) needs no reset between examples:
# each call reads its own output.
read_back_settings = settings(
    max_examples=max(10, settings.default.max_examples // 4),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@read_back_settings
@given(data=st.data())
def test_any_mutation_of_a_dossier_is_rendered_or_refused_in_one_line(bilan, dossier_file,
                                                                       data):
    dossier = json.loads(dossier_file.read_text(encoding="utf-8"))
    version = data.draw(st.sampled_from([DOSSIER_FORMAT_VERSION] * 8 + [1, 3, 2.0, "2", True]))
    document = {**dossier, "format_version": version,
                "dossier": mutate(data, dossier["dossier"], json_values)}
    read_back(bilan, _json_bytes(document))


@read_back_settings
@given(content=random_bytes | json_values.map(_json_bytes))
def test_any_bytes_as_a_dossier_are_refused_in_one_line(bilan, content):
    read_back(bilan, content)
