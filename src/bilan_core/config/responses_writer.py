"""Writing the shared responses-file format (the reader is :mod:`bilan_core.config.responses`)."""

from __future__ import annotations

import json
import re

from bilan_core.model import Answer, Responses

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def _value(value: Answer | float | str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    # JSON string escapes are valid TOML basic-string escapes; JSON leaves DEL and the C1
    # controls as they are, which TOML forbids, so escape those too.
    text = json.dumps(value, ensure_ascii=False)
    return "".join(f"\\u{ord(c):04x}" if 0x7F <= ord(c) <= 0x9F else c for c in text)


def responses_to_toml(responses: Responses, header: str = "") -> str:
    """The responses as TOML, items in the order given; reading it back gives them again."""
    lines = [f"# {line}" for line in header.splitlines()]
    lines += [f"instrument = {_value(responses.instrument)}",
              f"version = {_value(responses.version)}"]
    if responses.beneficiary:
        lines.append(f"beneficiary = {_value(responses.beneficiary)}")
    if responses.completed_on:
        lines.append(f"completed_on = {responses.completed_on.isoformat()}")
    lines += ["", "[answers]"]
    lines += [f"{_key(k)} = {_value(v)}" for k, v in responses.answers.items()]
    if responses.timings:
        lines += ["", "[timings]"]
        lines += [f"{_key(k)} = {_value(round(v, 1))}" for k, v in responses.timings.items()]
    for experience in responses.experience:
        lines += ["", "[[experience]]", f"kind = {_value(experience.kind)}",
                  f"title = {_value(experience.title)}"]
        if experience.organisation:
            lines.append(f"organisation = {_value(experience.organisation)}")
        for key in ("start", "end"):
            year = getattr(experience, key)
            if year is not None:
                lines.append(f"{key} = {year}")
        if experience.tasks:
            lines.append(f"tasks = {_value(experience.tasks)}")
        if experience.skills:
            lines.append(f"skills = {_value(experience.skills)}")
    return "\n".join(lines) + "\n"
