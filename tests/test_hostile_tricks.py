"""Plugins that try to end the host quietly through the back door: an exception that cannot
be printed, a result that raises while read, an exception that is not an ``Exception``, a
``KeyboardInterrupt`` without a key pressed, a section subclass. Each is named, exit 1."""

from __future__ import annotations

import textwrap
import uuid

import pytest
from conftest import PIPELINE

TRICKS = {
    "unprintable": """
        class Weird(Exception):
            def __str__(self):
                raise SystemExit(0)

        @hookimpl
        def pipeline_start(pipeline, dossier):
            raise Weird()
    """,
    "raising-result": """
        class Evil(list):
            def __iter__(self):
                raise SystemExit(0)

        @hookimpl
        def report_sections(dossier, audience):
            return Evil([1])
    """,
    "generator-exit": """
        @hookimpl
        def step_start(step, dossier):
            raise GeneratorExit("ended")
    """,
    "base-exception": """
        class Mine(BaseException):
            pass

        @hookimpl
        def step_end(step, dossier):
            raise Mine("mine")
    """,
    "keyboard-interrupt": """
        @hookimpl
        def pipeline_end(pipeline, dossier):
            raise KeyboardInterrupt()
    """,
    "section-subclass": """
        import attrs
        from bilan_core.model import Audience, ReportSection

        @attrs.frozen
        class Sneaky(ReportSection):
            pass

        @hookimpl
        def report_sections(dossier, audience):
            return [Sneaky(id="x", title="Note", audience=Audience.COUNSELLOR)]
    """,
}


@pytest.mark.parametrize("trick", sorted(TRICKS))
def test_a_plugin_cannot_end_the_host_quietly(bilan, pipeline_file, tmp_path, trick):
    module = f"trick_{trick.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
    (tmp_path / f"{module}.py").write_text(
        "from bilan_core import hookimpl\n" + textwrap.dedent(TRICKS[trick]), encoding="utf-8")
    path = pipeline_file(f'plugins = ["{module}"]\n' + PIPELINE)
    result = bilan("-p", "no:journal", "run", path, "--output", tmp_path / "out")
    assert result.code == 1, result
    lines = result.err.splitlines()
    assert len(lines) == 1 and f"plugin '{module}'" in lines[0], result.err
    assert "Traceback" not in result.err and "interrupted" not in result.err
    assert not (tmp_path / "out").exists()
