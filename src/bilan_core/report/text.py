"""The small Markdown subset section bodies use, turned into safe HTML.

Paragraphs separated by a blank line, ``- `` bullet lists, ``1. `` numbered lists, ``**bold**``.
Everything else is text: it is escaped, so a section can never inject markup.
"""

from __future__ import annotations

import re
from html import escape

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_NUMBERED = re.compile(r"^\d+\.\s+")


def inline(text: str) -> str:
    """Escape, then bold."""
    return _BOLD.sub(r"<strong>\1</strong>", escape(text, quote=False))


def to_html(body: str) -> str:
    """HTML for a section body."""
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            out.append("<ul>" + "".join(f"<li>{inline(line[2:])}</li>" for line in lines)
                       + "</ul>")
        elif all(_NUMBERED.match(line) for line in lines):
            out.append("<ol>" + "".join(f"<li>{inline(_NUMBERED.sub('', line))}</li>"
                                        for line in lines) + "</ol>")
        else:
            out.append("<p>" + "<br>".join(inline(line) for line in lines) + "</p>")
    return "\n".join(out)
