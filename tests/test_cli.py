"""The ``bilan`` commands, run for real."""

from __future__ import annotations

import json
import subprocess
import sys

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib
from pathlib import Path

import jsonschema
import pytest
from conftest import PIPELINE

from bilan_core import hookspecs
from bilan_core.model.serialize import read_dossier

BUILTIN_STEPS = ["preparation", "needs_analysis", "skills_exploration", "career_options",
                 "action_plan"]
FIRST_PARTY = sorted(p.name for p in (Path(__file__).parents[1] / "plugins").iterdir()
                     if (p / "pyproject.toml").is_file())


def test_version_imports_no_plugin():
    code = ("import sys; from bilan_core.cli import main; code = main(['--version']);"
            " print(sorted(m for m in sys.modules if m.startswith(('bilan', 'pluggy'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "bilan 0.1.0"
    # bilan_core.terminal (the standard library's re only) filters what reaches the terminal;
    # bilan_core.signals (two flags) tells a real Ctrl-C from a plugin's KeyboardInterrupt.
    # bilan_core.i18n (the standard library's gettext) gives the command line its language.
    assert eval(lines[1]) == ["bilan_core", "bilan_core._version", "bilan_core.cli",
                              "bilan_core.i18n", "bilan_core.signals", "bilan_core.terminal"]


def test_plugins_json_lists_builtin_steps_and_first_party_plugins(bilan):
    result = bilan("plugins", "--json")
    assert result.code == 0, result.err
    plugins = {p["name"]: p for p in json.loads(result.out)}
    for step in BUILTIN_STEPS:
        assert plugins[step]["origin"] == "builtin"
        assert plugins[step]["version"] == "0.1.0"
        assert "register_steps" in plugins[step]["hooks"]
    distributions = {p["distribution"] for p in plugins.values() if p["origin"] == "entry-point"}
    assert set(FIRST_PARTY) <= distributions
    for info in plugins.values():
        assert info["status"] == "loaded"
        assert info["version"]


def test_plugins_table(bilan):
    result = bilan("plugins")
    assert result.out.splitlines()[0].split() == [
        "NAME", "VERSION", "DISTRIBUTION", "STATUS", "LOAD", "HOOKS"]
    assert "journal" in result.out


def test_hooks_reference_documents_every_hook(bilan):
    result = bilan("hooks", "--json")
    reference = json.loads(result.out)
    assert [f["family"] for f in reference] == [
        "registration", "pipeline", "assessment", "orientation", "funding", "report"]
    hooks = {h["name"]: h for f in reference for h in f["hooks"]}
    assert sorted(hooks) == sorted(hookspecs.hook_names())
    for name, hook in hooks.items():
        assert "versionadded" in hook["doc"], name
        assert len(hook["doc"].split()) > 15, name  # says when it is called and what it returns
    assert hooks["score_instrument"]["firstresult"] is True
    text = bilan("hooks").out
    assert "score_instrument(instrument: Instrument" in text
    assert "[first result wins]" in text


def test_every_hook_is_exercised_by_a_test():
    tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("*.py"))
    for name in hookspecs.hook_names():
        assert f"def {name}(" in tests, f"no test implements hook {name}"


def test_schema_includes_plugin_sections(bilan):
    schema = json.loads(bilan("schema").out)
    assert schema["properties"]["steps"]["type"] == "array"
    sections = schema["properties"]["plugin"]["properties"]
    assert "request" in sections["needs_analysis"]["properties"]
    assert "max_options" in sections["career_options"]["properties"]
    assert "journal" not in sections  # the journal has no settings: it lives in the data folder
    assert schema["additionalProperties"] is False


def test_schema_validates_the_examples(bilan):
    schema = json.loads(bilan("schema").out)
    jsonschema.Draft202012Validator.check_schema(schema)
    examples = sorted(Path(__file__).parents[1].glob("examples/*/pipeline.toml"))
    assert len(examples) >= 3
    for path in examples:
        data = json.loads(json.dumps(tomllib.loads(path.read_text("utf-8")), default=str))
        jsonschema.validate(data, schema)


def test_schema_rejects_what_validate_rejects(bilan):
    schema = json.loads(bilan("schema").out)
    data = json.loads(json.dumps(tomllib.loads(PIPELINE), default=str))
    data["steps"][0]["hour"] = 2
    with pytest.raises(jsonschema.ValidationError, match="'hour' was unexpected"):
        jsonschema.validate(data, schema)


def test_run_writes_the_dossier_and_a_summary(bilan, pipeline_file, tmp_path):
    out = tmp_path / "out"
    result = bilan("-p", "no:journal", "run", pipeline_file(), "--output", out, "--format",
                   "json,md")
    assert result.code == 0, result.err
    assert "Total: 17 h planned in 5 steps" in result.out
    assert f"Wrote: {out / 'dossier.json'}, {out / 'synthese.json'}, {out / 'synthese.md'}" in (
        result.out)
    dossier = read_dossier(out / "dossier.json")
    assert [s.id for s in dossier.steps_done] == BUILTIN_STEPS
    assert dossier.synthesis is not None
    markdown = (out / "synthese.md").read_text(encoding="utf-8")
    assert "## Circonstances du bilan" in markdown
    assert "Faire le point après dix ans dans le même poste." in markdown
    assert dossier.retention.keep_until is None  # no retention consent: destroyed at the end


def test_cli_date_overrides_the_file(bilan, pipeline_file, tmp_path):
    result = bilan("-p", "no:journal", "run", pipeline_file(), "--output", tmp_path / "o",
                   "--date", "2026-12-01")
    assert result.code == 0, result.err
    assert read_dossier(tmp_path / "o" / "dossier.json").reference_date.isoformat() == (
        "2026-12-01")


def test_minimum_hours_is_a_dated_warning(bilan, pipeline_file):
    short = PIPELINE.replace("hours = 5", "hours = 1").replace("hours = 4", "hours = 1")
    short = short.replace("given_on = 2026-10-01", "given_on = 2025-10-01")  # 10 h planned
    path = pipeline_file(short)
    result = bilan("validate", path)
    assert result.code == 0
    assert "less than the minimum of 13 hours" in result.err
    before = bilan("validate", path, "--date", "2025-12-31")
    assert before.code == 0
    assert "minimum" not in before.err
    overridden = bilan("validate", pipeline_file(short + "\n[rules]\nminimum_hours = 8\n"))
    assert "minimum" not in overridden.err


def test_trace_hooks_logs_every_call(bilan, pipeline_file, tmp_path, monkeypatch):
    result = bilan("--trace-hooks", "-p", "no:journal", "run", pipeline_file(), "--output",
                   tmp_path / "o")
    assert result.code == 0
    traced = [line for line in result.err.splitlines() if line.startswith("bilan: hook ")]
    assert "bilan: hook register_steps(register=<callback>) -> plugin 'preparation'" in traced
    assert any(line.startswith("bilan: hook step_start(step=<StepContext preparation>")
               for line in traced)
    monkeypatch.setenv("BILAN_TRACE_HOOKS", "1")
    assert "bilan: hook " in bilan("plugins").err


def test_explicit_plugin_from_the_pipeline_folder(bilan, pipeline_file, tmp_path):
    (tmp_path / "local_notes.py").write_text(
        "from bilan_core import hookimpl\n"
        "from bilan_core.model import ReportSection\n\n"
        "@hookimpl\n"
        "def report_sections(dossier, audience):\n"
        "    if audience.value != 'beneficiary':\n"
        "        return []\n"
        "    return [ReportSection(id='notes', title='Notes du centre', body='Très bien.')]\n",
        encoding="utf-8")
    path = pipeline_file('plugins = ["local_notes"]\n' + PIPELINE)
    result = bilan("-p", "no:journal", "run", path, "--output", tmp_path / "o", "--format", "md")
    assert result.code == 0, result.err
    assert "## Notes du centre" in (tmp_path / "o" / "synthese.md").read_text("utf-8")


def test_a_bad_format_option_is_blamed_on_the_option(bilan, pipeline_file, tmp_path):
    result = bilan("run", pipeline_file(), "--output", tmp_path / "o", "--format", "md,docx")
    assert result.code == 2
    assert result.err.startswith("bilan: error: --format: unknown report format 'docx'")


def test_unknown_command_is_a_usage_error(bilan):
    result = bilan("frobnicate")
    assert result.code == 2
    assert "No such command 'frobnicate'" in result.err


def test_output_folder_under_a_file_is_a_usage_error(bilan, pipeline_file, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = bilan("-p", "no:journal", "run", pipeline_file(), "--output", blocker / "sub")
    assert result.code == 2
    assert "cannot write the output folder there: a part of the path is a file" in result.err
    assert "Traceback" not in result.err
