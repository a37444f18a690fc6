"""Injection: text typed into a pipeline (or into a dossier edited after the run) is text in
every document and on the terminal, never markup, code, a link, a load or a control sequence.

Each payload goes, in one run, into every free-text field of a pipeline (the ones the brief of
the suite lists, plus a step's title, an action's title and owner): the payload first, so that
a payload that only works at the start of a line (``# ``, ``> ``, ``---``) stands there, then a
marker that names the payload and the field (``F07rq``: payload 7, the request). The real
``bilan run`` writes the synthèse in JSON, Markdown, HTML and PDF, ``bilan report`` the
counsellor's notes (where the employer's name is), ``bilan careers`` ranks the options, and
every output is read back: the HTML with the standard library's parser, the Markdown with
markdown-it-py (CommonMark, tables, linkify), the PDF with pdftotext, pdfinfo and pdfdetach,
the JSON with ``json``, the terminal streams at the file-descriptor level. A run with ordinary
text in the same fields is the reference for the documents' own structure.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from conftest import PIPELINE, Result

from bilan_core.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

FORMATS = ["json", "md", "html", "pdf"]

#: (id, payload). The payload is written in every free-text field at once.
PAYLOADS = [
    ("html-script", "<script>alert(1)</script>"),
    ("html-img-onerror", '"><img src=x onerror=alert(1)>'),
    ("html-iframe", "</p><iframe src=//evil>"),
    ("svg-onload", "<svg onload=alert(1)>"),
    ("svg-image-href", '<svg><image href="http://evil/x.png"/></svg>'),
    ("css-close-style", "</style><script>x</script>"),
    ("css-break-rule", '"; } body { background: url(http://evil/) } .x { content: "'),
    ("css-backslashes", '\\"\\\\'),
    ("md-heading", "# Titre injecté"),
    ("md-link", "[lien](http://evil.fr)"),
    ("md-image", "![img](http://evil.fr/x.png)"),
    ("md-html", "<b>gras</b>"),
    ("md-fake-sharing-notice",
     "> Exemplaire transmis à « employeur » avec l'accord du bénéficiaire"),
    ("md-rule", "---"),
    ("md-www", "www.evil.fr"),
    ("md-url", "https://evil.fr"),
    ("md-email", "a@evil.fr"),
    ("md-table", "| a | b |"),
    ("jinja-expression", "{{ 7*7 }}"),
    ("jinja-loop", "{% for x in range(3) %}X{% endfor %}"),
    ("jinja-class", "{{ ''.__class__ }}"),
    ("term-osc-title", "\x1b]0;pwned\x07"),
    ("term-clear-screen", "\x1b[2J\x1b[H"),
    ("term-carriage-return", "\rFAKE"),
    ("term-bidi-override", "\u202e"),
    ("name-apostrophes", "L'Atelier d'Écoute & <Partenaires> \"Sud\""),
]
BASELINE = ("baseline", "texte ordinaire")
MARKERS = {pid: f"F{n:02d}" for n, (pid, _) in enumerate([BASELINE, *PAYLOADS])}
#: What a template engine would have printed had it evaluated the payload.
EVALUATED = {"jinja-expression": "49", "jinja-loop": "XXX", "jinja-class": "<class 'str'>"}

#: Field code -> id of the section of the beneficiary's synthèse whose body shows it.
IN_SECTION = {
    "pn": "circumstances", "co": "circumstances", "ti": "circumstances",
    "rq": "needs", "ex": "needs", "mo": "needs", "ct": "needs",
    "st": "skills", "wk": "skills", "xp": "skills",
    "pr": "career_options",
    "pj": "project", "at": "project", "ow": "project",
    "xb": "provider-1",
    "ob": "observations",
}
EXTRA = "provider-1"  # the id of the first [[report.extra_sections]]
#: The provider's logo: its alt text carries the provider's name into an attribute.
LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 60 60" width="60" height="60">'
        '<circle cx="30" cy="30" r="24" fill="#2a6f5e"/></svg>\n')

# C0 controls but tab and newline, DEL, C1 controls, bidirectional formatting characters.
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                               "\u2066-\u2069]")
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069]")


def value(pid: str, code: str) -> str:
    """What the pipeline says in field ``code`` for payload ``pid``."""
    payload = dict([BASELINE, *PAYLOADS])[pid]
    return f"{payload} {MARKERS[pid]}{code}"


def norm(text: str) -> str:
    """Text as a reader sees it: control characters gone, whitespace runs as one space."""
    return " ".join(CONTROLS.sub("", text).split())


def squash(text: str) -> str:
    """Text without any whitespace or control character (for the PDF, whose lines wrap)."""
    return "".join(CONTROLS.sub("", text).split())


def unmarkup(body: str) -> str:
    """A section body as text: the markup's backslash makes the next character plain."""
    return re.sub(r"\\(.)", r"\1", body)


def require(tool: str) -> str:
    """A system tool the test needs: missing fails in CI, skips on a developer's machine."""
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian: poppler-utils)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def poppler(tool: str, *args: object) -> str:
    return subprocess.run([require(tool), *map(str, args)], capture_output=True, text=True,
                          check=True).stdout


# ----------------------------------------------------------------------------- running
def pipeline(pid: str) -> dict[str, Any]:
    """The conftest pipeline with payload ``pid`` in every free-text field."""
    doc = tomllib.loads(PIPELINE)
    v = lambda code: value(pid, code)  # noqa: E731
    doc["beneficiary"]["employer"] = v("em")
    doc["provider"]["name"] = v("pn")
    doc["provider"]["counsellor"] = v("co")
    doc["steps"][1]["title"] = v("ti")
    doc["funding"] = {"price": "1500.00"}
    doc["report"] = {
        "formats": FORMATS,
        "logo": "logo.svg",
        "provider_name": v("rp"),
        "signature": v("sg"),
        "extra_sections": [{"title": v("xt"), "body": v("xb")}],
    }
    doc["plugin"]["needs_analysis"] = {
        "request": v("rq"), "expectations": [v("ex")], "motivations": [v("mo")],
        "constraints": [v("ct")]}
    doc["plugin"]["skills_exploration"] = {
        "strengths": [v("st")], "weaknesses": [v("wk")], "experience": [v("xp")]}
    doc["plugin"]["career_options"] = {"proposed": [v("pr")]}
    doc["plugin"]["action_plan"] = {
        "project": v("pj"), "observations": v("ob"),
        "actions": [{"title": v("at"), "kind": "immersion", "owner": v("ow"),
                     "due": datetime.date(2026, 12, 15)}]}
    return doc


@pytest.fixture
def cli(capfd, monkeypatch):
    """The real ``bilan`` command line, in-process; both streams captured at the descriptor
    level, so that nothing written around Python's ``sys.stdout`` escapes the check."""
    for name in ("BILAN_PLUGINS", "BILAN_DISABLE_PLUGINS", "BILAN_TRACE_HOOKS"):
        monkeypatch.delenv(name, raising=False)

    def run(*args: object) -> Result:
        capfd.readouterr()
        code = main(["-p", "no:journal", *map(str, args)])
        out, err = capfd.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture(scope="module")
def _cache() -> dict[str, dict[str, Any]]:
    return {}


@pytest.fixture
def produced(_cache, cli, tmp_path_factory):
    """``produced(pid)``: the run of payload ``pid`` (once per module), its files and the
    output of every command."""

    def get(pid: str) -> dict[str, Any]:
        if pid not in _cache:
            folder = tmp_path_factory.mktemp(pid)
            path = folder / "pipeline.toml"
            (folder / "logo.svg").write_text(LOGO, encoding="utf-8")
            path.write_bytes(tomli_w.dumps(pipeline(pid)).encode("utf-8"))
            out, notes = folder / "out", folder / "notes"
            bad = pipeline(pid)  # the payload as a key the pipeline does not know
            bad["provider"][value(pid, "uk")] = "x"
            (folder / "bad.toml").write_bytes(tomli_w.dumps(bad).encode("utf-8"))
            commands = {
                "run": cli("run", path, "--output", out, "--format", ",".join(FORMATS)),
                "report": cli("report", out / "dossier.json", "--audience", "counsellor",
                              "--format", "json,md,html", "--output", notes),
                "careers": cli("careers", out / "dossier.json"),
                "careers --json": cli("careers", out / "dossier.json", "--json"),
                "validate": cli("validate", folder / "bad.toml"),
            }
            _cache[pid] = {"out": out, "notes": notes, "commands": commands}
        return _cache[pid]

    return get


def synthese(produced, pid: str, ext: str) -> str:
    found = produced(pid)
    assert found["commands"]["run"].code == 0, found["commands"]["run"].err
    return (found["out"] / f"synthese.{ext}").read_text("utf-8")


# ----------------------------------------------------------------------------- HTML
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
URL_ATTRIBUTES = {"href", "src", "srcset", "xlink:href", "action", "formaction", "poster",
                  "data", "background", "cite", "longdesc", "usemap", "manifest", "ping",
                  "lowsrc", "dynsrc", "codebase", "archive", "profile", "icon", "srcdoc"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None]) -> None:
        self.tag, self.attrs = tag, attrs
        self.children: list[Node | str] = []

    def text(self) -> str:
        if self.tag == "br":
            return "\n"
        return "".join(c if isinstance(c, str) else c.text() for c in self.children
                       if isinstance(c, str) or c.tag != "style")

    def iter(self):  # type: ignore[no-untyped-def]
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter()

    def find(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v
                        for k, v in attrs.items())]


class Tree(HTMLParser):
    """The page as the standard library's parser reads it: elements, text, comments."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]
        self.shape: list[tuple[str, tuple[str, ...]]] = []  # every start tag, in order
        self.comments: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        self.shape.append((tag, tuple(sorted(name for name, _ in attrs))))
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))
        self.shape.append((tag, tuple(sorted(name for name, _ in attrs))))

    def handle_endtag(self, tag: str) -> None:
        if any(n.tag == tag for n in self.stack[1:]):
            while self.stack.pop().tag != tag:
                pass

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def assert_inert_html(html: str) -> Tree:
    """Nothing in the page runs or loads: the checks of every HTML output."""
    tree = Tree(html)
    elements = list(tree.root.iter())[1:]
    for forbidden in ("script", "iframe", "frame", "object", "embed", "link", "base", "form",
                      "portal", "applet", "noscript", "foreignobject", "image"):
        assert not tree.root.find(forbidden), f"<{forbidden}> in the page"
    for node in elements:
        for name, attr in node.attrs.items():
            assert not name.startswith("on"), f"<{node.tag} {name}=...>"
            if name in URL_ATTRIBUTES:
                url = (attr or "").strip()
                assert url.startswith("#") or url.startswith("data:"), f"<{node.tag} {name}={url!r}>"
        if node.tag == "img":
            assert (node.attrs.get("src") or "").startswith("data:image/"), node.attrs
        if node.tag == "meta" and node.attrs.get("http-equiv"):
            assert node.attrs["http-equiv"].lower() in ("content-type",
                                                        "content-security-policy"), node.attrs
    csp = [n for n in tree.root.find("meta")
           if (n.attrs.get("http-equiv") or "").lower() == "content-security-policy"]
    assert len(csp) == 1 and "default-src 'none'" in (csp[0].attrs.get("content") or "")
    assert len(tree.root.find("style")) == 1  # the template's own, not closed early
    assert len(tree.root.find("svg")) == 0  # no chart in these documents
    assert len(tree.root.find("img")) <= 1  # the logo, if any
    return tree


def section(tree: Tree, sid: str) -> Node:
    found = tree.root.find("section", aria_labelledby=sid)
    assert len(found) == 1, sid
    return found[0]


def page_header(html: str) -> str:
    """The text of the PDF's running header: the ``@top-right`` content of the style sheet."""
    import tinycss2

    (style,) = Tree(html).root.find("style")
    css = "".join(c for c in style.children if isinstance(c, str))
    for rule in tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True):
        if rule.type == "at-rule" and rule.lower_at_keyword == "page":
            for margin in tinycss2.parse_blocks_contents(rule.content):
                if margin.type == "at-rule" and margin.lower_at_keyword == "top-right":
                    for decl in tinycss2.parse_blocks_contents(margin.content):
                        if decl.type == "declaration" and decl.lower_name == "content":
                            strings = [t for t in decl.value if t.type != "whitespace"]
                            assert all(t.type == "string" for t in strings), decl.value
                            return "".join(t.value for t in strings)
    raise AssertionError("no @top-right content in the style sheet")


# ----------------------------------------------------------------------------- Markdown
#: Token types that make structure; the payload may add none of them.
MD_BLOCK = {"heading_open", "blockquote_open", "hr", "table_open", "html_block", "fence",
            "code_block", "bullet_list_open", "ordered_list_open", "paragraph_open"}
MD_INLINE = {"link_open", "image", "html_inline", "code_inline"}


def markdown_tokens(text: str) -> list[Any]:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"linkify": True}).enable("linkify").enable("table")
    return md.parse(text)


def markdown_shape(tokens: list[Any]) -> list[tuple[str, str, int]]:
    """The document's structure: every block token, and every inline token that is markup."""
    shape = []
    for token in tokens:
        if token.type != "inline":
            shape.append((token.type, token.tag, token.level))
        for child in token.children or []:
            if child.type in MD_INLINE:
                shape.append((child.type, child.tag, token.level))
    return shape


def inline_text(token: Any) -> str:
    parts = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def markdown_sections(tokens: list[Any]) -> dict[str, str]:
    """Rendered text under each heading (``""`` for the text before the first ``##``)."""
    sections: dict[str, list[str]] = {"": []}
    current, in_heading = "", False
    for token in tokens:
        if token.type == "heading_open" and token.tag == "h2":
            in_heading = True
        elif token.type == "heading_close":
            in_heading = False
        elif token.type == "inline":
            if in_heading:
                current = norm(inline_text(token))
                sections.setdefault(current, [])
            else:
                sections[current].append(inline_text(token))
    return {title: norm(" ".join(texts)) for title, texts in sections.items()}


# ============================================================================= the suite
#: Every payload, and the ordinary text, which checks the checks.
PARAMS = [pytest.param(pid, id=pid) for pid, _ in [BASELINE, *PAYLOADS]]


def shown(pid: str, code: str) -> str:
    """What a reader should see of field ``code``: the typed value, except that the extra
    section's body is the section markup, where a backslash makes the next character plain."""
    return unmarkup(value(pid, code)) if code == "xb" else value(pid, code)


@pytest.mark.parametrize("pid", PARAMS)
def test_run_succeeds(produced, pid):
    found = produced(pid)
    for command, result in found["commands"].items():
        assert result.code == (2 if command == "validate" else 0), (command, result.err)


@pytest.mark.parametrize("pid", PARAMS)
def test_html_shows_the_payload_as_text(produced, pid):
    html = synthese(produced, pid, "html")
    tree = assert_inert_html(html)
    reference = Tree(synthese(produced, BASELINE[0], "html"))
    assert tree.shape == reference.shape  # the same elements and attributes, in order
    assert tree.comments == reference.comments
    assert not tree.root.find(class_="shared")  # no sharing notice on the beneficiary's copy
    v = lambda code: norm(value(pid, code))  # noqa: E731
    (logo,) = tree.root.find("img")
    assert logo.attrs["src"].startswith("data:image/svg+xml;base64,")
    assert norm(logo.attrs["alt"] or "") == f"Logo de {v('rp')}"  # an attribute, as typed
    places = {
        "provider": [norm(n.text()) for n in tree.root.find("span", class_="provider")],
        "title": [norm(n.text()) for n in tree.root.find("title")],
        "meta": [norm(n.text()) for n in tree.root.find("p", class_="meta")],
        "signature": [norm(n.text()) for n in tree.root.find("div", class_="signature")[0]
                      .children if isinstance(n, Node)][:1],
        "extra heading": [norm(n.text()) for n in section(tree, EXTRA).find("h2")],
        "toc": [norm(a.text()) for a in tree.root.find("a", href=f"#{EXTRA}")],
    }
    assert places == {
        "provider": [v("rp")],
        "title": [f"Document de synthèse — {v('rp')}"],
        "meta": [f"Bilan de compétences de B-TEST-001 · 2 novembre 2026 · accompagnement :"
                 f" {v('co')}"],
        "signature": [f"Pour {v('rp')} {v('sg')}"],
        "extra heading": [v("xt")],
        "toc": [v("xt")],
    }
    missing = [(code, sid) for code, sid in IN_SECTION.items()
               if norm(shown(pid, code)) not in norm(section(tree, sid).text())]
    assert not missing
    text = norm(tree.root.text())
    if pid in EVALUATED:
        assert f"{EVALUATED[pid]} {MARKERS[pid]}" not in text
    # The page's header in print: the provider's name, as typed, in a CSS string.
    assert norm(page_header(html)) == f"{v('rp')} — Document de synthèse"


@pytest.mark.parametrize("pid", PARAMS)
def test_pdf_prints_the_payload_as_typed(produced, pid):
    found = produced(pid)
    synthese(produced, pid, "json")  # the run succeeded
    pdf = found["out"] / "synthese.pdf"
    text = poppler("pdftotext", "-layout", pdf, "-")
    flat = squash(text)
    missing = [code for code in ("rp", "co", "sg", "xt", *IN_SECTION)
               if squash(shown(pid, code)) not in flat]
    assert not missing  # every field, as typed (control characters aside)
    # The document's own words stay as they are written, next to the typed text.
    own = ["Document de synthèse", "(certifié Qualiopi)", "Votre demande : «", "Page 1 / ",
           "Document confidentiel — propriété du bénéficiaire (art. L6313-4)"]
    assert [w for w in own if squash(w) not in flat] == []
    pages = text.count("Page ")
    assert pages >= 2
    header = squash(value(pid, "rp") + " — Document de synthèse")
    assert flat.count(header) == pages  # the running header of every page
    if pid in EVALUATED:
        assert squash(f"{EVALUATED[pid]} {MARKERS[pid]}") not in flat
    assert poppler("pdfdetach", "-list", pdf).strip() == "0 embedded files"
    assert poppler("pdfinfo", "-url", pdf).strip() == "Page  Type          URL"  # no link


@pytest.mark.parametrize("pid", PARAMS)
def test_markdown_makes_no_markup(produced, pid):
    tokens = markdown_tokens(synthese(produced, pid, "md"))
    reference = markdown_tokens(synthese(produced, BASELINE[0], "md"))
    assert markdown_shape(tokens) == markdown_shape(reference)
    for token in tokens:
        assert token.type not in ("html_block", "fence", "code_block"), token
        for child in token.children or []:
            assert child.type not in MD_INLINE, (child.type, child.content, token.content)
    sections = markdown_sections(tokens)
    titles = {s["id"]: norm(s["title"]) for s in json.loads(
        synthese(produced, pid, "json"))["sections"]}
    v = lambda code: norm(value(pid, code))  # noqa: E731
    assert titles[EXTRA] == v("xt") and v("xt") in sections  # the heading, as typed
    assert f"Bilan de compétences — {v('rp')} —" in sections[""]
    missing = [(code, sid) for code, sid in IN_SECTION.items()
               if norm(shown(pid, code)) not in sections[titles[sid]]]
    assert not missing
    if pid in EVALUATED:
        assert all(f"{EVALUATED[pid]} {MARKERS[pid]}" not in t for t in sections.values())


@pytest.mark.parametrize("pid", PARAMS)
def test_json_keeps_the_payload_exactly(produced, pid):
    document = json.loads(synthese(produced, pid, "json"))
    sections = {s["id"]: s for s in document["sections"]}
    assert sections[EXTRA]["title"] == value(pid, "xt")
    assert sections[EXTRA]["body"] == value(pid, "xb")
    # A typed value is written into a body as one line of the section markup.
    missing = [(code, sid) for code, sid in IN_SECTION.items() if code != "xb"
               and " ".join(value(pid, code).split()) not in unmarkup(sections[sid]["body"])]
    assert not missing


@pytest.mark.parametrize("pid", PARAMS)
def test_counsellor_notes_show_the_employer_as_typed(produced, pid):
    """The employer's name is in the counsellor's notes only (the funding by the employer)."""
    notes = produced(pid)["notes"]
    employer = " ".join(value(pid, "em").split())
    html = (notes / "notes-consultant.html").read_text("utf-8")
    reference = Tree((produced(BASELINE[0])["notes"] / "notes-consultant.html").read_text(
        "utf-8"))
    tree = assert_inert_html(html)
    assert tree.shape == reference.shape
    tokens = markdown_tokens((notes / "notes-consultant.md").read_text("utf-8"))
    reference_tokens = markdown_tokens(
        (produced(BASELINE[0])["notes"] / "notes-consultant.md").read_text("utf-8"))
    assert markdown_shape(tokens) == markdown_shape(reference_tokens)
    document = json.loads((notes / "notes-consultant.json").read_text("utf-8"))
    (funding,) = [s for s in document["sections"] if s["id"] == "funding-employer"]
    seen = {
        "html": norm(section(tree, "funding-employer").text()),
        "md": markdown_sections(tokens)[norm(funding["title"])],
        "json": norm(unmarkup(funding["body"])),
    }
    assert {k: norm(employer) in t for k, t in seen.items()} == dict.fromkeys(seen, True)


@pytest.mark.parametrize("pid", PARAMS)
def test_terminal_gets_no_control_character(produced, pid):
    commands = produced(pid)["commands"]
    for command, result in commands.items():
        for stream in (result.out, result.err):
            found = TERMINAL_CONTROLS.findall(stream)
            assert not found, (command, found, stream[:2000])
    # Not a vacuous check: the error names the unknown key, payload and all.
    assert commands["validate"].code == 2
    assert f"{MARKERS[pid]}uk" in commands["validate"].err


# ----------------------------------------------------------------------------- dossier
def edited(produced, tmp_path: Path, change) -> Path:  # type: ignore[no-untyped-def]
    """A copy of the reference run's folder, its dossier.json changed by ``change``."""
    folder = tmp_path / "copy"
    shutil.copytree(produced(BASELINE[0])["out"], folder)
    path = folder / "dossier.json"
    document = json.loads(path.read_text("utf-8"))
    change(document["dossier"])
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def assert_refused(cli, path: Path, tmp_path: Path) -> Result:  # type: ignore[no-untyped-def]
    """``bilan report`` refuses the dossier and writes nothing, in its folder or elsewhere."""
    before = snapshot(path.parent)
    result = cli("report", path, "--format", "html")
    assert result.code == 2, result
    assert snapshot(path.parent) == before  # nothing written, nothing replaced
    elsewhere = cli("report", path, "--format", "html,pdf", "--output", tmp_path / "new")
    assert elsewhere.code == 2, elsewhere
    assert not (tmp_path / "new").exists() or not list((tmp_path / "new").iterdir())
    assert not TERMINAL_CONTROLS.search(result.out + result.err + elsewhere.err)
    return result


@pytest.mark.parametrize("colour", [
    "red;}</style><script>alert(1)</script>",
    "#1f5f8b; } body { background: url(http://evil/x.png) } .x {",
    "#1f5f8b\n}</style><img src=x onerror=alert(1)>",
])
def test_edited_colour_is_refused_naming_the_key(produced, cli, tmp_path, colour):
    def change(dossier: dict[str, Any]) -> None:
        dossier["branding"]["colour"] = colour

    result = assert_refused(cli, edited(produced, tmp_path, change), tmp_path)
    assert "branding.colour" in result.err, result.err


def _svg_uri(svg: str) -> str:
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


_SVG = '<svg xmlns="http://www.w3.org/2000/svg"{}>{}</svg>'


@pytest.mark.parametrize(("key", "edit"), [
    ("logo", _svg_uri(_SVG.format(' onload="alert(1)"', ""))),
    ("logo", _svg_uri(_SVG.format("", '<image href="http://evil/x.png"/>'))),
    ("logo", _svg_uri(_SVG.format("", "<script>alert(1)</script>"))),
    ("logo", "http://evil/x.png"),
    ("logo", "javascript:alert(1)"),
    ("logo", 'data:image/png;base64,AAAA" onerror="alert(1)'),
    ("assets", {"x.svg": _svg_uri(_SVG.format(' onload="alert(1)"', ""))}),
    ("template", "<html><head></head><body><script>alert(1)</script></body></html>"),
    ("template", "<html><head></head><body>{{ ''.__class__.__mro__ }}</body></html>"),
    ("template", '<html><head></head><body><img src="http://evil/x.png"></body></html>'),
], ids=["svg-onload", "svg-remote-image", "svg-script", "http", "javascript", "attribute",
        "asset-svg-onload", "template-script", "template-python", "template-remote"])
def test_edited_branding_that_would_run_or_load_is_refused(produced, cli, tmp_path, key,
                                                           edit):
    def change(dossier: dict[str, Any]) -> None:
        dossier["branding"][key] = edit

    assert_refused(cli, edited(produced, tmp_path, change), tmp_path)


#: Payloads written into the sections of a dossier edited after the run (a ``\\`` is the
#: markup's escape and a ``\\r`` ends a line of it: those two are left out here).
BODY_PAYLOADS = [p for _, p in PAYLOADS if "\\" not in p and "\r" not in p
                 and norm(p)]  # a paragraph of control characters only is no paragraph
EDITED_TITLE = "<script>alert(1)</script> # [lien](http://evil.fr) {{ 7*7 }} \x1b[2J"


def test_edited_section_bodies_are_escaped(produced, cli, tmp_path):
    def change(dossier: dict[str, Any]) -> None:
        sections = dossier["synthesis"]["sections"]
        # Each payload a paragraph of its own (at the start of a line), then a list item.
        sections[1]["body"] = "\n\n".join(BODY_PAYLOADS)
        sections[2]["body"] = "\n".join(f"- {p}" for p in BODY_PAYLOADS)
        sections[3]["title"] = EDITED_TITLE
        dossier["branding"]["provider_name"] = PAYLOADS[1][1]
        dossier["branding"]["signature"] = PAYLOADS[-1][1]

    path = edited(produced, tmp_path, change)
    out = tmp_path / "out"
    result = cli("report", path, "--format", ",".join(FORMATS), "--output", out)
    assert result.code == 0, result.err
    assert not TERMINAL_CONTROLS.search(result.out + result.err)
    document = json.loads((out / "synthese.json").read_text("utf-8"))
    ids = [s["id"] for s in document["sections"]]
    assert document["sections"][1]["body"] == "\n\n".join(BODY_PAYLOADS)
    assert document["sections"][3]["title"] == EDITED_TITLE
    expected = [norm(p) for p in BODY_PAYLOADS]

    tree = assert_inert_html((out / "synthese.html").read_text("utf-8"))
    assert [norm(p.text()) for p in section(tree, ids[1]).find("p")] == expected
    assert [norm(li.text()) for li in section(tree, ids[2]).find("li")] == expected
    assert [norm(h.text()) for h in section(tree, ids[3]).find("h2")] == [norm(EDITED_TITLE)]
    assert [norm(n.text()) for n in tree.root.find("span", class_="provider")] == [
        norm(PAYLOADS[1][1])]
    assert norm(PAYLOADS[-1][1]) in norm(tree.root.find("div", class_="signature")[0].text())

    tokens = markdown_tokens((out / "synthese.md").read_text("utf-8"))
    reference = markdown_tokens(synthese(produced, BASELINE[0], "md"))
    count = lambda ts, kind: sum(t.type == kind for t in ts)  # noqa: E731
    for kind in ("heading_open", "blockquote_open", "hr", "table_open", "html_block", "fence",
                 "code_block"):
        assert count(tokens, kind) == count(reference, kind), kind
    for token in tokens:
        for child in token.children or []:
            assert child.type not in MD_INLINE, (child.type, child.content)
    sections = markdown_sections(tokens)
    assert norm(EDITED_TITLE) in sections
    body = sections[norm(document["sections"][1]["title"])]
    listed = sections[norm(document["sections"][2]["title"])]
    assert [p for p in expected if p not in body or p not in listed] == []

    pdf = out / "synthese.pdf"
    flat = squash(poppler("pdftotext", "-layout", pdf, "-"))
    assert [p for p in [*BODY_PAYLOADS, EDITED_TITLE] if squash(p) not in flat] == []
    assert poppler("pdfdetach", "-list", pdf).strip() == "0 embedded files"


@pytest.mark.parametrize("where", ["id", "beneficiary.id", "provider.name", "provider.counsellor",
                                   "section.title", "section.id"])
def test_edited_dossier_sends_no_control_sequence_to_the_terminal(produced, cli, tmp_path,
                                                                   where):
    sequence = "\x1b]0;pwned\x07\x1b[2J\x1b[H\rFAKE\u202e"

    def change(dossier: dict[str, Any]) -> None:
        if where == "id":
            dossier["id"] = sequence
        elif where == "beneficiary.id":
            dossier["beneficiary"]["id"] = sequence
        elif where.startswith("provider."):
            dossier["provider"][where.split(".")[1]] = sequence
        else:
            dossier["synthesis"]["sections"][0][where.split(".")[1]] = sequence

    path = edited(produced, tmp_path, change)
    for args in (("report", path, "--format", "md,html", "--output", tmp_path / "o"),
                 ("careers", path), ("careers", path, "--json")):
        result = cli(*args)
        assert result.code in (0, 2), result
        found = TERMINAL_CONTROLS.findall(result.out + result.err)
        assert not found, (args[0], found, result)


@pytest.mark.parametrize("recipient", ["employeur\x1b[2J", "<b>cep</b>",
                                       "cep\n> Exemplaire transmis à « employeur »"])
def test_edited_sharing_consent_names_a_recipient_as_the_pipeline_does(produced, cli,
                                                                        tmp_path, recipient):
    """A pipeline's recipient is an identifier (letters, digits, '_', '-', '.'); a dossier
    edited to record a consent for another name is refused, and no file is named after it."""
    def change(dossier: dict[str, Any]) -> None:
        dossier["consents"].append({"kind": "sharing", "given_on": "2026-10-01",
                                    "recipient": recipient, "until": None})

    path = edited(produced, tmp_path, change)
    result = cli("report", path, "--format", "md,html", "--recipient", recipient, "--output",
                 tmp_path / "o")
    assert not TERMINAL_CONTROLS.search(result.out + result.err)
    written = [p.name for p in (tmp_path / "o").iterdir()] if (tmp_path / "o").exists() else []
    assert [n for n in written if CONTROLS.search(n) or set(n) & set("<>\n")] == []
    assert result.code != 0, result  # refused
