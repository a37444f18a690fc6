"""The ``pdf`` renderer: A4, page numbers and the confidentiality notice on every page (the
``@page`` rules of the core's HTML template), fonts embedded.

The PDF is printed from the checked HTML of the core (which loads nothing), and WeasyPrint is
given a URL fetcher that refuses every URL but a ``data:`` image or font: a second lock, so
that nothing in a template or a dossier can make the renderer read a file, reach the network
or attach a file to the PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from bilan_core import hookimpl
from bilan_core.components import RenderContext, Renderer
from bilan_core.errors import ConfigError, Location, RunError, describe

if TYPE_CHECKING:
    from bilan_core.model import Dossier


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    from bilan_core.report.safety import allowed_url

    class DataOnly(URLFetcher):  # type: ignore[misc]
        """Fetches ``data:`` images and fonts; refuses, and stops the rendering on, any other
        URL."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=("data",), allow_redirects=False,
                             fail_on_errors=True)

        def fetch(self, url: str, headers: Any = None) -> Any:
            if not allowed_url(url):
                raise PermissionError(f"the PDF renderer loads no URL but embedded images:"
                                      f" refused {url[:80]!r}")
            return super().fetch(url, headers)

    return DataOnly()


def render_pdf(dossier: Dossier, context: RenderContext) -> bytes:
    """Print the HTML synthèse to PDF."""
    import weasyprint  # imported here: loading the plugin stays cheap
    from weasyprint.urls import FatalURLFetchingError

    from bilan_core.report.html import render_page

    html = render_page(dossier, context)
    try:
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=_fetcher())
        pdf: bytes = document.write_pdf()
    except FatalURLFetchingError as exc:
        raise RunError(f"PDF: {exc.__cause__ or exc}") from None
    except Exception as exc:
        name = dossier.branding.template_name
        if dossier.branding.template is None or name is None:
            raise  # the core's template: a bug, reported by the host naming this plugin
        # A provider's template that WeasyPrint cannot print is the template's problem.
        raise ConfigError(f"the PDF renderer cannot print this template ({describe(exc)})",
                          Location(file=Path(name))) from None
    return pdf


@hookimpl
def register_renderers(register):  # type: ignore[no-untyped-def]
    register(Renderer(format="pdf", extension="pdf", media_type="application/pdf",
                      render=render_pdf, description="synthèse en PDF A4 (WeasyPrint)"))
