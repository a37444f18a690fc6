"""Built-in renderers of the synthèse: versioned JSON and Markdown.

Both render only the sections of the context's audience (the beneficiary's document by default).
"""

from __future__ import annotations

import json

from bilan_core.components import RenderContext, Renderer
from bilan_core.markers import hookimpl
from bilan_core.model import Audience, Dossier
from bilan_core.steps._text import french_date

SYNTHESIS_FORMAT = "bilan-synthese"
SYNTHESIS_FORMAT_VERSION = 1
CONFIDENTIAL = ("Document confidentiel : il appartient au bénéficiaire et ne peut être"
                " communiqué à un tiers qu'avec son accord.")


def _sections(dossier: Dossier, context: RenderContext):  # type: ignore[no-untyped-def]
    if dossier.synthesis is None:
        return ()
    return dossier.synthesis.for_audience(Audience(context.audience))


def render_json(dossier: Dossier, context: RenderContext) -> bytes:
    """The synthèse as versioned JSON."""
    document = {
        "format": SYNTHESIS_FORMAT,
        "format_version": SYNTHESIS_FORMAT_VERSION,
        "dossier": dossier.id,
        "beneficiary": dossier.beneficiary.id,
        "reference_date": dossier.reference_date.isoformat(),
        "audience": context.audience,
        "sections": [
            {"id": s.id, "title": s.title, "body": s.body, "source": s.source}
            for s in _sections(dossier, context)
        ],
        "confidentiality": CONFIDENTIAL,
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def render_markdown(dossier: Dossier, context: RenderContext) -> bytes:
    """The synthèse as Markdown, one ``##`` heading per section."""
    lines = [
        "# Document de synthèse",
        "",
        f"*Bilan de compétences — {dossier.provider.name} —"
        f" {french_date(dossier.reference_date)}*",
        "",
    ]
    for section in _sections(dossier, context):
        lines += [f"## {section.title}", "", section.body.strip(), ""]
    lines += ["---", "", f"*{CONFIDENTIAL}*", ""]
    return "\n".join(lines).encode("utf-8")


@hookimpl
def register_renderers(register):  # type: ignore[no-untyped-def]
    register(Renderer(format="json", extension="json", media_type="application/json",
                      render=render_json, description="synthèse en JSON versionné"))
    register(Renderer(format="md", extension="md", media_type="text/markdown",
                      render=render_markdown, description="synthèse en Markdown"))
