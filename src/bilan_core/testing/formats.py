"""Whether a rendered document is valid in its format, and the text a reader sees in it.

:func:`format_problem` knows the core's formats and the PDF: JSON parses to an object, HTML
parses as a browser parses it and passes the checks every page of the core passes
(:func:`bilan_core.report.safety.check_html`: nothing loads or runs), Markdown and other text
formats are non-empty UTF-8, a PDF has its header, its end-of-file marker, pages, no script,
launch action, embedded file or link to the network (and ``pdftotext`` reads it, when
installed). Another binary format only needs to be non-empty.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zlib
from typing import Any

#: What a PDF may not carry: scripts, launch actions, attached files, links to URLs.
PDF_FORBIDDEN = (b"/JavaScript", b"/JS ", b"/JS(", b"/JS<", b"/Launch", b"/EmbeddedFile",
                 b"/URI")
_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_STREAM = re.compile(rb"stream\r?\n")
#: How many bytes of one PDF stream are inflated to look inside it.
MAX_STREAM = 16 * 1024 * 1024


def kind_of(fmt: str, media_type: str) -> str:
    """``json``, ``html``, ``pdf``, ``text`` or ``binary``: how a format is checked."""
    media = media_type.split(";")[0].strip().lower()
    if fmt == "json" or media == "application/json" or media.endswith("+json"):
        return "json"
    if fmt == "html" or media in ("text/html", "application/xhtml+xml"):
        return "html"
    if fmt == "pdf" or media == "application/pdf":
        return "pdf"
    if fmt in ("md", "txt", "csv") or media.startswith("text/"):
        return "text"
    return "binary"


def format_problem(fmt: str, media_type: str, content: bytes) -> str | None:
    """Why ``content`` is not a valid document of its format, or None."""
    if not content:
        return "the document is empty"
    kind = kind_of(fmt, media_type)
    if kind == "binary":
        return None
    if kind == "pdf":
        return _pdf_problem(content)
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"the document is not UTF-8 ({exc})"
    if not text.strip():
        return "the document holds only blanks"
    if "\x00" in text:
        return "the document holds a NUL character"
    if kind == "json":
        try:
            document = json.loads(text)
        except ValueError as exc:
            return f"the JSON does not parse: {exc}"
        if not isinstance(document, (dict, list)):
            return f"the JSON is a {type(document).__name__}, not an object or an array"
    elif kind == "html":
        return _html_problem(text)
    return None


def _html_problem(text: str) -> str | None:
    from bilan_core.report.safety import UnsafeContent, check_html, parse_html

    try:
        root = parse_html(text)
    except Exception as exc:  # tinyhtml5 parses anything; a failure is worth saying
        return f"the HTML does not parse: {exc}"
    tags = {str(element.tag).rsplit("}", 1)[-1].lower() for element in root.iter()
            if isinstance(element.tag, str)}
    if "body" not in tags or not text.lstrip().lower().startswith(("<!doctype", "<html")):
        return "the HTML is not a whole document (<!doctype html>, <html>, <body>)"
    try:
        check_html(text)
    except UnsafeContent as exc:
        return f"the HTML would load or run something: {exc.message}"
    return None


def pdf_parts(content: bytes) -> list[bytes]:
    """The PDF's bytes and each of its deflated streams, inflated."""
    parts = [content]
    for match in _STREAM.finditer(content):
        try:
            parts.append(zlib.decompressobj().decompress(
                content[match.end():match.end() + MAX_STREAM], MAX_STREAM))
        except zlib.error:
            continue  # not a deflated stream (an image, a font in another encoding)
    return parts


def _pdf_problem(content: bytes) -> str | None:
    if not content.startswith(b"%PDF-"):
        return f"the PDF does not start with %PDF- ({content[:8]!r})"
    if b"%%EOF" not in content[-1024:]:
        return "the PDF does not end with %%EOF"
    parts = pdf_parts(content)
    if not any(_PAGE.search(part) for part in parts):
        return "the PDF has no page"
    for part in parts:
        for marker in PDF_FORBIDDEN:
            if marker in part:
                return f"the PDF carries {marker.decode().strip()} (a script, a launch action," \
                       " an attached file or a link to the network)"
    pdftotext = shutil.which("pdftotext")
    if pdftotext is not None:
        done = subprocess.run([pdftotext, "-q", "-", "-"], input=content,
                              capture_output=True, timeout=120, check=False)
        if done.returncode != 0:
            return f"pdftotext cannot read the PDF (exit status {done.returncode})"
        if not done.stdout.strip():
            return "pdftotext finds no text in the PDF"
    return None


def visible_text(fmt: str, media_type: str, content: bytes) -> str | None:
    """The text a reader of the document sees, on one line, or None for a format whose text
    is not read here (PDF and other binary formats)."""
    kind = kind_of(fmt, media_type)
    if kind in ("pdf", "binary"):
        return None
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if kind == "html":
        from bilan_core.report.safety import parse_html

        text = " ".join(parse_html(text).itertext())
    elif kind == "json":
        try:
            text = " ".join(_strings(json.loads(text)))
        except ValueError:
            return None
    else:
        text = re.sub(r"\\(.)", r"\1", text)  # Markdown escapes
    return one_line(text)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def one_line(text: str) -> str:
    """``text`` with every run of whitespace made one space."""
    return " ".join(text.split())
