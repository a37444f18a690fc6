"""System test: processes writing answers to an SQLite store killed with SIGKILL, again and
again, at random moments.

Four writers record answers one by one into the same dossier through
:meth:`bilan_core.store.core.Store.record_answer`, each printing (flushed) an acknowledgement
line once the call has returned. At random moments the test kills a writer (mostly one that
has begun writing, sometimes any), waits until it is dead, starts another in its place, and so
on, well over a hundred times: the kills land while a writer opens the store, waits for the
write lock, holds it mid-transaction, commits, or prints. Afterwards, before anything else
opens the store:

- the store file, and its WAL and shared-memory files if they were left, are still 0600;
- ``PRAGMA integrity_check`` says ``ok`` and no foreign key is broken;

then, through the store:

- every acknowledged answer is there, with its value and its time;
- each writer's saved answers are its first ones without a gap: all those it acknowledged and
  at most one more (the one whose acknowledgement the kill cut off);
- the dossier's version rose by exactly the number of answers saved (an answer and its
  version's increment are one transaction).

Starting a new Python for each of the hundred writers would spend most of the test importing
SQLAlchemy. The writers are therefore forked, as real processes of their own, by a small
launcher that has imported the store once: each child opens the store itself and is killed by
its process id, and the launcher reports its death.

Run in the ``system`` tox environment (``pytest -m system``): it takes ten to fifteen
seconds.
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PIPELINE

from bilan_core.store.core import Store

pytestmark = pytest.mark.system

WRITERS = 4
KILLS = 120
MAX_DELAY = 0.1  # seconds between two kills, drawn at random up to this
INSTRUMENT = "kill_check"
SEED = 20261201

#: The launcher: imports the store once, then forks one writer per line ``SLOT GEN`` read on
#: its standard input, answering ``pid SLOT GEN PID``; it reports each writer's death as
#: ``exit PID STATUS``; at the end of its input it kills and reaps the writers left.
LAUNCHER = r"""
import json, os, select, signal, sys, time, traceback

from bilan_core.store.core import Store
from bilan_core.store.engine import head_revision

store_url, dossier, instrument, folder = sys.argv[1:5]
head_revision()  # load the migration scripts once, before forking
launcher = os.getpid()
deadline = time.monotonic() + 300  # writers stop by themselves if the test is gone


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def write(slot, gen, streams):
    for fd, opened in enumerate(streams):
        os.dup2(opened, fd)
        os.close(opened)
    code = 0
    try:
        store = Store.open(store_url)
        store.start_administration(dossier, instrument, "1")
        n = 0
        while time.monotonic() < deadline and os.getppid() == launcher:
            item = f"s{slot}-g{gen}-n{n}"
            value = {"slot": slot, "gen": gen, "n": n, "text": "réponse " * (n % 4)}
            store.record_answer(dossier, instrument, item, value, n / 4)
            print(f"ack {item} {json.dumps(value)}", flush=True)
            n += 1
    except BaseException:
        traceback.print_exc()
        sys.stderr.flush()
        code = 1
    os._exit(code)


children = set()


def reap(block=False):
    while children:
        pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
        if not pid:
            return
        children.discard(pid)
        say(f"exit {pid} {os.waitstatus_to_exitcode(status)}")


say("ready")
pending = b""
while True:
    readable, _, _ = select.select([0], [], [], 0.002)
    reap()
    if not readable:
        continue
    chunk = os.read(0, 4096)
    if not chunk:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        reap(block=True)
        sys.exit(0)
    pending += chunk
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        slot, gen = map(int, line.split())
        streams = [os.open(os.devnull, os.O_RDONLY)] + [
            os.open(os.path.join(folder, f"w{slot}-{gen}.{kind}"),
                    os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600) for kind in ("out", "err")]
        pid = os.fork()
        if pid == 0:
            write(slot, gen, streams)
        for opened in streams:
            os.close(opened)
        children.add(pid)
        say(f"pid {slot} {gen} {pid}")
"""


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    (root / "data").mkdir(exist_ok=True)
    env.update(BILAN_DATA_DIR=str(root / "data"), LANGUAGE="en")
    return env


def _new_dossier(env: dict[str, str], store: str, folder: Path) -> str:
    """Create a dossier of the test pipeline for alice with ``bilan dossier new``; its id."""
    pipeline = folder / "pipeline.toml"
    pipeline.write_text(PIPELINE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "bilan_core", "dossier", "new",
                           str(pipeline), "--counsellor", "alice"],
                          env={**env, "BILAN_STORE": store}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


class Launcher:
    """The launcher process, and what it said."""

    def __init__(self, env: dict[str, str], store: str, dossier: str, folder: Path) -> None:
        self.errors = folder / "launcher.err"
        with self.errors.open("wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-c", LAUNCHER, store, dossier, INSTRUMENT, str(folder)],
                env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        self.buffer = b""
        self.exits: dict[int, int] = {}
        assert self._line(60) == "ready", self.errors.read_text("utf-8")

    def _line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        end = time.monotonic() + timeout
        while b"\n" not in self.buffer:
            left = end - time.monotonic()
            assert left > 0, f"the launcher is silent; {self.errors.read_text('utf-8')}"
            readable, _, _ = select.select([self.process.stdout], [], [], left)
            if readable:
                chunk = os.read(self.process.stdout.fileno(), 4096)
                assert chunk, f"the launcher ended: {self.errors.read_text('utf-8')}"
                self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()

    def _next(self, timeout: float) -> list[str]:
        """The next line; a death report is noted."""
        words = self._line(timeout).split()
        if words[0] == "exit":
            self.exits[int(words[1])] = int(words[2])
        return words

    def spawn(self, slot: int, gen: int) -> int:
        """Start a writer; its process id."""
        assert self.process.stdin is not None
        self.process.stdin.write(f"{slot} {gen}\n".encode())
        self.process.stdin.flush()
        words = self._next(30)
        while words[0] == "exit":
            words = self._next(30)
        assert words[:3] == ["pid", str(slot), str(gen)], words
        return int(words[3])

    def dead(self, pid: int, timeout: float = 30) -> int:
        """Wait for a writer's death; its exit status (-9: killed)."""
        while pid not in self.exits:
            self._next(timeout)
        return self.exits[pid]

    def poll(self) -> None:
        """Note the death reports already sent."""
        assert self.process.stdout is not None
        while True:
            readable, _, _ = select.select([self.process.stdout], [], [], 0)
            if not readable:
                break
            chunk = os.read(self.process.stdout.fileno(), 4096)
            if not chunk:
                break
            self.buffer += chunk
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        for line in lines:
            words = line.decode().split()
            assert words[0] == "exit", words
            self.exits[int(words[1])] = int(words[2])

    def stop(self) -> None:
        """Close its input: it kills the writers left, reaps them and ends."""
        assert self.process.stdin is not None
        if not self.process.stdin.closed:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _acknowledged(out: Path) -> dict[str, dict[str, object]]:
    """The answers a writer acknowledged: whole lines only (a kill may cut the last)."""
    found = {}
    text = out.read_text("utf-8")
    for line in text.splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        word, item, value = line.rstrip("\n").split(" ", 2)
        assert word == "ack", line
        found[item] = json.loads(value)
    return found


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_writers_killed_at_random_lose_no_acknowledged_answer(tmp_path):
    env = _environment(tmp_path)
    path = tmp_path / "store" / "store.sqlite"
    with Store.open(str(path)) as owner:
        owner.add_user("alice", "counsellor")
    dossier = _new_dossier(env, str(path), tmp_path)
    with Store.open(str(path)) as owner:
        first_version = owner.info(dossier).version
    writers = tmp_path / "writers"
    writers.mkdir()

    rng = random.Random(SEED)
    started = time.monotonic()
    launcher = Launcher({**env, "BILAN_USER": "alice"}, str(path), dossier, writers)
    try:
        alive = {slot: (0, launcher.spawn(slot, 0)) for slot in range(WRITERS)}
        victims: list[tuple[int, int]] = []  # slot, generation
        for _kill in range(KILLS):
            time.sleep(rng.uniform(0.0, MAX_DELAY))
            launcher.poll()
            for slot, (gen, pid) in alive.items():  # a writer never ends by itself
                assert pid not in launcher.exits, (slot, gen, launcher.exits[pid], (
                    writers / f"w{slot}-{gen}.err").read_text("utf-8"))
            # Mostly a writer already writing, sometimes any (one may be opening the store).
            started_writing = [s for s, (g, _pid) in alive.items()
                               if (writers / f"w{s}-{g}.out").stat().st_size]
            if started_writing and rng.random() < 0.8:
                slot = rng.choice(started_writing)
            else:
                slot = rng.randrange(WRITERS)
            gen, pid = alive[slot]
            os.kill(pid, signal.SIGKILL)
            assert launcher.dead(pid) == -signal.SIGKILL, (
                writers / f"w{slot}-{gen}.err").read_text("utf-8")
            victims.append((slot, gen))
            alive[slot] = (gen + 1, launcher.spawn(slot, gen + 1))
        time.sleep(MAX_DELAY)
        for slot, (gen, pid) in alive.items():  # the last ones die the same way
            os.kill(pid, signal.SIGKILL)
            assert launcher.dead(pid) == -signal.SIGKILL, (
                writers / f"w{slot}-{gen}.err").read_text("utf-8")
            victims.append((slot, gen))
    finally:
        launcher.stop()
    elapsed = time.monotonic() - started
    assert launcher.process.returncode == 0, launcher.errors.read_text("utf-8")
    assert len(victims) >= 100

    # Every writer died killed, saying nothing on its error stream.
    acknowledged: dict[tuple[int, int], dict[str, dict[str, object]]] = {}
    for slot, gen in victims:
        assert (writers / f"w{slot}-{gen}.err").read_text("utf-8") == "", (slot, gen)
        acknowledged[slot, gen] = _acknowledged(writers / f"w{slot}-{gen}.out")
    total = sum(len(acks) for acks in acknowledged.values())
    writing = sum(1 for acks in acknowledged.values() if acks)
    # The kills fell among the writes, not only while the writers were starting.
    assert total >= 100, (total, elapsed)
    assert writing >= len(victims) // 3, (writing, len(victims))

    # Before anything opens the store again: still private, and whole.
    assert _mode(path) == 0o600
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            assert _mode(companion) == 0o600, companion
    assert not list(path.parent.glob("*.backup-*"))
    connection = sqlite3.connect(path)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        rows = connection.execute("SELECT count(*) FROM answers WHERE dossier_id = ?",
                                  (dossier,)).fetchone()[0]
    finally:
        connection.close()

    with Store.open(str(path), user="alice") as store:
        saved = store.answers(dossier)[INSTRUMENT]
        version = store.info(dossier).version
    answers, timings = saved["answers"], saved["timings"]
    assert len(answers) == rows
    # Every acknowledged answer is there, as it was given.
    for acks in acknowledged.values():
        for item, value in acks.items():
            assert answers.get(item) == value, item
            assert timings.get(item) == value["n"] / 4, item
    # Each writer's answers are its first ones, without a gap, and at most one was saved
    # without its acknowledgement.
    pattern = re.compile(r"s(\d+)-g(\d+)-n(\d+)")
    saved_by: dict[tuple[int, int], set[int]] = {}
    for item, value in answers.items():
        match = pattern.fullmatch(item)
        assert match, item
        slot, gen, n = map(int, match.groups())
        assert value == {"slot": slot, "gen": gen, "n": n, "text": "réponse " * (n % 4)}
        saved_by.setdefault((slot, gen), set()).add(n)
    assert set(saved_by) <= set(acknowledged)
    for writer, acks in acknowledged.items():
        numbers = saved_by.get(writer, set())
        assert numbers == set(range(len(numbers))), writer
        assert len(acks) <= len(numbers) <= len(acks) + 1, (writer, len(acks), len(numbers))
    # One version per answer saved: no answer without its increment, nor the reverse.
    assert version - first_version == len(answers)
    assert _mode(path) == 0o600
