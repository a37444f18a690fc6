"""What a rendered document may load: nothing but what it carries.

The HTML synthèse (and the PDF printed from it) is built from a template that staff may
replace and from a dossier that may come back from disk edited by anyone. Neither may make a
renderer read a file or reach the network, nor make a reader's browser run code. So every
rendered page is checked before it is written (:func:`check_html`):

- no element that loads or runs something (``script``, ``iframe``, ``object``, ``embed``,
  ``link``, ``base``, ``meta`` refresh...), no event-handler attribute, no attachment link;
- every URL, in an attribute or in CSS (``url()``, ``image-set()``, ``@import``), is a
  fragment (``#section``) or a ``data:`` URI of an image or a font; CSS is parsed with
  tinycss2, so escapes cannot hide a ``url(``;
- the page carries a Content-Security-Policy that forbids remote loads (:func:`with_csp`).

The PDF renderer adds a URL fetcher that refuses anything else (:class:`Refused`), as a
second lock. SVG logos are checked the same way before they are embedded (:func:`check_svg`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from bilan_core.i18n import N_, _

#: The policy every HTML synthèse carries: inline styles, images and fonts from data: URIs.
CSP = ("default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline';"
       " base-uri 'none'; form-action 'none'")

_DATA_URI = re.compile(
    r"^data:(image/(?:png|jpeg|gif|webp|svg\+xml)|font/(?:woff2?|ttf|otf)"
    r"|application/(?:font-woff2?|x-font-ttf|x-font-opentype))"
    r"(?:;charset=[\w-]+)?(?:;base64)?,", re.IGNORECASE)
_FORBIDDEN_ELEMENTS = {  # what each element is, marked for the catalog
    "script": N_("a script"), "iframe": N_("a frame"), "frame": N_("a frame"),
    "frameset": N_("a frame"), "object": N_("an embedded object"),
    "embed": N_("an embedded object"), "applet": N_("an applet"), "base": N_("a base URL"),
    "link": N_("a link to an external resource"), "portal": N_("a portal"),
    "form": N_("a form"), "noscript": N_("a noscript block"),
    "foreignobject": N_("an SVG foreign object"),
    # SVG animation can set an attribute (href, style) to a value no check has seen.
    "set": N_("an SVG animation"), "animate": N_("an SVG animation"),
    "animatemotion": N_("an SVG animation"), "animatetransform": N_("an SVG animation"),
    "animatecolor": N_("an SVG animation"), "discard": N_("an SVG animation"),
}
_URL_ATTRIBUTES = {
    "href", "src", "srcset", "xlink:href", "action", "formaction", "poster", "data",
    "background", "cite", "longdesc", "usemap", "manifest", "ping", "lowsrc", "dynsrc",
    "codebase", "archive", "profile", "icon", "srcdoc", "imagesrcset",
}


class UnsafeContent(ValueError):
    """Rendered content would load or run something; ``line`` is in the rendered text."""

    def __init__(self, message: str, line: int | None = None, snippet: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.snippet = snippet


def allowed_url(url: str) -> bool:
    """A fragment, or a ``data:`` URI of an image or a font."""
    value = url.strip()
    return value.startswith("#") or bool(_DATA_URI.match(value))


def _url_problem(url: str) -> str:
    value = url.strip()
    scheme = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*):", value)
    if scheme is None:
        return _("refers to the file {url!r}: documents carry their images, use"
                 " {call} for a file of the template's folder").format(
            url=_short(value), call="{{ asset('NAME') }}")
    name = scheme.group(1).lower()
    if name in ("http", "https", "ftp", "ws", "wss"):
        return _("refers to the network ({url!r}): documents load nothing remote").format(
            url=_short(value))
    if name == "file":
        return _("refers to a file ({url!r}): documents read no file").format(url=_short(value))
    if name == "data":
        return _("embeds data that is not an image or a font")
    return _("uses a URL scheme that is not allowed ({scheme}:)").format(scheme=name)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# ------------------------------------------------------------------------------ CSS
def css_problems(css: str, declarations: bool = False) -> Iterator[tuple[str, str]]:
    """``(problem, url)`` for every URL or import in a style sheet or a ``style`` attribute.

    A ``<`` is refused as well: CSS never needs one outside a string (where ``\\3c`` writes
    it), and a browser may read markup where a parser saw a style sheet (inside ``<svg>``).
    """
    import tinycss2

    if "<" in css:
        at = css.index("<")
        yield _("contains '<' (write \\3c in a CSS string)"), css[at:].split("\n")[0][:60]
        return
    if declarations:
        nodes: list[Any] = tinycss2.parse_blocks_contents(css)
    else:
        nodes = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    yield from _walk_css(nodes)


def _walk_css(nodes: list[Any]) -> Iterator[tuple[str, str]]:
    for node in nodes:
        kind = getattr(node, "type", "")
        if kind == "at-rule":
            if node.lower_at_keyword == "import":
                yield _("imports a style sheet (@import)"), "@import"
            yield from _walk_css(node.prelude or [])
            yield from _walk_css(node.content or [])
        elif kind in ("qualified-rule",):
            yield from _walk_css(node.prelude or [])
            yield from _walk_css(node.content or [])
        elif kind == "declaration":
            yield from _walk_css(node.value or [])
        elif kind == "url":
            if not allowed_url(node.value):
                yield _url_problem(node.value), node.value
        elif kind == "function":
            name = node.lower_name
            if name in ("url", "src") or name.endswith("image-set") or name == "image":
                for arg in node.arguments:
                    if getattr(arg, "type", "") == "string" and not allowed_url(arg.value):
                        yield _url_problem(arg.value), arg.value
            yield from _walk_css(node.arguments or [])
        elif kind in ("() block", "[] block", "{} block"):
            yield from _walk_css(node.content or [])


# ------------------------------------------------------------------------------ HTML
def _local(name: str) -> str:
    """``{namespace}name`` -> ``name``, lower-cased (the parser keeps SVG's camelCase)."""
    return name.rsplit("}", 1)[-1].lower()


def _check_element(tag: str, attributes: dict[str, str]) -> None:
    """Raise :class:`UnsafeContent` for an element that would load or run something."""
    if tag in _FORBIDDEN_ELEMENTS:
        raise UnsafeContent(_("<{tag}> is not allowed: {what} would load or run something")
                            .format(tag=tag, what=_(_FORBIDDEN_ELEMENTS[tag])),
                            snippet=f"<{tag}")
    if tag == "meta" and attributes.get("http-equiv", "").lower() not in (
            "", "content-type", "content-security-policy"):
        raise UnsafeContent(_("<meta http-equiv={value!r}> is not allowed").format(
            value=attributes["http-equiv"]), snippet="http-equiv")
    for name, value in attributes.items():
        if name.startswith("on"):
            raise UnsafeContent(_("the attribute {name!r} would run a script").format(name=name),
                                snippet=name)
        if name == "rel" and "attachment" in value.lower().split():
            raise UnsafeContent(_("attachment links (rel=\"attachment\") are not allowed"),
                                snippet=value)
        if name in _URL_ATTRIBUTES:
            urls = ([part.strip().split(" ")[0] for part in value.split(",")]
                    if name.endswith("srcset") else [value])
            for url in urls:
                if not allowed_url(url):
                    raise UnsafeContent(_("<{tag} {name}> {problem}").format(
                        tag=tag, name=name, problem=_url_problem(url)), snippet=url)
        elif name == "style":
            for problem, url in css_problems(value, declarations=True):
                raise UnsafeContent(_("a style attribute {problem}").format(problem=problem),
                                    snippet=url)
        elif "url(" in value.lower() or "\\" in value:
            for problem, url in css_problems(f"x{{p:{value}}}"):
                raise UnsafeContent(_("the attribute {name!r} {problem}").format(
                    name=name, problem=problem), snippet=url)


def check_tree(root: Any) -> None:
    """Check a parsed document (an ElementTree, HTML or SVG): every element, attribute and
    style sheet. Comments are inert in a tree and need no check."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # a comment or a processing instruction
        tag = _local(element.tag)
        _check_element(tag, {_local(k): v or "" for k, v in element.attrib.items()})
        if tag == "style":
            css = "".join(element.itertext())
            for problem, url in css_problems(css):
                raise UnsafeContent(_("a style sheet {problem}").format(problem=problem),
                                    snippet=url)


def parse_html(html: str) -> Any:
    """The document tree a browser (and WeasyPrint) builds: HTML5 parsing, with tinyhtml5."""
    import tinyhtml5

    return tinyhtml5.parse(html)


def check_html(html: str) -> None:
    """Raise :class:`UnsafeContent` if the page would load a URL or run a script, or if its
    Content-Security-Policy is not the first element of its ``<head>``.

    The page is parsed as a browser parses it (HTML5 parsing rules, with tinyhtml5, the parser
    WeasyPrint uses), so comments, ``<![CDATA[`` and malformed markup cannot hide an element
    from the check.
    """
    root = parse_html(html)
    check_tree(root)
    head = next((el for el in root if isinstance(el.tag, str) and _local(el.tag) == "head"),
                None)
    first = next((el for el in head if isinstance(el.tag, str)), None) if head is not None \
        else None
    if (first is None or _local(first.tag) != "meta"
            or first.attrib.get("http-equiv", "").lower() != "content-security-policy"
            or first.attrib.get("content") != CSP):
        raise UnsafeContent(_("bilan cannot put its Content-Security-Policy first in the"
                              " document's <head>: start the template with <!doctype html>,"
                              " <html> and <head>, with nothing before them"))


_PREFIX = re.compile(r"\A\s*(?:<!doctype[^>]*>\s*)?(?:<html(?:\s[^>]*)?>\s*)?"
                     r"(?:<head(?:\s[^>]*)?>)?", re.IGNORECASE)


def with_csp(html: str) -> str:
    """The page with the Content-Security-Policy ``<meta>`` first in its ``<head>``.

    The meta goes after the doctype, ``<html>`` and ``<head>`` tags only when they open the
    document (nothing before them could be a comment hiding them); :func:`check_html`
    checks that it ended up first in the parsed ``<head>``.
    """
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    at = _PREFIX.match(html)
    end = at.end() if at is not None else 0
    return html[:end] + ("\n" if end else "") + meta + html[end:]


# ------------------------------------------------------------------------------ SVG
def check_svg(data: bytes) -> None:
    """Raise :class:`UnsafeContent` unless an SVG image is self-contained and inert: no
    DOCTYPE or entity anywhere (no external entity, no entity expansion), well-formed, and
    every element, attribute and style sheet passing the checks of a page."""
    import xml.etree.ElementTree as ElementTree

    lowered = data.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise UnsafeContent(_("the SVG declares a DOCTYPE or entities, which are not allowed"))
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise UnsafeContent(_("the SVG is not well-formed XML ({error})").format(error=exc)
                            ) from None
    if _local(str(root.tag)) != "svg":
        raise UnsafeContent(_("the file is not an SVG image (its root element is not <svg>)"))
    try:
        check_tree(root)
    except UnsafeContent as exc:
        raise UnsafeContent(_("the SVG: {problem}").format(problem=exc.message),
                            snippet=exc.snippet) from None
