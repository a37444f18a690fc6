"""Many beneficiaries answering at once through the web application, on loopback.

    python benchmarks/web_load.py [--beneficiaries 200] [--seconds 60] [--no-postgres] [--json]

For each store (an SQLite file, then a PostgreSQL database made for the run and dropped), the
script makes one dossier per simulated beneficiary with an invitation to the 40-item values
questionnaire, starts ``bilan serve`` on a free loopback port, and lets every beneficiary
answer at once for the given time: each opens its link, then sends one answer after another
to the autosave route (``POST /reponses/valeurs/reponse``), as the page's script does, each
answer a new value. Beside it, in the same server, the same number of clients post to a bare
Starlette route that does nothing (the baseline of the framework, the loopback and the client
itself). It prints the median and 95th percentile latency of saving one answer beside the
baseline's, and checks that every answer acknowledged is in the store, with the last value
sent for each item: no answer lost. Bounded in time and in count; figures only, never a
failure on a figure (a lost answer is an error).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = """\
reference_date = 2026-11-02

[beneficiary]
id = "B-LOAD-{n:04d}"
status = "private_employee"
cpf_balance = "1200.00"

[provider]
name = "Centre de bilan Charge"
qualiopi = true

[[consent]]
kind = "bilan"
given_on = 2026-10-01

[[steps]]
id = "preparation"
hours = 2

[[steps]]
id = "needs_analysis"
hours = 3
instruments = ["valeurs"]

[[steps]]
id = "action_plan"
hours = 3
"""


def _client_module() -> Any:
    try:
        import httpx2 as httpx
    except ImportError:
        import httpx  # type: ignore[no-redef]
    return httpx


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(store: str, count: int, folder: Path, env: dict[str, str]) -> list[tuple[str, str]]:
    """``count`` dossiers of one counsellor, each with an invitation: (dossier, token)."""
    from datetime import datetime, timedelta, timezone

    from bilan_core.plugins import PluginHost
    from bilan_core.store.core import Store
    from bilan_core.store.dossiers import new_dossier

    os.environ.update(env)
    host = PluginHost(warn=lambda line: None).load()
    owner = Store.open(store)
    try:
        if not any(u["name"] == "charge" for u in owner.users()):
            owner.add_user("charge", "counsellor")
        counsellor = owner.acting_as("charge")
        made = []
        until = datetime.now(timezone.utc) + timedelta(days=1)
        for n in range(count):
            path = folder / f"d{n:04d}" / "pipeline.toml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(PIPELINE.format(n=n), encoding="utf-8")
            dossier, _pipeline = new_dossier(counsellor, host, path, None, "charge")
            _number, token = counsellor.invite(dossier, ["valeurs"], until)
            made.append((dossier, token))
        return made
    finally:
        owner.close()


async def beneficiary(http: Any, base: str, token: str, stop: float, items: list[str],
                      rng: random.Random, latencies: list[float], sent: dict[str, int]) -> None:
    """Open the link, then answer item after item until ``stop``; record what was saved."""
    async with http.AsyncClient(base_url=base, timeout=60) as client:
        await client.get(f"/invitation/{token}")
        page = (await client.get("/reponses/valeurs")).text
        fields = dict(re.findall(r'name="(csrf|shown)" value="([^"]+)"', page))
        while time.monotonic() < stop:
            item, value = rng.choice(items), rng.randint(1, 5)
            started = time.perf_counter()
            response = await client.post("/reponses/valeurs/reponse",
                                         data={**fields, "item": item, "value": str(value)})
            latencies.append(time.perf_counter() - started)
            if response.status_code != 200:
                raise RuntimeError(f"an answer was refused: {response.status_code}"
                                   f" {response.text[:200]}")
            sent[item] = value  # acknowledged: it must be in the store


async def bare(http: Any, base: str, stop: float, latencies: list[float]) -> None:
    async with http.AsyncClient(base_url=base, timeout=60) as client:
        while time.monotonic() < stop:
            started = time.perf_counter()
            response = await client.post("/__bare__", data={"item": "x", "value": "1"})
            latencies.append(time.perf_counter() - started)
            response.raise_for_status()


async def drive(base: str, made: list[tuple[str, str]], seconds: float, items: list[str],
                bare_base: str) -> tuple[list[float], list[float], list[dict[str, int]]]:
    http = _client_module()
    latencies: list[float] = []
    baseline: list[float] = []
    sent: list[dict[str, int]] = [{} for _ in made]
    stop = time.monotonic() + seconds
    await asyncio.gather(*(beneficiary(http, base, token, stop, items, random.Random(n),
                                       latencies, sent[n])
                           for n, (_dossier, token) in enumerate(made)))
    stop = time.monotonic() + seconds
    await asyncio.gather(*(bare(http, bare_base, stop, baseline) for _ in made))
    return latencies, baseline, sent


def _serve(env: dict[str, str], port: int, app: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--no-access-log", "--log-level", "warning"]
    server = subprocess.Popen(argv, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


def measure(store: str, label: str, count: int, seconds: float, env: dict[str, str]
            ) -> dict[str, Any]:
    """One store: serve it, let ``count`` beneficiaries answer for ``seconds``, check."""
    from bilan_core.store.core import Store

    folder = Path(tempfile.mkdtemp(prefix="bilan-load-"))
    env = {**env, "BILAN_STORE": store}
    made = prepare(store, count, folder, env)
    port, bare_port = _free_port(), _free_port()
    server = _serve(env, port, "bilan_core.web.app:create_app")
    baseline_server = _serve(env, bare_port, "web_load:bare_app")
    try:
        items = [f"{p}{n}" for p in ("AUT", "SEC", "REC", "REL", "ACC", "AID", "CRE", "EQU",
                                     "REM", "APP") for n in range(1, 5)]
        latencies, baseline, sent = asyncio.run(drive(
            f"http://127.0.0.1:{port}", made, seconds, items,
            f"http://127.0.0.1:{bare_port}"))
    finally:
        for process in (server, baseline_server):
            process.terminate()
            process.wait(timeout=30)
    owner = Store.open(store)
    try:
        lost = 0
        for (dossier, _token), expected in zip(made, sent):
            kept = owner.answers(dossier, audit=False).get("valeurs", {}).get("answers", {})
            lost += sum(1 for item, value in expected.items() if kept.get(item) != value)
    finally:
        owner.close()
    return {"store": label, "beneficiaries": count, "seconds": seconds,
            "answers": len(latencies), "lost": lost,
            "median_ms": statistics.median(latencies) * 1000,
            "p95_ms": statistics.quantiles(latencies, n=20)[-1] * 1000,
            "bare_median_ms": statistics.median(baseline) * 1000,
            "bare_p95_ms": statistics.quantiles(baseline, n=20)[-1] * 1000,
            "bare_requests": len(baseline)}


def bare_app() -> Any:
    """A Starlette application with one route that reads its form and does nothing."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def nothing(request: Request) -> JSONResponse:
        form = await request.form()
        return JSONResponse({"saved": form.get("item")})

    return Starlette(routes=[Route("/__bare__", nothing, methods=["POST"])])


def _postgres() -> tuple[str, Any] | None:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        import storekit
    except ImportError:
        return None
    try:
        storekit.require_postgres()
    except BaseException:
        return None
    context = storekit.postgres_database("bilan_load")
    database = context.__enter__()
    return storekit.url(database), context


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--beneficiaries", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.beneficiaries <= 1000 or not 0 < args.seconds <= 600:
        parser.error("1 to 1000 beneficiaries, at most 600 seconds")
    sys.path.insert(0, str(Path(__file__).parent))
    rows = run(args.beneficiaries, args.seconds, postgres=not args.no_postgres)
    if args.json:
        print(json.dumps({"python": platform.python_version(), "rows": rows}, indent=2))
        return 1 if any(r["lost"] for r in rows) else 0
    print(f"{args.beneficiaries} beneficiaries answering at once for {args.seconds:g} s,"
          f" on loopback; Python {platform.python_version()}")
    for row in rows:
        print(f"{row['store']:<10} {row['answers']:>7} answers saved, {row['lost']} lost;"
              f" save one answer: median {row['median_ms']:.1f} ms, p95 {row['p95_ms']:.1f}"
              f" ms; bare Starlette route: median {row['bare_median_ms']:.1f} ms,"
              f" p95 {row['bare_p95_ms']:.1f} ms ({row['bare_requests']} requests)")
    return 1 if any(r["lost"] for r in rows) else 0


def run(count: int, seconds: float, postgres: bool = True) -> list[dict[str, Any]]:
    """Every store's figures (PostgreSQL when a server answers and ``postgres``)."""
    data = Path(tempfile.mkdtemp(prefix="bilan-load-data-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("BILAN_")}
    env.update(BILAN_DATA_DIR=str(data), BILAN_WEB_SECRET="l" * 48,
               PYTHONPATH=os.pathsep.join([str(Path(__file__).parent),
                                           env.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    saved = dict(os.environ)
    try:
        rows = [measure(str(data / "store.sqlite"), "SQLite", count, seconds, env)]
        found = _postgres() if postgres else None
        if found is not None:
            address, context = found
            try:
                rows.append(measure(address, "PostgreSQL", count, seconds, env))
            finally:
                context.__exit__(None, None, None)
        return rows
    finally:
        os.environ.clear()
        os.environ.update(saved)


if __name__ == "__main__":
    sys.exit(main())
