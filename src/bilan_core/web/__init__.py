"""The web application: beneficiaries answer their questionnaires in a browser.

Imported only by ``bilan serve`` (and the ASGI servers it runs): Starlette, its form parser and
itsdangerous are not loaded by any other command. See ``docs/web.md``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


def threaded(handler: Callable[[Any, Any], Any]) -> Callable[[Any], Awaitable[Any]]:
    """A route's endpoint that runs ``handler(request, form)`` in a worker thread.

    The store is synchronous (SQLAlchemy Core): a handler on the event loop would hold every
    other request of the worker while its queries wait on the database. The form of a POST
    is read first, on the loop (``form`` is None for other methods); the thread then does
    the store's work, with the context of the request (its language) carried over.
    """
    async def run(request: Any) -> Any:
        import anyio.to_thread

        form = await request.form() if request.method == "POST" else None
        if not _LIMITER:  # made on the worker's loop, once
            _LIMITER.append(anyio.CapacityLimiter(THREADS))
        return await anyio.to_thread.run_sync(handler, request, form, limiter=_LIMITER[0])

    return run


#: How many requests of a worker use the store at once: each has a connection of its own
#: (the store keeps that many open; more requests wait their turn on the loop). A few
#: workers of this many stay well under PostgreSQL's default of 100 connections.
THREADS = 8
_LIMITER: list[Any] = []
