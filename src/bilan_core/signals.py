"""Telling a real interrupt from a plugin's: Ctrl-C and SIGTERM, as the CLI receives them.

The CLI turns SIGINT into ``KeyboardInterrupt`` and SIGTERM into ``Terminated`` itself and
records that a signal came (:data:`received`). The plugin host lets a real interrupt through
(the user asked to stop) and treats a ``KeyboardInterrupt`` a plugin raises on its own as a
failure of that plugin. Without the CLI (bilan used as a library) every ``KeyboardInterrupt``
is taken as real.
"""

from __future__ import annotations

#: The CLI handles SIGINT and SIGTERM (so a KeyboardInterrupt without a signal is a plugin's).
armed = False
#: A SIGINT or SIGTERM was received.
received = False


def is_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` is the user stopping the command (not a plugin raising)."""
    return isinstance(exc, KeyboardInterrupt) and (received or not armed)
