"""Built-in renderers of the synthèse: versioned JSON and Markdown.

Both render only the sections of the context's audience (the beneficiary's document by default).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bilan_core import jsontext
from bilan_core.components import RenderContext, Renderer
from bilan_core.markers import hookimpl
from bilan_core.model import Audience
from bilan_core.report.text import md_escape, to_markdown
from bilan_core.steps._text import french_date

if TYPE_CHECKING:
    from bilan_core.model import Dossier

SYNTHESIS_FORMAT = "bilan-synthese"
SYNTHESIS_FORMAT_VERSION = 1
#: The JSON Schema of this format, shipped as bilan_core/report/synthese.schema.json.
SCHEMA_ID = "https://bilan.invalid/schemas/synthese-1.json"
CONFIDENTIAL = ("Document confidentiel : il appartient au bénéficiaire et ne peut être"
                " communiqué à un tiers qu'avec son accord.")


def _sections(dossier: Dossier, context: RenderContext):  # type: ignore[no-untyped-def]
    if dossier.synthesis is None:
        return ()
    return dossier.synthesis.for_audience(Audience(context.audience))


def render_json(dossier: Dossier, context: RenderContext) -> bytes:
    """The synthèse as versioned JSON."""
    document = {
        "$schema": SCHEMA_ID,
        "format": SYNTHESIS_FORMAT,
        "format_version": SYNTHESIS_FORMAT_VERSION,
        "dossier": dossier.id,
        "beneficiary": dossier.beneficiary.id,
        "reference_date": dossier.reference_date.isoformat(),
        "audience": context.audience,
        "shared_with": context.options.get("shared_with"),
        "sections": [
            {"id": s.id, "title": s.title, "body": s.body, "source": s.source,
             "order": s.order, "chart": s.chart}
            for s in _sections(dossier, context)
        ],
        "confidentiality": CONFIDENTIAL,
    }
    return jsontext.dumps(document, levels=2).encode("utf-8")


def _chart_table(chart: dict[str, Any]) -> str:
    """A chart as a Markdown table, for readers without images."""
    kind = chart.get("kind")
    if kind == "riasec":
        rows = [(letter, f"{chart['scores'].get(letter, 0):g}") for letter in "RIASEC"]
        head = ("Type", f"Score (sur {chart['max']:g})")
    elif kind == "t_profile":
        rows = [(str(r[0]), f"{r[1]:.0f} ({r[2]})") for r in chart["rows"]]
        head = ("Échelle", "Note T")
    elif kind == "ranking":
        rows = [(str(r[0]), f"{r[1]:.1f}".replace(".", ","))
                for r in sorted(chart["rows"], key=lambda r: -r[1])]
        head = ("Échelle", f"Moyenne ({chart['low']:g} à {chart['high']:g})")
    else:
        return ""
    lines = [f"| {md_escape(head[0])} | {md_escape(head[1])} |", "|---|---|"]
    lines += [f"| {md_escape(a)} | {md_escape(b)} |" for a, b in rows]
    return "\n".join(lines)


def render_markdown(dossier: Dossier, context: RenderContext) -> bytes:
    """The synthèse as Markdown, one ``##`` heading per section.

    Every text that is not the renderer's own is escaped (:func:`md_escape`), so names,
    answers and notes print as typed and make no heading, link, image, HTML or quotation.
    """
    audience = Audience(context.audience)
    title = ("Document de synthèse" if audience is Audience.BENEFICIARY
             else "Notes de travail du consultant")
    provider = dossier.branding.provider_name or dossier.provider.name
    lines = [
        f"# {title}",
        "",
        f"*Bilan de compétences — {md_escape(provider)} —"
        f" {french_date(dossier.reference_date)}*",
        "",
    ]
    if context.options.get("shared_with"):
        lines += [f"> {md_escape(context.options['shared_with'])}", ""]
    for section in _sections(dossier, context):
        lines += [f"## {md_escape(section.title)}", ""]
        if section.chart:
            lines += [_chart_table(section.chart), ""]
        lines += [to_markdown(section.body), ""]
    lines += ["---", "", f"*{CONFIDENTIAL}*", ""]
    return "\n".join(lines).encode("utf-8")


def render_html(dossier: Dossier, context: RenderContext) -> bytes:
    """The synthèse as one self-contained HTML file."""
    from bilan_core.report.html import render_html as render

    return render(dossier, context)


@hookimpl
def register_renderers(register):  # type: ignore[no-untyped-def]
    register(Renderer(format="html", extension="html", media_type="text/html",
                      render=render_html, description="synthèse en HTML autonome"))
    register(Renderer(format="json", extension="json", media_type="application/json",
                      render=render_json, description="synthèse en JSON versionné"))
    register(Renderer(format="md", extension="md", media_type="text/markdown",
                      render=render_markdown, description="synthèse en Markdown"))
