"""The pluggy markers of the project.

Only :data:`hookimpl` is public (re-exported as ``bilan_core.hookimpl``); the spec marker stays
private to :mod:`bilan_core.hookspecs`, as in tox.
"""

from __future__ import annotations

import pluggy

PROJECT_NAME = "bilan"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
