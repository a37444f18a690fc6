"""System test: ``bilan run`` killed with SIGKILL at random moments, again and again.

After every kill, and the recovery the next command runs (``bilan purge`` here):

- the output folder holds one complete set, the previous one or the new one, never a mixture
  or a part (every file listed by its manifest, every file whole and of the same run);
- no staging folder, temporary file or pending record is left anywhere;
- no byte of the dossier, which has no retention consent, remains in any file written under
  the test's root (the data folder, temporary files, the output's parent)
  but the pipeline it was run from and the complete set in the output folder.

Run once, in the ``system`` tox environment (``pytest -m system``): it takes a minute or two.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import PIPELINE, require

from bilan_core.model.serialize import read_dossier
from bilan_core.outputs import MANIFEST
from bilan_core.steps._text import french_date

pytestmark = pytest.mark.system

KILLS = 50
MARKERS = ["Kq7-demande-confidentielle", "Kq7-point-fort-secret", "Kq7-piste-intime",
           "Kq7-observation-privee"]
FIRST = date(2026, 11, 2)


def _pipeline() -> str:
    text = 'id = "D-KILL-1"\n' + PIPELINE.replace(
        "Faire le point après dix ans dans le même poste.", MARKERS[0]).replace(
        '"Technicienne de maintenance", "Formatrice"', f'"Formatrice", "{MARKERS[2]}"')
    return text + (
        f'\n[plugin.skills_exploration]\nstrengths = ["{MARKERS[1]}"]\n'
        f'\n[plugin.action_plan]\nobservations = "{MARKERS[3]}"\n'
        '\n[report]\nformats = ["json", "md", "html", "pdf"]\n')


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    for name in ("data", "tmp", "home", "cache"):
        (root / name).mkdir(exist_ok=True)
    env.update(BILAN_DATA_DIR=str(root / "data"), TMPDIR=str(root / "tmp"),
               HOME=str(root / "home"), XDG_CACHE_HOME=str(root / "cache"))
    return env


def _bilan(env: dict[str, str], *args: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bilan_core", *map(str, args)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _complete_set(out: Path, pdftotext: str) -> date:
    """Check the folder holds one whole set of one run; return that run's date."""
    manifest = json.loads((out / MANIFEST).read_text("utf-8"))
    names = {entry["name"] for entry in manifest["files"]}
    assert {p.name for p in out.iterdir()} == names | {MANIFEST}
    assert names == {"dossier.json", "synthese.json", "synthese.md", "synthese.html",
                     "synthese.pdf"}
    day = read_dossier(out / "dossier.json").reference_date
    written = french_date(day)
    assert json.loads((out / "synthese.json").read_text("utf-8"))["reference_date"] == (
        day.isoformat())
    assert written in (out / "synthese.md").read_text("utf-8")
    html = (out / "synthese.html").read_text("utf-8")
    assert written in html and html.rstrip().endswith("</html>")
    pdf = (out / "synthese.pdf").read_bytes()
    assert pdf.rstrip().endswith(b"%%EOF")
    text = subprocess.run([pdftotext, str(out / "synthese.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert written in " ".join(text.split())
    return day


def _files_written(root: Path, out: Path, given: Path) -> list[Path]:
    """Every file under ``root`` but the complete set in ``out`` and the input ``given``."""
    return [p for p in root.rglob("*")
            if p.is_file() and out not in p.parents and p != given]


def test_kill_at_random_moments_leaves_a_complete_set_and_nothing_else(tmp_path):
    pdftotext = require("pdftotext")
    root = tmp_path
    env = _environment(root)
    work = root / "work"
    work.mkdir()
    pipeline = work / "pipeline.toml"
    pipeline.write_text(_pipeline(), encoding="utf-8")
    out = work / "out"

    started = time.monotonic()
    first = _bilan(env, "run", pipeline, "--output", out, "--date", FIRST.isoformat())
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    duration = time.monotonic() - started
    assert _complete_set(out, pdftotext) == FIRST

    rng = random.Random(20261130)
    outcomes = {"previous": 0, "new": 0}
    previous = FIRST
    for kill in range(KILLS):
        attempt = FIRST + timedelta(days=1 + kill % 7)
        if attempt == previous:
            attempt += timedelta(days=7)
        process = _bilan(env, "run", pipeline, "--output", out, "--date", attempt.isoformat())
        time.sleep(rng.uniform(0.0, duration * 1.15))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if process.stderr:
            process.stderr.close()

        found = _complete_set(out, pdftotext)  # before any recovery: never a mixture
        assert found in (previous, attempt), (kill, found)
        outcomes["previous" if found == previous else "new"] += 1
        previous = found

        purge = _bilan(env, "purge")
        assert purge.wait(timeout=60) == 0
        if purge.stderr:
            purge.stderr.close()
        assert _complete_set(out, pdftotext) == found
        leftovers = [p for p in work.iterdir() if p.name != "out" and p != pipeline]
        assert leftovers == [], (kill, leftovers)
        assert list((root / "tmp").iterdir()) == [], kill
        scratch = root / "data" / "tmp"  # bilan's own temporary folder
        assert not scratch.is_dir() or list(scratch.iterdir()) == [], kill
        pending = root / "data" / "pending"
        if pending.is_dir():
            assert [p.name for p in pending.iterdir() if not p.name.endswith(".lock")] == []
        for path in _files_written(root, out, pipeline):
            data = path.read_bytes()
            for marker in MARKERS:
                assert marker.encode() not in data, (kill, path, marker)

    # The kills fell before and after the folders were exchanged.
    assert outcomes["previous"] > 0 and outcomes["new"] > 0, outcomes
    # A run of a pipeline file keeps nothing besides its output: no journal (the store keeps
    # dossiers over time, and only when asked: bilan dossier new).
    assert not (root / "data" / "journal").exists()
