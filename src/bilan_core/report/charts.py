"""Charts of the synthèse as inline SVG: accessible (a title and a description), French,
self-contained (no script, no external font), printable.

Each function takes the data a report section carries in its ``chart`` and returns SVG text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from bilan_core import riasec

INK = "#1d2733"
GRID = "#c9d1da"
MUTED = "#5b6773"


def _fr(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


def _svg(width: int, height: int, title: str, description: str, body: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
            f' width="{width}" height="{height}" role="img" class="chart"'
            f' aria-labelledby="t d"><title>{escape(title)}</title>'
            f'<desc>{escape(description)}</desc>{body}</svg>')


def riasec_hexagon(scores: Mapping[str, float], maximum: float, code: str,
                   colour: str = "#1f5f8b") -> str:
    """The six RIASEC scores on Holland's hexagon, the code in the middle."""
    width, cx, cy, radius = 560, 280, 175, 115
    points, axes, labels = [], [], []
    for i, letter in enumerate(riasec.TYPES):
        angle = math.radians(-90 + 60 * i)
        x, y = cx + radius * math.cos(angle), cy + radius * math.sin(angle)
        axes.append(f'<line x1="{cx}" y1="{cy}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}"/>')
        share = max(0.0, min(1.0, scores.get(letter, 0) / maximum)) if maximum else 0.0
        points.append(f"{cx + radius * share * math.cos(angle):.1f},"
                      f"{cy + radius * share * math.sin(angle):.1f}")
        lx, ly = cx + (radius + 30) * math.cos(angle), cy + (radius + 24) * math.sin(angle)
        anchor = "middle" if abs(lx - cx) < 5 else ("start" if lx > cx else "end")
        labels.append(f'<text x="{lx:.1f}" y="{ly:.1f}" text-anchor="{anchor}" font-size="13"'
                      f' fill="{INK}"><tspan font-weight="bold">{letter}</tspan>'
                      f' {escape(riasec.NAMES[letter])} ({_fr(scores.get(letter, 0), 0)})'
                      '</text>')
    rings = "".join(
        '<polygon fill="none" stroke="{}" points="{}"/>'.format(GRID, " ".join(
            f"{cx + radius * k / 4 * math.cos(math.radians(-90 + 60 * i)):.1f},"
            f"{cy + radius * k / 4 * math.sin(math.radians(-90 + 60 * i)):.1f}"
            for i in range(6))) for k in (1, 2, 3, 4))
    body = (rings + "".join(axes)
            + f'<polygon points="{" ".join(points)}" fill="{colour}" fill-opacity="0.25"'
              f' stroke="{colour}" stroke-width="2"/>' + "".join(labels)
            + f'<text x="{cx}" y="{cy + 6}" text-anchor="middle" font-size="20"'
              f' font-weight="bold" fill="{INK}">{escape(code)}</text>')
    listing = ", ".join(f"{riasec.NAMES[t]} {_fr(scores.get(t, 0), 0)}"
                        for t in riasec.TYPES)
    return _svg(width, 350, f"Hexagone RIASEC, code {code}",
                f"Scores d'intérêts sur {_fr(maximum, 0)} : {listing}.", body)


def t_profile(rows: Sequence[tuple[str, float, str]], colour: str = "#1f5f8b") -> str:
    """Scale scores on the T scale (20 to 80) with the usual bands shaded."""
    width, left, right, top, step = 640, 210, 40, 34, 34
    height = top + step * len(rows) + 28
    span = width - left - right

    def x(t: float) -> float:
        return left + span * (max(20.0, min(80.0, t)) - 20) / 60

    body = [f'<rect x="{x(20):.1f}" y="{top - 8}" width="{x(40) - x(20):.1f}"'
            f' height="{step * len(rows)}" fill="#eef2f6"/>',
            f'<rect x="{x(60):.1f}" y="{top - 8}" width="{x(80) - x(60):.1f}"'
            f' height="{step * len(rows)}" fill="#eef2f6"/>']
    for tick in (20, 30, 40, 50, 60, 70, 80):
        body.append(f'<line x1="{x(tick):.1f}" y1="{top - 8}" x2="{x(tick):.1f}"'
                    f' y2="{top - 8 + step * len(rows)}" stroke="{GRID}"/>'
                    f'<text x="{x(tick):.1f}" y="{top - 14}" text-anchor="middle"'
                    f' font-size="11" fill="{MUTED}">{tick}</text>')
    for i, (name, t, band) in enumerate(rows):
        y = top + step * i + 10
        body.append(f'<text x="{left - 10}" y="{y + 4}" text-anchor="end" font-size="13"'
                    f' fill="{INK}">{escape(name)}</text>'
                    f'<line x1="{x(50):.1f}" y1="{y}" x2="{x(t):.1f}" y2="{y}"'
                    f' stroke="{colour}" stroke-width="6"/>'
                    f'<circle cx="{x(t):.1f}" cy="{y}" r="6" fill="{colour}"/>'
                    f'<text x="{x(t) + (10 if t >= 50 else -10):.1f}" y="{y - 9}"'
                    f' text-anchor="{"start" if t >= 50 else "end"}" font-size="11"'
                    f' fill="{MUTED}">{_fr(t, 0)} · {escape(band)}</text>')
    body.append(f'<text x="{x(30):.1f}" y="{height - 6}" text-anchor="middle" font-size="11"'
                f' fill="{MUTED}">plutôt bas</text><text x="{x(50):.1f}" y="{height - 6}"'
                f' text-anchor="middle" font-size="11" fill="{MUTED}">dans la moyenne</text>'
                f'<text x="{x(70):.1f}" y="{height - 6}" text-anchor="middle" font-size="11"'
                f' fill="{MUTED}">plutôt élevé</text>')
    listing = ", ".join(f"{n} T {_fr(t, 0)} ({b})" for n, t, b in rows)
    return _svg(width, height, "Profil en notes T",
                f"Notes T (moyenne 50, écart type 10) : {listing}.", "".join(body))


def ranking(rows: Sequence[tuple[str, float]], low: float, high: float,
            colour: str = "#1f5f8b") -> str:
    """Scores as bars, highest first, on the response scale (``low`` to ``high``)."""
    ordered = sorted(rows, key=lambda r: -r[1])
    width, left, right, top, step = 680, 330, 50, 12, 26
    height = top + step * len(ordered) + 8
    span = width - left - right
    body = []
    for i, (name, value) in enumerate(ordered):
        y = top + step * i
        share = (value - low) / (high - low) if high > low else 0
        body.append(f'<text x="{left - 10}" y="{y + 14}" text-anchor="end" font-size="13"'
                    f' fill="{INK}">{escape(name)}</text>'
                    f'<rect x="{left}" y="{y + 3}" width="{span}" height="14" fill="#eef2f6"/>'
                    f'<rect x="{left}" y="{y + 3}" width="{span * max(0, min(1, share)):.1f}"'
                    f' height="14" fill="{colour}"/>'
                    f'<text x="{left + span + 8}" y="{y + 14}" font-size="12"'
                    f' fill="{MUTED}">{_fr(value)}</text>')
    listing = ", ".join(f"{n} {_fr(v)}" for n, v in ordered)
    return _svg(width, height, "Classement",
                f"Moyennes de {_fr(low, 0)} à {_fr(high, 0)}, de la plus haute à la plus basse :"
                f" {listing}.", "".join(body))


def render(chart: Mapping[str, Any], colour: str) -> str:
    """The SVG of a section's chart data."""
    kind = chart.get("kind")
    if kind == "riasec":
        return riasec_hexagon(chart["scores"], chart["max"], chart["code"], colour)
    if kind == "t_profile":
        return t_profile([(str(r[0]), float(r[1]), str(r[2])) for r in chart["rows"]], colour)
    if kind == "ranking":
        return ranking([(str(r[0]), float(r[1])) for r in chart["rows"]], chart["low"],
                       chart["high"], colour)
    return ""
