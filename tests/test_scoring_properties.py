"""Property-based: random instruments and random responses never crash the scorer, and the
checker turns every bad answer into a located error."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bilan_core.config.responses import check_against
from bilan_core.config.schema import Context
from bilan_core.errors import ConfigError
from bilan_core.model import (
    Instrument,
    Item,
    ItemPair,
    Key,
    NormTable,
    Option,
    Responses,
    ResponseScale,
    Scale,
    ScaleNorm,
    Validity,
)
from bilan_core.scoring import score

FORMATS = ["likert", "rating", "yes_no", "forced_choice", "ranking", "free_text"]


@st.composite
def instruments(draw):
    n_scales = draw(st.integers(1, 4))
    scales = [Scale(f"s{i}", f"Échelle {i}", method=draw(st.sampled_from(["sum", "mean"])))
              for i in range(n_scales)]
    low = draw(st.integers(-2, 3))
    high = low + draw(st.integers(1, 6))
    items = []
    for i in range(draw(st.integers(1, 12))):
        fmt = draw(st.sampled_from(FORMATS))
        if fmt in ("forced_choice", "ranking"):
            options = [Option(f"o{j}", f"Option {j}",
                              draw(st.sampled_from([None, *[s.id for s in scales]])))
                       for j in range(draw(st.integers(2, 4)))]
            items.append(Item(f"i{i}", "Texte", format=fmt, options=options))
        elif fmt == "free_text":
            items.append(Item(f"i{i}", "Texte", format=fmt))
        else:
            keys = [Key(s.id, draw(st.booleans()), draw(st.sampled_from([1.0, 0.5, 2.0])))
                    for s in draw(st.lists(st.sampled_from(scales), max_size=2, unique=True))]
            items.append(Item(f"i{i}", "Texte", keys=keys, format=fmt))
    ids = [item.id for item in items]
    pairs = [ItemPair(a, b, draw(st.sampled_from(["same", "opposite"])))
             for a, b in draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)),
                                       max_size=3))]
    norms = [NormTable(instrument="t", group="G", n=50, year=2026, scales=[
        ScaleNorm(s.id, mean=draw(st.floats(-10, 50)), sd=draw(st.floats(0.1, 20)),
                  reliability=draw(st.none() | st.floats(0, 1)),
                  distribution=draw(st.lists(st.tuples(st.integers(-5, 60).map(float),
                                                       st.integers(1, 9)), max_size=5)))
        for s in scales])]
    validity = Validity(min_answered=draw(st.floats(0, 1)),
                        longstring=draw(st.none() | st.integers(2, 10)))
    return Instrument(id="t", version="1", title="T", scales=scales, items=items,
                      response_scale=ResponseScale("likert", low, high), pairs=pairs,
                      norms=norms, validity=validity)


def valid_answer(draw, instrument: Instrument, item: Item):
    fmt = (item.format or instrument.response_scale.format).value
    if fmt in ("likert", "rating"):
        low, high = instrument.response_scale.bounds(item.format or
                                                     instrument.response_scale.format)
        return draw(st.integers(low, high))
    if fmt == "yes_no":
        return draw(st.booleans())
    if fmt == "forced_choice":
        return draw(st.sampled_from(item.option_ids()))
    if fmt == "ranking":
        return tuple(draw(st.permutations(item.option_ids())))
    return draw(st.text(max_size=20))


@st.composite
def scored(draw):
    instrument = draw(instruments())
    answers = {}
    timings = {}
    for item in instrument.items:
        if draw(st.booleans()) or draw(st.booleans()):
            answers[item.id] = valid_answer(draw, instrument, item)
            if draw(st.booleans()):
                timings[item.id] = draw(st.floats(0, 30))
    return instrument, Responses(instrument="t", version="1", answers=answers, timings=timings)


@given(scored(), st.booleans())
def test_random_valid_responses_always_score(case, with_norms):
    instrument, responses = case
    check_against(responses, instrument, Context(Path("r.toml")))
    result = score(instrument, responses, instrument.norms if with_norms else ())
    assert [s.scale for s in result.scales] == [s.id for s in instrument.scales]
    for s in result.scales:
        assert (s.raw is None) == (s.not_scorable is not None)
        assert 0 <= s.answered <= s.items
        if s.percentile is not None:
            assert 0 <= s.percentile <= 100
        if s.stanine is not None:
            assert 1 <= s.stanine <= 9 and 1 <= s.sten <= 10
            assert not math.isnan(s.t_score)


junk = st.one_of(st.integers(-100, 100), st.floats(allow_nan=True), st.booleans(),
                 st.text(max_size=5), st.lists(st.text(max_size=3), max_size=3).map(tuple))


@given(instruments(), st.dictionaries(st.sampled_from(["i0", "i1", "i2", "zz", "i11"]), junk,
                                      max_size=5))
def test_random_answers_are_accepted_or_refused_with_a_located_error(instrument, answers):
    responses = Responses(instrument="t", version="1", answers=answers)
    try:
        check_against(responses, instrument, Context(Path("r.toml")))
    except ConfigError as exc:
        assert str(exc).startswith("r.toml: answers.")
        return
    score(instrument, responses, instrument.norms)  # what passes the check always scores


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_min_answered_extremes(share):
    instrument = Instrument(id="t", version="1", title="T", scales=[Scale("s", "S")],
                            items=[Item("a", "A", keys=[Key("s")]),
                                   Item("b", "B", keys=[Key("s")])],
                            validity=Validity(min_answered=share))
    result = score(instrument, Responses(instrument="t", version="1", answers={"a": 3}))
    assert (result.scale("s").prorated == 6.0) == (share == 0.0)


answer_values = st.one_of(
    st.integers(-10**6, 10**6), st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(), st.lists(st.text(), max_size=3).map(tuple))


@given(st.dictionaries(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), answer_values,
                       min_size=1, max_size=6),
       st.dictionaries(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True),
                       st.floats(0, 1000), max_size=3),
       st.none() | st.text(min_size=1, max_size=10).filter(str.strip))
def test_the_responses_writer_round_trips_any_answer(answers, timings, beneficiary):
    from bilan_core.config.responses_writer import responses_to_toml
    from bilan_core.config.toml import parse_toml

    responses = Responses(instrument="t", version="1", answers=answers, timings=timings,
                          beneficiary=beneficiary)
    data = parse_toml(responses_to_toml(responses, header="Réponses\nà « t »"))
    assert data["answers"] == {k: list(v) if isinstance(v, tuple) else v
                               for k, v in answers.items()}
    assert data.get("beneficiary") == beneficiary
    assert data.get("timings", {}) == pytest.approx({k: round(v, 1) for k, v in timings.items()})
