"""``bilan validate`` reports every kind of bad input in one located line, exit 2."""

from __future__ import annotations

import pytest
from conftest import PIPELINE


def _with(old: str, new: str) -> str:
    assert old in PIPELINE, old
    return PIPELINE.replace(old, new, 1)


# (case id, pipeline text, expected line, expected fragments of the message)
CASES = [
    ("malformed TOML", _with('hours = 3\n\n[[steps]]\nid = "skills', 'hours = 3 3\n\n[[steps]]\nid = "skills'),
     23, ["invalid TOML"]),
    ("unknown top-level key", _with("reference_date", "referance_date"),
     1, ["unknown key 'referance_date' at the top level", "did you mean 'reference_date'"]),
    ("unknown key in a step", _with("hours = 4", "hour = 4"),
     31, ["steps[career_options].hour", "unknown key 'hour'", "did you mean 'hours'"]),
    ("wrong type", _with("hours = 5", 'hours = "five"'),
     27, ["steps[skills_exploration].hours", "expected a number, got a string"]),
    ("negative hours", _with("hours = 5", "hours = -1"),
     27, ["steps[skills_exploration].hours", "expected at least 0"]),
    ("date in quotes", _with("reference_date = 2026-11-02", 'reference_date = "2026-11-02"'),
     1, ["reference_date", "write the date without quotes"]),
    ("status not allowed", _with('"private_employee"', '"salarie"'),
     5, ["beneficiary.status", "'salarie' is not allowed"]),
    ("missing required key", _with("qualiopi = true\n", ""),
     9, ["provider", "missing required key 'qualiopi'"]),
    ("unknown step", _with('id = "career_options"', 'id = "career_option"'),
     30, ["steps[career_option].id", "unknown step", "did you mean 'career_options'"]),
    ("steps out of legal order",
     _with('id = "preparation"\nhours = 2', 'id = "action_plan_x"\nhours = 2').replace(
         'id = "action_plan_x"', 'id = "needs_analysis"', 1).replace(
         '[[steps]]\nid = "needs_analysis"\nhours = 3', '[[steps]]\nid = "preparation"\nhours = 3'),
     21, ["steps[preparation]", "belongs to the preliminary phase but comes after"]),
    ("step listed twice", _with('id = "career_options"', 'id = "needs_analysis"'),
     29, ["steps[needs_analysis]", "listed twice"]),
    ("missing consent", _with('[[consent]]\nkind = "bilan"\ngiven_on = 2026-10-01\n', ""),
     18, ["steps[needs_analysis]", "needs the beneficiary's recorded consent"]),
    ("consent given after the reference date", _with("given_on = 2026-10-01", "given_on = 2026-12-01"),
     21, ["steps[needs_analysis]", "needs the beneficiary's recorded consent"]),
    ("hours over 24", _with("hours = 5", "hours = 15"),
     17, ["steps", "the steps plan 27 hours", "24 hours at most", "R6313-4"]),
    ("missing referenced beneficiary file",
     _with('id = "B-TEST-001"\nstatus = "private_employee"\ncpf_balance = "1200.00"\nemployer = "Entreprise Exemple"',
           'file = "absent.toml"'),
     4, ["beneficiary.file", "file 'absent.toml' does not exist"]),
    ("missing responses file", PIPELINE + '\n[[responses]]\ninstrument = "riasec"\nfile = "r.toml"\n',
     45, ["responses[riasec].file", "does not exist"]),
    ("sharing without consent", PIPELINE + '\n[report]\nrecipients = ["beneficiary", "employer"]\n',
     44, ["report.recipients[#2]", "needs a [[consent]] with kind = \"sharing\""]),
    ("unknown report format", PIPELINE + '\n[report]\nformats = ["pfd"]\n',
     44, ["report.formats", "unknown report format 'pfd'"]),
    ("employer runs the bilan", _with('name = "Centre de bilan Test"', 'name = "Entreprise Exemple"'),
     10, ["provider.name", "R6313-5"]),
    ("unknown plugin section", PIPELINE + "\n[plugin.needs_analyse]\nrequest = 'x'\n",
     43, ["plugin.needs_analyse", "no plugin named 'needs_analyse'", "did you mean 'needs_analysis'"]),
    ("unknown key in a plugin section", _with('request = "Faire', 'requete = "Faire'),
     38, ["plugin.needs_analysis.requete", "did you mean 'request'"]),
    ("retention beyond one year after the end of the bilan",
     PIPELINE + "\n[[consent]]\nkind = 'retention'\ngiven_on = 2026-10-01\nuntil = 2027-11-03\n",
     46, ["consent[retention].until", "kept until 2027-11-02 at most", "R6313-7"]),
    ("dossier id with spaces", 'id = "mon dossier"\n' + PIPELINE,
     1, ["id", "expected an identifier"]),
    ("norms for an unknown instrument", PIPELINE + '\n[norms]\nriasek = "adultes"\n',
     44, ["norms.riasek", "unknown instrument 'riasek'"]),
    ("recipient with path characters", PIPELINE + '\n[report]\nrecipients = ["../../x"]\n',
     44, ["report.recipients[#1]", "expected an identifier"]),
    ("previous bilan after the reference date", _with('employer = "Entreprise Exemple"',
                                                      'employer = "Entreprise Exemple"\n'
                                                      'previous_bilan = 2027-01-01'),
     8, ["beneficiary.previous_bilan", "comes after the reference date"]),
    ("wrong type for a list", _with('proposed = ["Technicienne de maintenance", "Formatrice"]',
                                    'proposed = "Formatrice"'),
     41, ["plugin.career_options.proposed", "expected an array, got a string"]),
]


@pytest.mark.parametrize(("text", "line", "fragments"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_validate_reports_bad_input_with_its_location(bilan, pipeline_file, text, line,
                                                      fragments):
    path = pipeline_file(text)
    result = bilan("validate", path)
    assert result.code == 2, result
    assert "Traceback" not in result.err
    assert result.out == ""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, lines  # one clear message
    assert lines[0].startswith(f"bilan: error: {path}:{line}:"), lines[0]
    for fragment in fragments:
        assert fragment in lines[0]


def test_traceback_only_when_asked(bilan, pipeline_file):
    path = pipeline_file(_with("hours = 5", 'hours = "five"'))
    assert "Traceback" in bilan("--traceback", "validate", path).err


def test_missing_pipeline_file(bilan, tmp_path):
    result = bilan("validate", tmp_path / "absent.toml")
    assert result.code == 2
    assert "absent.toml: pipeline file not found" in result.err


def test_bad_date_option_is_a_usage_error(bilan, pipeline_file):
    result = bilan("validate", pipeline_file(), "--date", "02/11/2026")
    assert result.code == 2
    assert "--date" in result.err
    assert "Traceback" not in result.err


def test_valid_pipeline_passes(bilan, pipeline_file):
    result = bilan("validate", pipeline_file())
    assert result.code == 0, result.err
    assert "valid — 5 steps, 17 h planned" in result.out
