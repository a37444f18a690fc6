"""Reading TOML with located errors, and finding key paths in the text."""

from __future__ import annotations

import pytest

from bilan_core.config.toml import KeyLocator, parse_toml, read_toml
from bilan_core.errors import ConfigError

TEXT = """\
reference_date = 2026-11-02
plugins = ["a"]

[beneficiary]
id = "B-1"
status = "job_seeker"

[[steps]]
id = "preparation"
hours = 2

[[steps]]
id = "needs_analysis"
note = \"\"\"
hours = 99
\"\"\"
hours = 3

[plugin.needs_analysis]
request = "x"
provider.name = "dotted"

[[plugin.action_plan.actions]]
title = "a"

[[plugin.action_plan.actions]]
title = "b"
"""


@pytest.mark.parametrize(
    ("path", "where"),
    [
        (("reference_date",), (1, 1)),
        (("beneficiary",), (4, 2)),
        (("beneficiary", "status"), (6, 1)),
        (("steps", (0, "preparation"), "hours"), (10, 1)),
        (("steps", (1, "needs_analysis"), "hours"), (17, 1)),  # not the line in the string
        (("steps", (1, None)), (12, 3)),
        (("plugin", "needs_analysis", "provider", "name"), (21, 1)),
        (("plugin", "action_plan", "actions", (1, None), "title"), (27, 1)),
        (("steps", (1, None), "unknown"), (12, 3)),  # falls back to the entry
    ],
)
def test_locator_finds_the_line_and_column_of_a_key_path(path, where):
    assert KeyLocator(TEXT).locate(path) == where


def test_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('a = 1\nb = "unterminated\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_toml(path)
    assert info.value.location.line == 2
    assert str(info.value).startswith(f"{path}:2:")
    assert "invalid TOML" in str(info.value)


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b'a = 1\nb = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=r"p.toml:2: the file is not valid UTF-8"):
        read_toml(path)


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="pipeline file not found"):
        read_toml(tmp_path / "nope.toml", "pipeline file")


def test_duplicate_key_is_a_located_syntax_error():
    with pytest.raises(ConfigError) as info:
        parse_toml("[answers]\nR01 = 1\nR01 = 2\n")
    assert info.value.location.line == 3


def test_a_byte_order_mark_is_not_an_error(tmp_path):
    path = tmp_path / "p.toml"
    path.write_bytes(b'\xef\xbb\xbfa = "caf\xc3\xa9"\n')
    assert read_toml(path)[0] == {"a": "café"}
