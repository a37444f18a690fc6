"""Property-based: whatever TOML the loader is given, it answers with a ConfigError or a
Pipeline, never an uncaught exception."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from datetime import date, datetime, time
from pathlib import Path

import tomli_w
from conftest import PIPELINE
from hypothesis import given
from hypothesis import strategies as st

from bilan_core.config.pipeline import Pipeline, load_pipeline
from bilan_core.errors import ConfigError
from bilan_core.plugins import PluginHost

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

HOST = PluginHost(environ={"BILAN_PLUGINS": ""}).load()
BASE = tomllib.loads(PIPELINE)
FOLDER = Path(tempfile.mkdtemp(prefix="bilan-props-"))
(FOLDER / "beneficiary.toml").write_text('id = "B-2"\nstatus = "job_seeker"\n', "utf-8")

KEYS = ["id", "hours", "kind", "status", "file", "price", "formats", "request", "recipients",
        "given_on", "until", "recipient", "qualiopi", "cpf_balance", "reference_date",
        "instruments", "plugin", "steps", "consent", "report", "norms", "rules", "zzz"]

scalars = st.one_of(
    st.integers(min_value=-10**6, max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["preparation", "bilan", "sharing", "retention", "job_seeker", "json",
                     "beneficiary.toml", "1950.00", "-3", "2026-11-02", "needs_analysis"]),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
    ),
    max_leaves=8,
)


def _load(document: dict) -> None:
    path = FOLDER / "pipeline.toml"
    path.write_text(tomli_w.dumps(document), encoding="utf-8")
    try:
        result = load_pipeline(path, HOST)
    except ConfigError as exc:
        assert str(exc).startswith(str(path)) or "beneficiary.toml" in str(exc)
        assert "\n" not in exc.message
    else:
        assert isinstance(result, Pipeline)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _replace(document, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {**document, head: _replace(document[head], rest, value)}
    copy = list(document)
    copy[head] = _replace(copy[head], rest, value)
    return copy


def _delete(document, path):
    if len(path) == 1:
        if isinstance(document, dict):
            return {k: v for k, v in document.items() if k != path[0]}
        return [v for i, v in enumerate(document) if i != path[0]]
    head = path[0]
    if isinstance(document, dict):
        return {**document, head: _delete(document[head], path[1:])}
    copy = list(document)
    copy[head] = _delete(copy[head], path[1:])
    return copy


ALL_PATHS = [p for p in _paths(BASE) if p]


def _clean(value):
    """tomli-w cannot write a time with a timezone or mixed-type lists of tables, skip those."""
    if isinstance(value, time):
        return value.replace(tzinfo=None)
    return value


@given(st.lists(st.tuples(st.sampled_from(ALL_PATHS), values), min_size=1, max_size=4))
def test_replacing_values_never_crashes_the_loader(changes):
    document = BASE
    for path, value in changes:
        try:
            document = _replace(document, path, _clean(value))
        except (KeyError, IndexError, TypeError):
            continue
    _load(document)


@given(st.lists(st.sampled_from(ALL_PATHS), min_size=1, max_size=3))
def test_deleting_keys_never_crashes_the_loader(paths):
    document = BASE
    for path in paths:
        try:
            document = _delete(document, path)
        except (KeyError, IndexError, TypeError):
            continue
    _load(document)


@given(st.dictionaries(st.sampled_from(KEYS), values, max_size=6))
def test_random_documents_never_crash_the_loader(document):
    _load(document)


@given(st.text(max_size=300))
def test_random_text_never_crashes_the_loader(text):
    path = FOLDER / "pipeline.toml"
    path.write_bytes(text.encode("utf-8", errors="replace"))
    with contextlib.suppress(ConfigError):
        load_pipeline(path, HOST)
