"""Every performance goal of bilan, each figure beside its baseline measured in the same run.

    python benchmarks/run.py [--quick] [--json] [--dossiers 100]

| measure | baseline, in the same run | goal |
|---|---|---|
| ``bilan --version`` | ``python -c "import click"`` | at most 1.2x |
| ``bilan plugins`` (every first-party plugin) | ``pytest -VV`` | at most 0.35x |
| ``bilan --help`` | ``pytest --help`` | at most 0.5x |
| one dossier to JSON, MD, HTML, in process | loading and validating its pipeline | at most 3x |
| one dossier with the PDF, in process | WeasyPrint alone printing the same HTML | at most 1.25x |
| scoring one 60-item set, everything | a plain Python loop: raw and T scores | at most 2x |
| Cronbach's alpha over 100,000 sets | plain numpy | at most 3x |
| matching 20,000 occupations | numpy computing congruence, then sorting | at most 5x |
| ``bilan batch`` over 100 dossiers, 2 jobs | the same with 1 job | at least 1.7x as fast |

Commands run as fresh processes of this interpreter's environment and are timed in CPU time
(user + system of the child, from ``wait4``): the figure a shared, noisy machine disturbs
least. In-process figures are CPU time too (``time.process_time``), medians of runs that
alternate with their baseline's. The batch is timed on the wall clock (its point is to use
more than one processor). The script prints figures and PASS or OVER; it never fails on one.
Needs numpy and pytest (the test extra), both in the test environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(Path(__file__).parent))


def _environment() -> dict[str, str]:
    """The children's environment: bytecode written and read as an installed package has it
    (a ``PYTHONDONTWRITEBYTECODE`` set for development would compile bilan's modules at every
    start, and not pytest's, which pip compiled when installing it)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["LANGUAGE"] = "en"
    return env


def _bilan() -> list[str]:
    script = Path(sys.executable).with_name("bilan")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bilan_core"]


def child_cpu(argv: list[str], env: dict[str, str]) -> float:
    """Run a command; its CPU time (user + system) in seconds."""
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env=env)
    assert process.stderr is not None
    error = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"run.py: {' '.join(argv)} exited with {process.returncode}:"
                         f" {error.decode(errors='replace').strip()}")
    return usage.ru_utime + usage.ru_stime


def alternate(repeat: int, *functions: Callable[[], float]) -> list[float]:
    """Medians of ``repeat`` rounds calling each function in turn, the order rotating."""
    samples: list[list[float]] = [[] for _ in functions]
    for round_ in range(repeat):
        order = list(range(len(functions)))
        order = order[round_ % len(order):] + order[:round_ % len(order)]
        for index in order:
            samples[index].append(functions[index]())
    return [statistics.median(s) for s in samples]


def timed(function: Callable[[], object]) -> Callable[[], float]:
    def run() -> float:
        started = time.process_time()
        function()
        return time.process_time() - started
    return run


def row(label: str, ours: float, base_label: str, base: float, goal: float,
        at_most: bool = True) -> dict[str, Any]:
    ratio = ours / base if base else float("inf")
    passed = ratio <= goal if at_most else ratio >= goal
    return {"measure": label, "ours_ms": ours * 1000, "baseline": base_label,
            "baseline_ms": base * 1000, "ratio": ratio,
            "goal": f"{'<=' if at_most else '>='}{goal:g}x", "result": "PASS" if passed
            else "OVER"}


# ---------------------------------------------------------------------------------- startup
def startup(repeat: int) -> list[dict[str, Any]]:
    env = _environment()
    bilan = _bilan()
    pairs = [
        ("bilan --version", [*bilan, "--version"], "python -c 'import click'",
         [sys.executable, "-c", "import click"], 1.2),
        ("bilan plugins", [*bilan, "plugins"], "pytest -VV",
         [sys.executable, "-m", "pytest", "-VV"], 0.35),
        ("bilan --help", [*bilan, "--help"], "pytest --help",
         [sys.executable, "-m", "pytest", "--help"], 0.5),
    ]
    rows = []
    for label, argv, base_label, base_argv, goal in pairs:
        child_cpu(argv, env)  # warm-up: the disk cache, and bytecode written once
        child_cpu(base_argv, env)
        ours, base = alternate(repeat, lambda a=argv: child_cpu(a, env),  # type: ignore[misc]
                               lambda b=base_argv: child_cpu(b, env))  # type: ignore[misc]
        rows.append(row(label, ours, base_label, base, goal))
    return rows


# -------------------------------------------------------------------------------- a dossier
def dossier(repeat: int, pdf_repeat: int) -> list[dict[str, Any]]:
    import weasyprint

    from bilan_core.components import RenderContext
    from bilan_core.config.pipeline import Overrides, load_pipeline
    from bilan_core.model import Audience
    from bilan_core.pipeline import for_audience, render_all, run_pipeline
    from bilan_core.plugins import PluginHost
    from bilan_core.report.html import render_page
    from bilan_core.report.text import blocks

    path = EXAMPLES / "reconversion-cpf" / "pipeline.toml"
    host = PluginHost(warn=lambda line: None).load()
    text_formats = Overrides(formats=("json", "md", "html"))
    all_formats = Overrides(formats=("json", "md", "html", "pdf"))

    def validate() -> object:
        return load_pipeline(path, host, text_formats)

    def whole(overrides: Overrides) -> Callable[[], object]:
        def run() -> object:
            blocks.cache_clear()  # each run parses its section bodies, as a new dossier would
            pipeline = load_pipeline(path, host, overrides)
            return render_all(run_pipeline(pipeline, host), pipeline.formats, host)
        return run

    whole(text_formats)()  # warm-up: first reads, compiled templates
    ours, base = alternate(repeat, timed(whole(text_formats)), timed(validate))
    rows = [row("one dossier to JSON, MD, HTML (in process)", ours,
                "loading and validating its pipeline", base, 3.0)]

    made = run_pipeline(validate(), host)  # type: ignore[arg-type]
    html = render_page(for_audience(made, Audience.BENEFICIARY),
                       RenderContext(audience="beneficiary", options={}))

    def weasyprint_alone() -> object:
        return weasyprint.HTML(string=html, base_url=None).write_pdf()

    weasyprint_alone()
    whole(all_formats)()
    ours, base = alternate(pdf_repeat, timed(whole(all_formats)), timed(weasyprint_alone))
    rows.append(row("one dossier with the PDF (in process)", ours,
                    "WeasyPrint alone, the same HTML", base, 1.25))
    return rows


# ------------------------------------------------------------------- scoring and matching
def computations(repeat: int, quick: bool) -> list[dict[str, Any]]:
    from matching import measure_matching
    from scoring import measure_alpha, measure_scoring

    rows = []
    found = measure_scoring(repeat=repeat, sets=500 if quick else 2000)
    rows.append(row(f"scoring a 60-item set (x{found.get('sets', '')})", found["ours_s"],
                    "plain Python loop, raw and T", found["baseline_s"], 2.0))
    found = measure_alpha(repeat=repeat, sets=100_000)
    rows.append(row("Cronbach's alpha, 100,000 sets", found["ours_s"], "plain numpy",
                    found["baseline_s"], 3.0))
    found = measure_matching(repeat=repeat, occupations=20_000)
    rows.append(row("matching 20,000 occupations", found["ours_s"],
                    "numpy congruence, then sort", found["baseline_s"], 5.0))
    return rows


# ------------------------------------------------------------------------------------ batch
def batch(dossiers: int) -> list[dict[str, Any]]:
    env = _environment()
    names = sorted(p.name for p in EXAMPLES.iterdir() if (p / "pipeline.toml").exists())
    with tempfile.TemporaryDirectory(prefix="bilan-bench-batch-") as scratch:
        root = Path(scratch)
        env["BILAN_DATA_DIR"] = str(root / "data")
        for n in range(dossiers):
            shutil.copytree(EXAMPLES / names[n % len(names)], root / "in" / f"d{n:03d}")
        walls = {}
        for jobs in (1, 2):
            out = root / f"out-{jobs}"
            started = time.perf_counter()
            done = subprocess.run([*_bilan(), "batch", str(root / "in"), "-o", str(out),
                                   "-j", str(jobs)], env=env, capture_output=True, text=True)
            walls[jobs] = time.perf_counter() - started
            if done.returncode != 0:
                raise SystemExit(f"run.py: bilan batch -j {jobs} failed: {done.stderr}")
    speedup = walls[1] / walls[2]
    return [{"measure": f"bilan batch, {dossiers} dossiers (every format), 2 jobs",
             "ours_ms": walls[2] * 1000, "baseline": "the same with 1 job",
             "baseline_ms": walls[1] * 1000, "ratio": speedup, "goal": ">=1.7x faster",
             "result": "PASS" if speedup >= 1.7 else "OVER"}]


def table(rows: list[dict[str, Any]]) -> str:
    header = ("measure", "ours ms", "baseline", "baseline ms", "ratio", "goal", "")
    cells = [header] + [(r["measure"], f"{r['ours_ms']:.2f}", r["baseline"],
                         f"{r['baseline_ms']:.2f}", f"{r['ratio']:.2f}", r["goal"],
                         r["result"]) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(header))]
    lines = []
    for n, line in enumerate(cells):
        lines.append("  ".join(c.ljust(w) if i in (0, 2, 5, 6) else c.rjust(w)
                               for i, (c, w) in enumerate(zip(line, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer runs and 30 dossiers: a minute or two, noisier figures")
    parser.add_argument("--dossiers", type=int, default=None,
                        help="dossiers in the batch (default 100; 30 with --quick)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    startup_runs, runs, pdf_runs = (7, 9, 3) if args.quick else (15, 21, 7)
    dossiers = args.dossiers or (30 if args.quick else 100)
    started = time.perf_counter()
    rows = startup(startup_runs)
    rows += dossier(runs, pdf_runs)
    rows += computations(3 if args.quick else 5, args.quick)
    rows += batch(dossiers)
    if args.json:
        print(json.dumps({"python": platform.python_version(), "platform": platform.platform(),
                          "processors": os.cpu_count(), "rows": rows}, indent=2))
        return 0
    print(f"bilan benchmarks: Python {platform.python_version()} on {platform.platform()},"
          f" {os.cpu_count()} processors; CPU-time medians (the batch: wall clock)")
    print(table(rows))
    print(f"({time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
