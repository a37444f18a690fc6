"""The ``pdf`` renderer: A4, page numbers and the confidentiality notice on every page (the
``@page`` rules of the core's HTML template), fonts embedded.

The PDF is printed from the checked HTML of the core (which loads nothing) by
:func:`bilan_core.report.pdf.pdf_from_html`, whose URL fetcher refuses every URL but a
``data:`` image or font: a second lock, so that nothing in a template or a dossier can make
the renderer read a file, reach the network or attach a file to the PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bilan_core import hookimpl
from bilan_core.components import RenderContext, Renderer
from bilan_core.errors import ConfigError, Location, RunError, describe
from bilan_core.report.pdf import pdf_from_html, url_fetcher

if TYPE_CHECKING:
    from bilan_core.model import Dossier


#: The data-only URL fetcher, under the name this module has always given it.
_fetcher = url_fetcher


def render_pdf(dossier: Dossier, context: RenderContext) -> bytes:
    """Print the HTML synthèse to PDF."""
    from bilan_core.report.html import render_page

    html = render_page(dossier, context)
    try:
        return pdf_from_html(html)
    except RunError:
        raise  # a refused URL, or WeasyPrint missing
    except Exception as exc:
        name = dossier.branding.template_name
        if dossier.branding.template is None or name is None:
            raise  # the core's template: a bug, reported by the host naming this plugin
        # A provider's template that WeasyPrint cannot print is the template's problem.
        raise ConfigError(f"the PDF renderer cannot print this template ({describe(exc)})",
                          Location(file=Path(name))) from None


@hookimpl
def register_renderers(register):  # type: ignore[no-untyped-def]
    register(Renderer(format="pdf", extension="pdf", media_type="application/pdf",
                      render=render_pdf, description="synthèse en PDF A4 (WeasyPrint)"))
