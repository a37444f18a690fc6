"""Measure the wall-clock startup time of the ``bilan`` command line.

Runs each command as a fresh subprocess of the current interpreter (``sys.executable``), after
one untimed warm-up run, and reports min / median / max in milliseconds. ``import click`` is the
baseline: the command line imports click and nothing else before it dispatches, so the ratio of
each ``bilan`` median to the ``import click`` median shows what bilan adds on top.

    python benchmarks/startup.py [--repeat N] [--json]

This script only reports figures; it never asserts on them.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time

#: (label, argv) of every command measured, in the order they are reported.
COMMANDS: list[tuple[str, list[str]]] = [
    ("python -c pass", [sys.executable, "-c", "pass"]),
    ("python -c 'import click'", [sys.executable, "-c", "import click"]),
    ("bilan --version", [sys.executable, "-m", "bilan_core", "--version"]),
    ("bilan plugins", [sys.executable, "-m", "bilan_core", "plugins"]),
]
BASELINE = "python -c 'import click'"


def run_once(argv: list[str]) -> float:
    """Run a command once and return its wall-clock time in milliseconds."""
    start = time.perf_counter()
    completed = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = (time.perf_counter() - start) * 1000
    if completed.returncode != 0:
        detail = completed.stderr.decode(errors="replace").strip()
        raise SystemExit(f"startup.py: {' '.join(argv[1:])} exited with"
                         f" {completed.returncode}: {detail}")
    return elapsed


def measure(argv: list[str], repeat: int) -> list[float]:
    """One warm-up run (not counted), then ``repeat`` timed runs."""
    run_once(argv)
    return [run_once(argv) for _ in range(repeat)]


def summarise(times: dict[str, list[float]]) -> dict[str, dict[str, float | None]]:
    """min / median / max of each command, and its median over the baseline's for bilan."""
    baseline = statistics.median(times[BASELINE])
    out: dict[str, dict[str, float | None]] = {}
    for label, samples in times.items():
        median = statistics.median(samples)
        out[label] = {
            "min_ms": round(min(samples), 2),
            "median_ms": round(median, 2),
            "max_ms": round(max(samples), 2),
            "ratio_to_click": round(median / baseline, 2) if label.startswith("bilan") else None,
        }
    return out


def table(summary: dict[str, dict[str, float | None]]) -> str:
    """The figures as an aligned text table."""
    header = ("command", "min ms", "median ms", "max ms", "x click")
    rows = [header]
    for label, figures in summary.items():
        ratio = figures["ratio_to_click"]
        rows.append((label, f"{figures['min_ms']:.1f}", f"{figures['median_ms']:.1f}",
                     f"{figures['max_ms']:.1f}", f"{ratio:.2f}" if ratio is not None else "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=15, metavar="N",
                        help="timed runs per command, after one warm-up run (default: 15)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")

    times = {label: measure(command, args.repeat) for label, command in COMMANDS}
    summary = summarise(times)
    if args.json:
        print(json.dumps({
            "python": platform.python_version(),
            "executable": sys.executable,
            "platform": platform.platform(),
            "repeat": args.repeat,
            "baseline": BASELINE,
            "commands": summary,
        }, indent=2))
    else:
        print(f"Python {platform.python_version()} on {platform.platform()},"
              f" {args.repeat} runs each after one warm-up")
        print(table(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
