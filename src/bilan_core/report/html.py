"""The synthèse as one self-contained HTML file (Jinja2): inline CSS and SVG, print styles,
accessible headings, ``lang="fr"``. The PDF renderer (plugin bilan-pdf) prints this HTML.

Branding comes from the pipeline's ``[report]`` table, recorded in the dossier so that
``bilan report`` renders the same document later: logo (embedded), colour, provider name,
signature block, and a template of the provider's own that replaces this one.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from bilan_core._version import __version__
from bilan_core.components import RenderContext
from bilan_core.model import Audience, Dossier
from bilan_core.report import charts
from bilan_core.report.text import to_html
from bilan_core.steps._text import french_date

DEFAULT_COLOUR = "#1f5f8b"
CONFIDENTIAL = ("Document confidentiel : il appartient au bénéficiaire, seul destinataire des"
                " résultats détaillés ; il ne peut être communiqué à un tiers qu'avec son"
                " accord (Code du travail, art. L6313-4).")
CONFIDENTIAL_SHORT = "Document confidentiel — propriété du bénéficiaire (art. L6313-4)"


def _css_string(text: str) -> str:
    """Text safe inside a CSS string in a <style> element."""
    return (text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
            .replace("\n", " "))


def branding(dossier: Dossier) -> dict[str, Any]:
    """The provider's branding recorded in the dossier, with defaults."""
    recorded = dossier.extra.get("report", {})
    return {
        "colour": recorded.get("colour") or DEFAULT_COLOUR,
        "logo": recorded.get("logo"),
        "provider_name": recorded.get("provider_name") or dossier.provider.name,
        "signature": recorded.get("signature"),
        "template": recorded.get("template"),
    }


def render_html(dossier: Dossier, context: RenderContext) -> bytes:
    """The synthèse of one audience as HTML (UTF-8)."""
    import jinja2
    from markupsafe import Markup

    brand = branding(dossier)
    audience = Audience(context.audience)
    sections = dossier.synthesis.for_audience(audience) if dossier.synthesis else ()
    title = ("Document de synthèse" if audience is Audience.BENEFICIARY
             else "Notes de travail du consultant")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    if brand["template"]:
        template = environment.from_string(brand["template"])
    else:
        source = (resources.files("bilan_core.report") / "templates" / "synthese.html.j2")
        template = environment.from_string(source.read_text(encoding="utf-8"))
    shared_with = context.options.get("shared_with")
    html = template.render(
        version=__version__, title=title, audience=audience.value,
        colour=Markup(_css_string(brand["colour"])),
        provider_name=brand["provider_name"],
        logo=brand["logo"], signature=brand["signature"],
        beneficiary=dossier.beneficiary.id, date=french_date(dossier.reference_date),
        counsellor=dossier.provider.counsellor,
        confidential=CONFIDENTIAL,
        confidential_short=Markup(_css_string(CONFIDENTIAL_SHORT)),
        shared_with=shared_with,
        sections=[{"id": s.id, "title": s.title, "html": Markup(to_html(s.body)),
                   "chart": Markup(charts.render(s.chart, brand["colour"])) if s.chart
                   else None} for s in sections],
    )
    return html.encode("utf-8")
