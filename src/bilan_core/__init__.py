"""bilan: a French *bilan de compétences* run as a pipeline of plugins.

A plugin needs one import to implement hooks::

    from bilan_core import hookimpl

The marker is resolved lazily so that ``bilan --version`` does not import pluggy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bilan_core._version import __version__

if TYPE_CHECKING:
    from pluggy import HookimplMarker

    hookimpl: HookimplMarker

__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> Any:
    if name == "hookimpl":
        from bilan_core.markers import hookimpl

        return hookimpl
    raise AttributeError(f"module 'bilan_core' has no attribute {name!r}")
