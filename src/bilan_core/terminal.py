"""What reaches a terminal: no control character from data may drive it.

Beneficiary text, file names and plugin messages can hold escape sequences that move the
cursor, rewrite the screen or the window title, or hide a line (``\\r``, bidirectional
overrides). The CLI writes through :class:`SafeStream`, which removes them from everything it
prints; :func:`visible` shows them as escapes where a value must be read exactly (a path).

This module imports nothing but the standard library: ``bilan --version`` goes through it.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

# Characters that control a terminal or the display of text: C0 controls, DEL, C1 controls,
# and the Unicode format characters that reorder or hide text (bidirectional marks,
# embeddings, overrides and isolates; line and paragraph separators).
_FORMATTING = "\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069"
_CONTROLS = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_FORMATTING}]")  # tab, newline kept
_ALL_CONTROLS = re.compile(f"[\x00-\x1f\x7f-\x9f{_FORMATTING}]")


def strip_controls(text: str) -> str:
    """``text`` without its control characters (tab and newline kept).

    Without ESC, BEL and CSI, what was an escape sequence is inert text (``]0;title``): it
    shows that something was there, and can no longer drive the terminal.
    """
    return _CONTROLS.sub("", text)


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``)."""
    def escape(match: re.Match[str]) -> str:
        code = ord(match.group(0))
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _ALL_CONTROLS.sub(escape, text)


class SafeStream:
    """A text stream that removes control characters from what is written to it.

    Everything else (``isatty``, ``encoding``, ``fileno``, ``flush``) is the wrapped stream's,
    so click and ``input()`` behave as they would on the real stream.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        clean = strip_controls(text)
        try:
            self._stream.write(clean)
        except UnicodeEncodeError:  # a terminal that cannot show an accent: a "?" for it
            encoding = getattr(self._stream, "encoding", None) or "ascii"
            self._stream.write(clean.encode(encoding, "replace").decode(encoding))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    @property
    def wrapped(self) -> TextIO:
        """The stream underneath."""
        return self._stream

    def __getattr__(self, name: str) -> Any:
        if name == "buffer":
            # Writing to the bytes underneath would bypass the filter (click does, for a
            # stream it finds misconfigured): there is no buffer to write to.
            raise AttributeError(name)
        return getattr(self._stream, name)
