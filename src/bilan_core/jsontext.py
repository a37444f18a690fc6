"""JSON text for people and programs alike, written by the standard library's C encoder.

``json.dumps(..., indent=2)`` writes with the pure-Python encoder, three times slower than
the C one, and puts every number of a dossier on a line of its own. The documents bilan writes
(the dossier, the synthèse) are laid out here on their first levels only: one member per line
down to ``levels`` deep, every deeper value on the line of its member.
"""

from __future__ import annotations

import json
from typing import Any

_ENCODE = json.JSONEncoder(ensure_ascii=False).encode


def dumps(value: Any, levels: int = 2) -> str:
    """``value`` as JSON text ending with a newline (UTF-8 text: accents kept)."""
    return _layout(value, levels, 0) + "\n"


def _layout(value: Any, levels: int, depth: int) -> str:
    if levels <= 0 or not isinstance(value, (dict, list)) or not value:
        return _ENCODE(value)
    pad, end = "  " * (depth + 1), "  " * depth
    if isinstance(value, dict):
        members = [f"{pad}{_ENCODE(str(key))}: {_layout(item, levels - 1, depth + 1)}"
                   for key, item in value.items()]
        return "{\n" + ",\n".join(members) + "\n" + end + "}"
    members = [pad + _layout(item, levels - 1, depth + 1) for item in value]
    return "[\n" + ",\n".join(members) + "\n" + end + "]"
