"""The small markup section bodies use, and its two outputs: HTML and Markdown.

A body is paragraphs separated by a blank line, ``- `` bullet lists, ``1. `` numbered lists
and ``**bold**``; a backslash makes the next character plain (``\\*``). Everything else is
text, so a body can never carry markup of its own into a document:

- :func:`to_html` escapes every character of text for HTML;
- :func:`to_markdown` escapes text for Markdown, so that a name, an answer or a note cannot
  make a heading, a link, an image, HTML, a quotation (the sharing notice is one) or a table;
- :func:`plain` writes text typed by a person (a beneficiary's request, a counsellor's note)
  into a body so that it stays plain text, on one line.

Control characters and the invisible marks that reorder text (bidirectional overrides) are
removed from documents as from the terminal: typed text cannot rewrite the words around it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from bilan_core.terminal import strip_controls

_NUMBERED = re.compile(r"^\d+\.\s+")
# Breaking whitespace only: no-break spaces (in amounts, before "€") are kept as typed.
_SPACES = re.compile(r"[ \t\n\r\f\v\x1c-\x1f\x85\u2028\u2029]+")


def _uneven(text: str) -> bool:
    # Whether ``_SPACES`` could change ``text``: two spaces in a row, or a breaking space
    # other than " " (each of those is a character ``isprintable`` refuses).
    return "  " in text or not text.isprintable()


def one_line(text: str) -> str:
    """``text`` on one line: every run of breaking whitespace becomes one space."""
    return (_SPACES.sub(" ", text) if _uneven(text) else text).strip()
# The tokens of a line: an escaped character, a bold marker, plain text, any other character.
_INLINE = re.compile(r"\\(.)|\*\*|[^\\*]+|.", re.S)
#: One run of text: (bold, text).
Run = tuple[bool, str]


def inline_runs(text: str) -> list[Run]:
    """Split a line into plain and bold runs, honouring backslash escapes.

    ``**`` opens bold only when another ``**`` follows somewhere after it (else it is text),
    and always closes it.
    """
    if "\\" not in text and "**" not in text:  # most lines: one plain run
        return [(False, text)] if text else []
    runs: list[Run] = []
    current: list[str] = []
    bold = False
    for match in _INLINE.finditer(text):
        token = match.group(0)
        if token == "**":
            if bold or text.find("**", match.end()) != -1:
                if current:
                    runs.append((bold, "".join(current)))
                    current = []
                bold = not bold
                continue
        elif match.group(1) is not None:  # an escaped character: itself, plain
            token = match.group(1)
        current.append(token)
    if current:
        runs.append((bold, "".join(current)))
    return runs


@functools.lru_cache(maxsize=512)
def blocks(body: str) -> tuple[tuple[str, tuple[tuple[Run, ...], ...]], ...]:
    """A body as blocks: ``("ul" | "ol" | "p", lines)``, each line its runs.

    The same body is read for each format of a document (HTML, Markdown, the PDF's HTML):
    it is parsed once, and the result, shared, is immutable.
    """
    out: list[tuple[str, tuple[tuple[Run, ...], ...]]] = []
    for block in re.split(r"\n\s*\n", strip_controls(body).strip()):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            out.append(("ul", tuple(tuple(inline_runs(line[2:])) for line in lines)))
        elif all(_NUMBERED.match(line) for line in lines):
            out.append(("ol", tuple(tuple(inline_runs(_NUMBERED.sub("", line)))
                                    for line in lines)))
        else:
            out.append(("p", tuple(tuple(inline_runs(line)) for line in lines)))
    return tuple(out)


def _escape(text: str) -> str:
    # html.escape(text, quote=False), without importing html and its table of entities.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _html_line(runs: Sequence[Run]) -> str:
    return "".join(f"<strong>{_escape(text)}</strong>" if bold else _escape(text)
                   for bold, text in runs)


def to_html(body: str) -> str:
    """HTML for a section body."""
    out = []
    for kind, lines in blocks(body):
        if kind == "p":
            out.append("<p>" + "<br>".join(_html_line(line) for line in lines) + "</p>")
        else:
            out.append(f"<{kind}>" + "".join(f"<li>{_html_line(line)}</li>" for line in lines)
                       + f"</{kind}>")
    return "\n".join(out)


# Characters with a meaning in CommonMark or its common extensions (tables, strikethrough,
# autolinks, math), escaped wherever they stand.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~!&$@])")
# What a linkifier would turn into a link: a scheme before "//", a dot before a letter or a
# digit (a domain: "evil.fr", "x+.fr").
_MD_SCHEME = re.compile(r"(?i)(?<=[a-z0-9+.-]):(?=//)")
_MD_DOT = re.compile(r"\.(?=\w)")
# What makes a block when it starts a line: lists, headings, quotes, rules, setext underlines.
_MD_LINE_START = re.compile(r"^(\d+)([.)])|^([-+=:])")
# What one of the three substitutions above would change.
_MD_ANY = re.compile(r"(?i)[\\`*_\[\]<>#|~!&$@]|(?<=[a-z0-9+.-]):(?=//)|\.(?=\w)")


def md_escape(text: str, line_start: bool = True) -> str:
    """Text as Markdown that renders exactly as typed and makes no markup."""
    text = strip_controls(text)
    return _md_escape(_SPACES.sub(" ", text).lstrip() if line_start else text, line_start)


def _md_escape(text: str, line_start: bool) -> str:
    # ``text`` has no control character, and its spaces are collapsed where it starts a line.
    if _MD_ANY.search(text):  # most words need no escape: one scan instead of three
        text = _MD_SPECIAL.sub(r"\\\1", text)
        text = _MD_SCHEME.sub(r"\\:", text)
        text = _MD_DOT.sub(r"\\.", text)
    if line_start and _MD_LINE_START.match(text):
        text = _MD_LINE_START.sub(
            lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text)
    return text


def _md_line(runs: Sequence[Run]) -> str:
    # The runs come from :func:`blocks`: control characters are already removed.
    parts = []
    for position, (bold, text) in enumerate(runs):
        if _uneven(text):
            text = _SPACES.sub(" ", text)
        if position == 0:
            text = text.lstrip()
        if bold and text.strip():
            lead, core, trail = (text[: len(text) - len(text.lstrip())], text.strip(),
                                 text[len(text.rstrip()):])
            parts.append(f"{lead}**{_md_escape(core, line_start=False)}**{trail}")
        else:
            parts.append(_md_escape(text, line_start=position == 0))
    return "".join(parts).rstrip()


def to_markdown(body: str) -> str:
    """Markdown for a section body: the same structure, every text run escaped."""
    out = []
    for kind, lines in blocks(body):
        if kind == "ul":
            out.append("\n".join(f"- {_md_line(line)}" for line in lines))
        elif kind == "ol":
            out.append("\n".join(f"{n}. {_md_line(line)}"
                                 for n, line in enumerate(lines, start=1)))
        else:
            out.append("  \n".join(_md_line(line) for line in lines))
    return "\n\n".join(out)


def plain(text: str) -> str:
    """Text typed by a person, for a body: one line, no markup of its own."""
    flat = one_line(str(text))
    flat = flat.replace("\\", "\\\\").replace("*", "\\*")
    if flat.startswith("- ") or _NUMBERED.match(flat):
        flat = "\\" + flat
    return flat
