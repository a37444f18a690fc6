"""The synthèse as one self-contained HTML file (Jinja2): inline CSS and SVG, print styles,
accessible headings, ``lang="fr"``. The PDF renderer (plugin bilan-pdf) prints this HTML.

Branding comes from the dossier (:class:`~bilan_core.model.Branding`, recorded from the
pipeline's ``[report]`` table) so that ``bilan report`` renders the same document later: logo
(embedded), colour, provider name, signature block, and a template of the provider's own that
replaces the core's. Every template runs in Jinja2's sandbox
(:mod:`bilan_core.report.templating`), and every page is checked to load nothing and run
nothing before it is returned (:mod:`bilan_core.report.safety`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bilan_core._version import __version__
from bilan_core.components import RenderContext
from bilan_core.errors import ConfigError, Location, RunError
from bilan_core.i18n import _
from bilan_core.model import Audience, Dossier
from bilan_core.report import charts
from bilan_core.report.text import to_html
from bilan_core.steps._text import french_date

DEFAULT_COLOUR = "#1f5f8b"
CONFIDENTIAL = ("Document confidentiel : il appartient au bénéficiaire, seul destinataire des"
                " résultats détaillés ; il ne peut être communiqué à un tiers qu'avec son"
                " accord (Code du travail, art. L6313-4).")
CONFIDENTIAL_SHORT = "Document confidentiel — propriété du bénéficiaire (art. L6313-4)"


def template_error(message: str, name: str, line: int | None, builtin: bool) -> Exception:
    """A template's failure: a located error for a provider's template, a run error for the
    core's own (which only a bug can make fail)."""
    if builtin:
        return RunError(f"{name}:{line or '?'}: {message}")
    return ConfigError(message, Location(file=Path(name), line=line))


def render_page(dossier: Dossier, context: RenderContext) -> str:
    """The synthèse of one audience as checked HTML text."""
    from markupsafe import Markup

    from bilan_core.report import safety, templating

    brand = dossier.branding
    colour = brand.colour or DEFAULT_COLOUR
    builtin = brand.template is None
    try:
        template, name, source = templating.get(brand.template, brand.template_name)
    except templating.TemplateProblem as exc:
        raise template_error(exc.message, exc.name, exc.line, builtin) from None
    audience = Audience(context.audience)
    sections = dossier.synthesis.for_audience(audience) if dossier.synthesis else ()
    title = ("Document de synthèse" if audience is Audience.BENEFICIARY
             else "Notes de travail du consultant")

    def asset(file_name: str) -> Any:
        uri = brand.assets.get(file_name)
        if uri is None:
            raise ValueError(_("no file {name!r} was embedded with this template").format(
                name=file_name))
        return Markup(uri)

    try:
        html = templating.render(
            template, name,
            version=__version__, title=title, audience=audience.value,
            colour=colour,
            provider_name=brand.provider_name or dossier.provider.name,
            logo=brand.logo, signature=brand.signature,
            beneficiary=dossier.beneficiary.id, date=french_date(dossier.reference_date),
            counsellor=dossier.provider.counsellor,
            confidential=CONFIDENTIAL,
            confidential_short=CONFIDENTIAL_SHORT,
            shared_with=context.options.get("shared_with"),
            asset=asset,
            sections=[{"id": s.id, "title": s.title, "html": Markup(to_html(s.body)),
                       "chart": Markup(charts.render(s.chart, colour)) if s.chart else None}
                      for s in sections],
        )
    except templating.TemplateProblem as exc:
        raise template_error(exc.message, exc.name, exc.line, builtin) from None
    html = safety.with_csp(html)
    if builtin:
        # The core's template is code, and everything it prints is escaped: no markup of a
        # dossier's can reach the page, so there is nothing to check.
        return html
    try:
        safety.check_html(html)
    except safety.UnsafeContent as exc:
        line = templating.line_of(source, exc.snippet)
        raise template_error(_("refused: {problem}").format(problem=exc.message), name, line,
                             builtin) from None
    return html


def render_html(dossier: Dossier, context: RenderContext) -> bytes:
    """The synthèse of one audience as HTML (UTF-8)."""
    return render_page(dossier, context).encode("utf-8")
