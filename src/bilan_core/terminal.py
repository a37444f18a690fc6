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

# C0 controls but tab and newline, DEL, C1 controls, and the Unicode format characters that
# reorder or hide text (bidirectional embeddings, overrides and isolates; line and paragraph
# separators).
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                       "\u2028\u2029\u2066-\u2069]")


def strip_controls(text: str) -> str:
    """``text`` without its control characters (tab and newline kept).

    Without ESC, BEL and CSI, what was an escape sequence is inert text (``]0;title``): it
    shows that something was there, and can no longer drive the terminal.
    """
    return _CONTROLS.sub("", text)


def visible(text: str) -> str:
    """``text`` with every control character shown as an escape (``\\x1b``, ``\\n``)."""
    def escape(match: re.Match[str]) -> str:
        char = match.group(0)
        code = ord(char)
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return re.sub("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]",
                  escape, text)


class SafeStream:
    """A text stream that removes control characters from what is written to it.

    Everything else (``isatty``, ``encoding``, ``fileno``, ``flush``) is the wrapped stream's,
    so click and ``input()`` behave as they would on the real stream.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(strip_controls(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    @property
    def wrapped(self) -> TextIO:
        """The stream underneath."""
        return self._stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
