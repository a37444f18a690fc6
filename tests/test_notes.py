"""The counsellor's notes written into a pipeline's text (bilan_core.config.notes)."""

from __future__ import annotations

from datetime import date

import pytest
from conftest import PIPELINE
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import FormData

from bilan_core.config.notes import current, notes_of, read_form, with_notes
from bilan_core.config.toml import parse_toml
from bilan_core.steps import action_plan, career_options, needs_analysis, skills_exploration

SECTIONS = {"needs_analysis": needs_analysis.SECTION,
            "skills_exploration": skills_exploration.SECTION,
            "career_options": career_options.SECTION, "action_plan": action_plan.SECTION}
COMMENTED = PIPELINE.replace(
    '[plugin.career_options]\n',
    '[plugin.career_options]\n# the interviews of October\ninterests = "riasec"  # kept\n')


def test_only_labelled_keys_a_form_can_hold_are_notes():
    keys = {step: [n.key for n in notes_of(SECTIONS, step)] for step in SECTIONS}
    assert keys["needs_analysis"] == ["request", "expectations", "motivations", "constraints"]
    assert keys["skills_exploration"] == ["strengths", "weaknesses", "experience"]
    assert "proposed" in keys["career_options"] and "avoid" in keys["career_options"]
    for setting in ("interests", "skills", "values", "weights", "max_options"):
        assert setting not in keys["career_options"]  # settings stay in the file
    assert keys["action_plan"] == ["keep", "actions", "follow_up_months", "project",
                                   "observations"]
    assert notes_of(SECTIONS, "preparation") == []


def test_what_changes_is_written_and_everything_else_is_kept_as_it_was():
    changes = {"career_options": {"proposed": ["K2111"], "avoid": ["travail de nuit"]},
               "action_plan": {"project": "Former des adultes.\nPuis conseiller.",
                               "actions": [{"title": "Enquête", "due": date(2027, 1, 5)}]},
               "needs_analysis": {"request": None}}
    edited = with_notes(COMMENTED, changes, SECTIONS)
    assert "# the interviews of October\n" in edited
    assert 'interests = "riasec"  # kept' in edited
    assert edited.startswith(COMMENTED.split("[plugin.needs_analysis]")[0])
    plugins = parse_toml(edited)["plugin"]
    assert "request" not in plugins["needs_analysis"]
    assert plugins["career_options"] == {"interests": "riasec", "proposed": ["K2111"],
                                         "avoid": ["travail de nuit"]}
    assert plugins["action_plan"]["project"] == "Former des adultes.\nPuis conseiller."
    assert plugins["action_plan"]["actions"] == [{"title": "Enquête",
                                                  "due": date(2027, 1, 5)}]


def test_a_value_that_does_not_change_leaves_the_text_as_it_was():
    same = {"career_options": {"proposed": ["Technicienne de maintenance", "Formatrice"],
                               "avoid": None, "business_creation": True},
            "needs_analysis": {"request": "Faire le point après dix ans dans le même poste.",
                               "expectations": None}}
    assert with_notes(COMMENTED, same, SECTIONS) == COMMENTED


@pytest.mark.parametrize(("fields", "problem"), [
    ({"career_options.max_training_months": "99"}, "career_options.max_training_months"),
    ({"career_options.max_training_months": "6.5"}, "career_options.max_training_months"),
    ({"career_options.discuss": ["nager"]}, "career_options.discuss"),
    ({"action_plan.actions.n": "1", "action_plan.actions.0.due": "2027-02-30"},
     "action_plan.actions.0.due"),
    ({"action_plan.actions.n": "1", "action_plan.actions.0.kind": "training"},
     "action_plan.actions.0.title"),
    ({"action_plan.actions.n": "2", "action_plan.actions.0.title": "A",
      "action_plan.actions.1.title": "A"}, "action_plan.actions"),
    ({"action_plan.keep": "K2111\nK2111"}, "action_plan.keep"),
    ({"needs_analysis.request": "x" * 20_001}, "needs_analysis.request"),
])
def test_a_wrong_value_is_named_by_its_field(fields, problem):
    step = problem.split(".")[0]
    items = [(k, v) for k, value in fields.items()
             for v in (value if isinstance(value, list) else [value])]
    _values, problems = read_form(FormData(items), step, notes_of(SECTIONS, step))
    assert list(problems) == [problem]


def test_lines_rows_and_flags_read_as_the_file_would_hold_them():
    form = FormData([("action_plan.keep", " K2111 \r\n\r\nK1801\n"),
                     ("action_plan.actions.n", "3"),
                     ("action_plan.actions.0.title", "Enquête"),
                     ("action_plan.actions.0.kind", "immersion"),
                     ("action_plan.actions.0.owner", "bénéficiaire"),  # the default: left out
                     ("action_plan.actions.1.title", ""),
                     ("action_plan.actions.2.title", "Inscription"),
                     ("action_plan.follow_up_months", "3")])
    values, problems = read_form(form, "action_plan", notes_of(SECTIONS, "action_plan"))
    assert problems == {}
    assert values == {"keep": ["K2111", "K1801"], "follow_up_months": 3, "project": None,
                      "observations": None,
                      "actions": [{"title": "Enquête", "kind": "immersion"},
                                  {"title": "Inscription"}]}


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60).map(
    str.strip).filter(bool)


@given(request=TEXT.map(lambda t: t.replace("\r", "")),
       lines=st.lists(TEXT.filter(lambda t: "\n" not in t and "\r" not in t), max_size=4))
def test_any_text_a_form_sends_reads_back_as_sent(request, lines):
    changes = {"needs_analysis": {"request": request, "expectations": lines or None}}
    edited = with_notes(COMMENTED, changes, SECTIONS)
    section = current(edited, "needs_analysis")
    assert section["request"] == request
    assert section.get("expectations", []) == lines


def test_the_same_notes_written_another_way_are_no_change():
    text = COMMENTED + """
[plugin.action_plan]
keep = []
project = "  Former des adultes.  "

[[plugin.action_plan.actions]]
title = "Enquête"  # with two trainers
kind = "other"
owner = "bénéficiaire"
"""
    form = FormData([("action_plan.keep", ""), ("action_plan.project", "Former des adultes."),
                     ("action_plan.follow_up_months", "6"), ("action_plan.actions.n", "3"),
                     ("action_plan.actions.0.title", "Enquête"),
                     ("action_plan.actions.0.kind", "other"),
                     ("action_plan.actions.0.owner", "bénéficiaire")])
    values, problems = read_form(form, "action_plan", notes_of(SECTIONS, "action_plan"))
    assert problems == {}
    assert with_notes(text, {"action_plan": values}, SECTIONS) == text


def test_more_rows_than_the_page_holds_are_refused_not_cut():
    form = FormData([("action_plan.actions.n", "51")])
    _values, problems = read_form(form, "action_plan", notes_of(SECTIONS, "action_plan"))
    assert list(problems) == ["action_plan.actions"]


def test_an_inline_plugin_table_is_said_not_broken():
    text = "plugin = { needs_analysis = { request = \"x\" } }\n" + PIPELINE.split(
        "[plugin.needs_analysis]")[0]
    with pytest.raises(ValueError, match=r"\[plugin.action_plan\] is written in a way"):
        with_notes(text, {"action_plan": {"actions": [{"title": "A"}]}}, SECTIONS)
