"""HTML to PDF with WeasyPrint, loading nothing but what the page carries.

Every PDF the project prints (the synthèse of the ``pdf`` renderer, the provider's evidence
documents) goes through :func:`pdf_from_html`. WeasyPrint is given a URL fetcher that refuses
every URL but a ``data:`` image or font, and stops the rendering on the first refusal: nothing
in a template or in a dossier can make the renderer read a file, reach the network or attach a
file to the PDF.

WeasyPrint is imported only when a PDF is printed; it comes with the ``bilan-pdf`` plugin.
"""

from __future__ import annotations

from typing import Any

from bilan_core.errors import RunError
from bilan_core.i18n import _


def url_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches ``data:`` images and fonts, and refuses, stopping
    the rendering, any other URL (:func:`bilan_core.report.safety.allowed_url`)."""
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


def pdf_from_html(html: str) -> bytes:
    """Print ``html`` (a whole page, its ``@page`` rules included) to PDF.

    Raises :class:`~bilan_core.errors.RunError` when the page refers to anything but an
    embedded image or font, or when WeasyPrint is not installed. Any other exception is
    WeasyPrint's: the caller knows whether the page was its own (a bug) or a provider's.
    """
    try:
        # Imported here: importing the project stays cheap. WeasyPrint has no type hints.
        import weasyprint
        from weasyprint.urls import FatalURLFetchingError
    except ImportError:
        raise RunError(_("printing a PDF needs WeasyPrint: install the bilan-pdf plugin"
                         " (pip install bilan-pdf)")) from None
    try:
        document = weasyprint.HTML(string=html, base_url=None, url_fetcher=url_fetcher())
        pdf: bytes = document.write_pdf()
    except FatalURLFetchingError as exc:
        raise RunError(f"PDF: {exc.__cause__ or exc}") from None
    return pdf
