"""System test: ``bilan batch`` interrupted with Ctrl-C, as a terminal sends it (to the whole
process group: the command and its worker processes).

The command stops within seconds with status 130; no worker process is left; every output
sub-folder is either absent or one complete set (its manifest lists exactly what it holds);
after ``bilan purge`` no staging folder or temporary file remains.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bilan_core.outputs import MANIFEST

pytestmark = pytest.mark.system

EXAMPLES = Path(__file__).parents[2] / "examples"


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def test_ctrl_c_stops_the_batch_and_leaves_only_complete_sets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    for name in ("data", "tmp"):
        (tmp_path / name).mkdir()
    env.update(BILAN_DATA_DIR=str(tmp_path / "data"), TMPDIR=str(tmp_path / "tmp"),
               LANGUAGE="en")
    source = tmp_path / "in"
    for n in range(40):
        shutil.copytree(EXAMPLES / "reconversion-cpf", source / f"d{n:02d}")
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "bilan_core", "batch", str(source), "-o", str(out), "-j", "2",
         "--format", "json,md,html"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob(f"*/{MANIFEST}"))) < 3:
        time.sleep(0.05)
    assert process.poll() is None, "the batch ended before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err.decode()
    assert "interrupted" in err.decode()
    assert "Traceback" not in err.decode()
    for _ in range(100):
        if not _group_members(process.pid):
            break
        time.sleep(0.05)
    assert _group_members(process.pid) == [], "worker processes were left running"

    complete = 0
    for folder in out.iterdir():
        assert folder.is_dir(), folder
        if folder.name.startswith("."):  # a staging folder: never an output, purged below
            continue
        manifest = json.loads((folder / MANIFEST).read_text("utf-8"))
        names = {entry["name"] for entry in manifest["files"]}
        assert {p.name for p in folder.iterdir()} == names | {MANIFEST}
        assert names == {"dossier.json", "synthese.json", "synthese.md", "synthese.html"}
        complete += 1
    assert 3 <= complete < 40

    purge = subprocess.run([sys.executable, "-m", "bilan_core", "purge"], env=env,
                           capture_output=True, timeout=60)
    assert purge.returncode == 0, purge.stderr.decode()
    leftovers = [p for p in (tmp_path / "tmp").rglob("*")]
    leftovers += [p for p in (tmp_path / "data").rglob("*")
                  if p.is_file() and "scratch" in p.parts]
    assert leftovers == []
    assert sorted(p.name for p in out.iterdir()) == sorted(
        p.name for p in out.iterdir() if (p / MANIFEST).exists())  # no staging left
