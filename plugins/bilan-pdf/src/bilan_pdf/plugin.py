"""The ``pdf`` renderer: A4, page numbers and the confidentiality notice on every page (the
``@page`` rules of the core's HTML template), fonts embedded."""

from __future__ import annotations

from bilan_core import hookimpl
from bilan_core.components import RenderContext, Renderer
from bilan_core.model import Dossier
from bilan_core.report.html import render_html


def render_pdf(dossier: Dossier, context: RenderContext) -> bytes:
    """Print the HTML synthèse to PDF."""
    import weasyprint  # imported here: loading the plugin stays cheap

    html = render_html(dossier, context).decode("utf-8")
    document = weasyprint.HTML(string=html, base_url=None)
    pdf: bytes = document.write_pdf()
    return pdf


@hookimpl
def register_renderers(register):  # type: ignore[no-untyped-def]
    register(Renderer(format="pdf", extension="pdf", media_type="application/pdf",
                      render=render_pdf, description="synthèse en PDF A4 (WeasyPrint)"))
