"""What the commands that start often import: the start-up cost is paid at every call.

Speed itself is measured in ``benchmarks/run.py``; these tests keep the causes of a slow start
from coming back unnoticed (a module-level import of a heavy library in the core or in a
first-party plugin).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from bilan_core.cli import main
from bilan_core import i18n
code = main(sys.argv[1:])
sys.stderr.write("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules),
                                      "catalogs": i18n.translation.cache_info().currsize}))
"""

#: Never needed to describe the installation: each is imported by the commands that use it.
HEAVY = ("cattrs", "jinja2", "weasyprint", "numpy", "sqlalchemy", "psycopg", "sqlite3",
         "zipfile", "csv", "tempfile", "importlib.metadata", "email", "difflib",
         "html.entities", "bilan_core.pipeline", "bilan_core.model.dossier",
         "bilan_core.model.serialize", "bilan_core.outputs", "bilan_core.store")


def _modules(tmp_path, *args: str) -> dict:
    env = {**os.environ, "BILAN_DATA_DIR": str(tmp_path), "LANGUAGE": "fr"}
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                            text=True, env=env, timeout=120)
    found = json.loads(result.stderr.strip().splitlines()[-1])
    assert found["code"] in (0, None), result.stderr
    return found


def test_version_imports_click_and_nothing_of_the_model(tmp_path):
    found = _modules(tmp_path, "--version")
    loaded = set(found["modules"])
    assert not {m for m in loaded if m.startswith(("bilan_core.model", "bilan_core.plugins",
                                                    "bilan_core.config"))}
    assert not loaded & {"attrs", "attr", "pluggy", "tomllib", "pathlib", "decimal"}


@pytest.mark.parametrize("args", [["plugins"], ["--help"], ["hooks"]])
def test_describing_the_installation_imports_nothing_heavy(tmp_path, args):
    found = _modules(tmp_path, *args)
    loaded = set(found["modules"])
    heavy = {m for m in loaded if m.startswith(HEAVY)}
    assert heavy == set(), heavy
    if args != ["hooks"]:  # these load every plugin, really
        assert {"bilan_core.plugins", "bilan_riasec.plugin", "bilan_pdf.plugin"} <= loaded
    assert found["catalogs"] == 1  # the French catalog, read once


def test_the_model_is_built_only_as_far_as_the_plugins_need(tmp_path):
    loaded = set(_modules(tmp_path, "plugins")["modules"])
    assert {"bilan_core.model.assessment", "bilan_core.model.common"} <= loaded
    assert not loaded & {"bilan_core.model.branding", "bilan_core.model.dossier"}
