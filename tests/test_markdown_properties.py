"""Property-based: whatever text a person types, the Markdown of a section body prints it as
typed and makes no markup (headings, links, images, HTML, quotes, tables, code)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from bilan_core.report.text import md_escape, plain, to_markdown

MD = MarkdownIt("commonmark", {"linkify": True}).enable(["linkify", "table"])
MARKUP = {"heading_open", "link_open", "image", "html_inline", "html_block", "blockquote_open",
          "table_open", "code_inline", "code_block", "fence", "hr", "bullet_list_open",
          "ordered_list_open", "em_open", "strong_open", "lheading"}
# Text as people type it, with every character Markdown or a linkifier gives a meaning.
PIECES = [*"abcé ZK019.:/@#*_[]()!<>|&`~-+=\\\"'wx\n\t", ".fr", "www.", "http://", "x@y.fr",
          "1. ", "- ", "> ", "    "]
TYPED = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


def _kinds(text: str) -> set[str]:
    tokens = MD.parse(text)
    return {t.type for t in tokens} | {c.type for t in tokens for c in (t.children or [])}


def _text(text: str) -> str:
    return "".join(c.content for t in MD.parse(text) for c in (t.children or [])
                   if c.type in ("text", "softbreak"))


@given(TYPED)
def test_escaped_text_makes_no_markup_and_reads_as_typed(text):
    escaped = md_escape(text)
    assert not _kinds(escaped) & MARKUP, (text, escaped)
    assert _text(escaped).split() == " ".join(text.split()).split()


@given(st.lists(TYPED, min_size=1, max_size=4))
def test_a_body_of_typed_lines_makes_only_its_own_list(lines):
    body = "\n".join(f"- {plain(line)}" for line in lines)
    kinds = _kinds(to_markdown(body))
    assert not kinds & (MARKUP - {"bullet_list_open"})
