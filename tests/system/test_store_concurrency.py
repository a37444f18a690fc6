"""System test: several processes writing to the same store at once, on SQLite and on
PostgreSQL, and every write checked afterwards.

- Answers: four processes record distinct answers, released together (each begins before any
  ends), on one shared dossier, then on many dossiers at once. Every acknowledged answer is in
  the store with its value and its time, none is missing and none is extra, and each dossier's
  version rose by exactly the number of answers recorded on it (no lost update: each write saw
  the last version).
- Hours: four processes log sessions on one dossier at once until the 24-hour ceiling refuses
  them. The ceiling holds across processes: the hours logged reach 24 and never more; every
  acknowledged session is in the store, no refused one; each accepted session's running total,
  and the hours each refusal says were logged, are the totals of the sessions before it in the
  order they were saved (no check ever saw a stale list); refusals are one-line errors.
- The same race through the command line: ``bilan session log`` started four times at once
  with two sessions' worth of hours left; two are saved, two exit with status 2 and one line.
- Four processes opening a new store at once: each opens it (one creates its tables, the
  others wait for it or find them made), and the store is whole afterwards.

On PostgreSQL the writers connect as the counsellor's own role (row-level security applies);
on SQLite they act as the counsellor's account (``BILAN_USER``). PostgreSQL missing fails in CI
(``CI=true``) and skips elsewhere. Run in the ``system`` tox environment
(``pytest -m system``).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from conftest import PIPELINE
from storekit import postgres_database, url

from bilan_core.store.core import Store
from bilan_core.store.dossiers import session_rules

pytestmark = pytest.mark.system

PROCESSES = 4
ANSWERS = 40  # answers recorded by each process
INSTRUMENT = "concurrency_check"
DAY = date(2026, 11, 3)
CEILING = Decimal(24)
#: Hours of the sessions the processes try to log (multiples of 0.1: each process ends with
#: sessions of 0.1 h until one is refused, which happens only when exactly 24 h are logged).
HOURS = ("0.1", "0.3", "0.5", "0.7", "1.2", "1.5", "2")

#: One writer: opens the store, says it is ready, waits for the word to start, then records
#: answers or logs sessions, printing one JSON line (flushed) after each write returns (or
#: only opens the store once started).
WRITER = r"""
import json, sys, time
from datetime import date
from decimal import Decimal

from bilan_core.errors import UsageError
from bilan_core.store.core import Store
from bilan_core.store.dossiers import session_rules

job = json.loads(sys.argv[1])
slot = job["slot"]


def say(**line):
    print(json.dumps({"at": time.monotonic(), **line}), flush=True)


if job["task"] != "open":
    store = Store.open(job["store"])
if job["task"] == "answers":
    for dossier in job["dossiers"]:
        store.start_administration(dossier, job["instrument"], "1")
say(ready=slot)
sys.stdin.readline()
say(begin=slot)
if job["task"] == "open":
    store = Store.open(job["store"])
    say(opened=slot)
elif job["task"] == "answers":
    dossiers = job["dossiers"]
    for n in range(job["count"]):
        dossier = dossiers[(slot + n) % len(dossiers)]
        item = f"p{slot}-n{n}"
        value = [slot, n, "é" * (n % 3)]
        store.record_answer(dossier, job["instrument"], item, value, n + 0.5)
        say(dossier=dossier, item=item, value=value, seconds=n + 0.5)
else:
    day = date.fromisoformat(job["day"])

    def log(hours):
        try:
            record, total = store.log_session(
                job["dossier"], held_on=day, hours=hours, step="preparation",
                modality="presentiel", check=session_rules("preparation", day, hours))
        except UsageError as exc:
            say(refused=str(hours), message=str(exc))
            return False
        say(id=record.id, hours=str(hours), total=str(total))
        return True

    for hours in job["hours"]:
        log(Decimal(hours))
    while log(Decimal("0.1")):
        pass
store.close()
"""


@attrs.frozen
class Target:
    """A store under test: how its owner and the counsellor alice reach it."""

    backend: str
    owner: str  # the store's URL for its owner
    writer: str  # the store's URL for alice
    env: dict[str, str]  # the environment of alice's processes
    dossier: str  # a dossier of alice's, as 'bilan dossier new' makes it


def _environment(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    (root / "data").mkdir(exist_ok=True)
    env.update(BILAN_DATA_DIR=str(root / "data"), LANGUAGE="en")
    return env


def _bilan(env: dict[str, str], *args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bilan_core", *map(str, args)], env=env,
                          capture_output=True, text=True, timeout=120)


@contextlib.contextmanager
def _database(backend: str, root: Path) -> Iterator[tuple[str, str, dict[str, str]]]:
    env = _environment(root)
    if backend == "sqlite":
        path = str(root / "store" / "store.sqlite")
        yield path, path, {**env, "BILAN_USER": "alice"}
    else:
        with postgres_database("bilan_conc") as database:
            yield url(database), url(database, "alice"), env


@pytest.fixture(scope="module")
def prototype(tmp_path_factory) -> tuple[str, str]:
    """The pipeline text and the dossier JSON of a bilan, as ``bilan dossier new`` stores
    them (made once: starting the command line for every test would cost seconds)."""
    root = tmp_path_factory.mktemp("prototype")
    path = str(root / "store.sqlite")
    with Store.open(path) as store:
        store.add_user("alice", "counsellor")
    pipeline = root / "pipeline.toml"
    pipeline.write_text(PIPELINE, encoding="utf-8")
    created = _bilan({**_environment(root), "BILAN_STORE": path}, "dossier", "new", pipeline,
                     "--counsellor", "alice")
    assert created.returncode == 0, created.stderr
    with Store.open(path) as store:
        _info, text, state = store.content(created.stdout.split()[-1])
    return text, state


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request, tmp_path, prototype) -> Iterator[Target]:
    """A new store with the counsellor alice and one dossier of hers."""
    text, state = prototype
    pipeline = tmp_path / "pipeline.toml"
    pipeline.write_text(text, encoding="utf-8")
    with _database(request.param, tmp_path) as (owner, writer, env):
        with Store.open(owner) as store:
            store.add_user("alice", "counsellor")
            dossier = store.create(label="B-TEST-001-20261102", beneficiary="B-TEST-001",
                                   reference_date=date(2026, 11, 2),
                                   pipeline_path=str(pipeline), pipeline_text=text,
                                   state=state, counsellor="alice",
                                   consents=[{"kind": "bilan", "given_on": date(2026, 10, 1)}])
        yield Target(request.param, owner, writer, env, dossier)


def _race(target: Target, jobs: list[dict[str, object]], *, overlap: bool = True
          ) -> list[list[dict[str, object]]]:
    """Run one writer per job, release them together once all are ready; the lines each
    printed once writing. Every writer must end well, saying nothing on its error stream,
    and (``overlap``) each must have begun writing before any ended: they wrote at once."""
    processes = [subprocess.Popen(
        [sys.executable, "-c", WRITER, json.dumps({**job, "slot": slot,
                                                    "store": target.writer})],
        env=target.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for slot, job in enumerate(jobs)]
    try:
        for slot, process in enumerate(processes):
            assert process.stdout is not None
            ready = process.stdout.readline()
            assert ready and json.loads(ready)["ready"] == slot, (
                ready, process.stderr.read() if process.stderr else "")
        for process in processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=180) for process in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, (_out, err) in zip(processes, outputs):
        assert (process.returncode, err) == (0, ""), err
    lines = [[json.loads(line) for line in out.splitlines()] for out, _err in outputs]
    assert [own[0].get("begin") for own in lines] == list(range(len(jobs)))
    if overlap:
        # SQLite's lock is not fair: the writes themselves may well come in long runs of one
        # writer while the others wait, so only the writers' spans are compared.
        began = max(float(str(own[0]["at"])) for own in lines)
        ended = min(float(str(own[-1]["at"])) for own in lines)
        assert began < ended, "a writer ended before another began: they did not race"
    return [own[1:] for own in lines]


def _copies(target: Target, count: int) -> list[str]:
    """``count`` more dossiers of alice's, each a copy of the first (pipeline and state)."""
    with Store.open(target.owner) as store:
        info, pipeline, state = store.content(target.dossier)
        return [store.create(label=f"{info.label}-{n}", beneficiary=f"B-CONC-{n}",
                             reference_date=info.reference_date,
                             pipeline_path=info.pipeline_path or "", pipeline_text=pipeline,
                             state=state, counsellor="alice") for n in range(count)]


def _check_answers(target: Target, dossiers: list[str], before: dict[str, int],
                   lines: list[list[dict[str, object]]]) -> None:
    """Every acknowledged answer is saved with its value and time, nothing else is, and each
    dossier's version rose by the number of its answers."""
    expected: dict[str, dict[str, object]] = {d: {} for d in dossiers}
    seconds: dict[str, dict[str, object]] = {d: {} for d in dossiers}
    for own in lines:
        assert len(own) == ANSWERS
        for line in own:
            expected[str(line["dossier"])][str(line["item"])] = line["value"]
            seconds[str(line["dossier"])][str(line["item"])] = line["seconds"]
    assert sum(len(items) for items in expected.values()) == PROCESSES * ANSWERS
    with Store.open(target.owner) as store:
        for dossier in dossiers:
            saved = store.answers(dossier)
            assert list(saved) == [INSTRUMENT], dossier
            assert saved[INSTRUMENT]["answers"] == expected[dossier], dossier
            assert saved[INSTRUMENT]["timings"] == seconds[dossier], dossier
            assert store.info(dossier).version - before[dossier] == len(expected[dossier])


def test_processes_recording_answers_on_one_dossier_lose_none(target):
    with Store.open(target.owner) as store:
        before = {target.dossier: store.info(target.dossier).version}
    jobs = [{"task": "answers", "instrument": INSTRUMENT, "dossiers": [target.dossier],
             "count": ANSWERS} for _ in range(PROCESSES)]
    lines = _race(target, jobs)
    _check_answers(target, [target.dossier], before, lines)


def test_processes_recording_answers_on_many_dossiers_lose_none(target):
    dossiers = [target.dossier, *_copies(target, 5)]
    with Store.open(target.owner) as store:
        before = {d: store.info(d).version for d in dossiers}
    jobs = [{"task": "answers", "instrument": INSTRUMENT, "dossiers": dossiers,
             "count": ANSWERS} for _ in range(PROCESSES)]
    lines = _race(target, jobs)
    _check_answers(target, dossiers, before, lines)


REFUSAL = re.compile(r"refused: (?P<hours>[0-9.]+) h more would bring the bilan to"
                     r" (?P<total>[0-9.]+) h; .*24 hours at most.*; (?P<left>[0-9.]+) h remain")


def test_processes_logging_sessions_keep_the_ceiling_of_24_hours(target):
    rng = random.Random(f"hours-{target.backend}")
    jobs = [{"task": "sessions", "dossier": target.dossier, "day": DAY.isoformat(),
             "hours": [rng.choice(HOURS) for _ in range(8)]} for _ in range(PROCESSES)]
    with Store.open(target.owner) as store:
        before = store.info(target.dossier).version
    lines = _race(target, jobs)

    accepted: dict[int, tuple[int, Decimal, Decimal]] = {}  # id: writer, hours, total
    refusals: list[tuple[Decimal, dict[str, str]]] = []
    for slot, own in enumerate(lines):
        for line in own:
            if "refused" in line:
                message = str(line["message"])
                assert "\n" not in message and "Traceback" not in message, message
                match = REFUSAL.fullmatch(message)
                assert match, message
                refusals.append((Decimal(str(line["refused"])), match.groupdict()))
            else:
                accepted[int(str(line["id"]))] = (slot, Decimal(str(line["hours"])),
                                                  Decimal(str(line["total"])))
        assert "refused" in own[-1], own[-1]  # each ended on a refusal of 0.1 h

    with Store.open(target.owner) as store:
        sessions = store.sessions(target.dossier)
        info = store.info(target.dossier)
        trail = [e for e in store.audit_trail(target.dossier) if e["action"] == "session.log"]
    # Exactly the acknowledged sessions, as they were given.
    assert {s.id: s.hours for s in sessions} == {i: h for i, (_w, h, _t) in accepted.items()}
    assert all((s.step, s.phase, s.modality, s.held_on, s.recorded_by) == (
        "preparation", "preliminary", "presentiel", DAY, "alice") for s in sessions)
    assert len(trail) == len(accepted)
    # The ceiling held, and was reached.
    logged = sum((s.hours for s in sessions), Decimal(0))
    assert logged == CEILING == info.hours
    assert info.sessions == len(sessions)
    assert info.version - before == len(sessions)
    # Each check saw every session saved before its own: accepted ones report the running
    # total in the order of saving; refused ones the hours logged at some point of it.
    running = [Decimal(0)]
    for session in sorted(sessions, key=lambda s: s.id):
        running.append(running[-1] + session.hours)
        assert accepted[session.id][2] == running[-1], session.id
    for hours, said in refusals:
        left = Decimal(said["left"])
        assert Decimal(said["hours"]) == hours
        assert hours > left >= 0
        assert CEILING - left in running
        assert Decimal(said["total"]) == CEILING - left + hours


def test_session_log_commands_at_once_keep_the_ceiling(target):
    for hours in ("8", "8", "3"):
        with Store.open(target.owner) as store:
            store.log_session(target.dossier, held_on=DAY, hours=Decimal(hours),
                              step="preparation", modality="presentiel",
                              check=session_rules("preparation", DAY, Decimal(hours)))
    with Store.open(target.owner) as store:
        before = store.info(target.dossier).version
    env = {**target.env, "BILAN_STORE": target.writer}
    command = [sys.executable, "-m", "bilan_core", "session", "log", target.dossier, "--date",
               DAY.isoformat(), "--hours", "2", "--step", "preparation"]
    processes = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)
                 for _ in range(PROCESSES)]
    results = [(p.returncode, out, err) for p, (out, err) in
               ((p, p.communicate(timeout=180)) for p in processes)]

    saved = [out for code, out, err in results if code == 0 and err == ""]
    refused = [err for code, out, err in results if code == 2 and out == ""]
    assert (len(saved), len(refused)) == (2, 2), results
    totals = []
    for out in saved:
        match = re.fullmatch(r"session \d+ logged: 2026-11-03, 2 h, preparation; (\d+) h in"
                             r" all; (\d+) h remain under the ceiling\n", out)
        assert match, out
        totals.append((match.group(1), match.group(2)))
    assert sorted(totals) == [("21", "3"), ("23", "1")], saved
    for err in refused:
        assert err.count("\n") == 1, err
        assert err.startswith("bilan: error: refused: 2 h more would bring the bilan to 25 h;")
        assert err.endswith("; 1 h remain\n"), err
    with Store.open(target.owner) as store:
        info = store.info(target.dossier)
    assert (info.hours, info.sessions, info.version - before) == (Decimal(23), 5, 2)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_opening_a_new_store_at_once_all_open_it(backend, tmp_path):
    from bilan_core.store.engine import head_revision

    with _database(backend, tmp_path) as (owner, _writer, env):
        as_owner = {k: v for k, v in env.items() if k != "BILAN_USER"}
        new = Target(backend, owner, owner, as_owner, dossier="")
        lines = _race(new, [{"task": "open"} for _ in range(PROCESSES)], overlap=False)
        assert [[line.get("opened") for line in own] for own in lines] == [
            [slot] for slot in range(PROCESSES)]
        with Store.open(owner) as store:
            with store.reading() as connection:
                assert connection.exec_driver_sql("SELECT version_num FROM alembic_version"
                                                  ).scalars().all() == [head_revision()]
            store.add_user("alice", "counsellor")
            assert [user["name"] for user in store.users()] == ["alice"]
