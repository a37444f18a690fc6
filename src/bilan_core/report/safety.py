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
from html.parser import HTMLParser
from typing import Any

#: The policy every HTML synthèse carries: inline styles, images and fonts from data: URIs.
CSP = ("default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline';"
       " base-uri 'none'; form-action 'none'")

_DATA_URI = re.compile(
    r"^data:(image/(?:png|jpeg|gif|webp|svg\+xml)|font/(?:woff2?|ttf|otf)"
    r"|application/(?:font-woff2?|x-font-ttf|x-font-opentype))"
    r"(?:;charset=[\w-]+)?(?:;base64)?,", re.IGNORECASE)
_FORBIDDEN_ELEMENTS = {
    "script": "a script", "iframe": "a frame", "frame": "a frame", "frameset": "a frame",
    "object": "an embedded object", "embed": "an embedded object", "applet": "an applet",
    "base": "a base URL", "link": "a link to an external resource",
    "portal": "a portal", "form": "a form", "noscript": "a noscript block",
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
        return (f"refers to the file {_short(value)!r}: documents carry their images, use"
                " {{ asset('NAME') }} for a file of the template's folder")
    name = scheme.group(1).lower()
    if name in ("http", "https", "ftp", "ws", "wss"):
        return f"refers to the network ({_short(value)!r}): documents load nothing remote"
    if name == "file":
        return f"refers to a file ({_short(value)!r}): documents read no file"
    if name == "data":
        return "embeds data that is not an image or a font"
    return f"uses a URL scheme that is not allowed ({name}:)"


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
        yield "contains '<' (write \\3c in a CSS string)", css[at:].split("\n")[0][:60]
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
                yield "imports a style sheet (@import)", "@import"
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
class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.style: list[str] | None = None
        self.style_line = 0

    def fail(self, message: str, snippet: str = "") -> None:
        raise UnsafeContent(message, self.getpos()[0], snippet)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag == "style":
            self.style, self.style_line = [], self.getpos()[0]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style" and self.style is not None:
            css, self.style = "".join(self.style), None
            for problem, url in css_problems(css):
                raise UnsafeContent(f"a style sheet {problem}", self.style_line, url)

    def handle_data(self, data: str) -> None:
        if self.style is not None:
            self.style.append(data)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _FORBIDDEN_ELEMENTS:
            self.fail(f"<{tag}> is not allowed: {_FORBIDDEN_ELEMENTS[tag]} would load or run"
                      " something", f"<{tag}")
        values = {name: value or "" for name, value in attrs}
        if tag == "meta" and values.get("http-equiv", "").lower() not in (
                "", "content-type", "content-security-policy"):
            self.fail(f"<meta http-equiv={values['http-equiv']!r}> is not allowed",
                      "http-equiv")
        for name, value in values.items():
            if name.startswith("on"):
                self.fail(f"the attribute {name!r} would run a script", name)
            if name == "rel" and "attachment" in value.lower().split():
                self.fail("attachment links (rel=\"attachment\") are not allowed", value)
            if name in _URL_ATTRIBUTES:
                urls = ([part.strip().split(" ")[0] for part in value.split(",")]
                        if name.endswith("srcset") else [value])
                for url in urls:
                    if not allowed_url(url):
                        self.fail(f"<{tag} {name}> {_url_problem(url)}", url)
            elif name == "style":
                for problem, url in css_problems(value, declarations=True):
                    self.fail(f"a style attribute {problem}", url)
            elif "url(" in value.lower() or "\\" in value:
                for problem, url in css_problems(f"x{{p:{value}}}"):
                    self.fail(f"the attribute {name!r} {problem}", url)


def check_html(html: str) -> None:
    """Raise :class:`UnsafeContent` if the page would load a URL or run a script."""
    checker = _Checker()
    checker.feed(html)
    checker.close()
    if checker.style is not None:
        for problem, url in css_problems("".join(checker.style)):
            raise UnsafeContent(f"a style sheet {problem}", checker.style_line, url)


def with_csp(html: str) -> str:
    """The page with the Content-Security-Policy ``<meta>`` first in its ``<head>``."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
    head = re.search(r"<head(?:\s[^>]*)?>", html, re.IGNORECASE)
    if head is not None:
        return html[: head.end()] + "\n" + meta + html[head.end():]
    doctype = re.match(r"\s*<!doctype[^>]*>", html, re.IGNORECASE)
    at = doctype.end() if doctype else 0
    return html[:at] + meta + html[at:]


# ------------------------------------------------------------------------------ SVG
def check_svg(data: bytes) -> None:
    """Raise :class:`UnsafeContent` unless an SVG image is self-contained and inert."""
    import xml.etree.ElementTree as ElementTree

    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeContent("the SVG declares a DOCTYPE or entities, which are not allowed")
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise UnsafeContent(f"the SVG is not well-formed XML ({exc})") from None
    if root.tag.rsplit("}", 1)[-1] != "svg":
        raise UnsafeContent("the file is not an SVG image (its root element is not <svg>)")
    for element in root.iter():
        tag = str(element.tag).rsplit("}", 1)[-1].lower()
        if tag in ("script", "foreignobject", "iframe", "object", "embed"):
            raise UnsafeContent(f"the SVG contains <{tag}>, which is not allowed")
        if tag == "style" and element.text:
            for problem, url in css_problems(element.text):
                raise UnsafeContent(f"the SVG's style sheet {problem}", snippet=url)
        for name, value in element.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on"):
                raise UnsafeContent(f"the SVG has the attribute {local!r}, which would run a"
                                    " script")
            if local in ("href", "src") and not allowed_url(value):
                raise UnsafeContent(f"the SVG {_url_problem(value)}", snippet=value)
            if local == "style" or "url(" in value.lower():
                css = value if local == "style" else f"p:{value}"
                for problem, url in css_problems(css, declarations=True):
                    raise UnsafeContent(f"the SVG {problem}", snippet=url)
