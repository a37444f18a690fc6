"""The web application: beneficiaries answer their questionnaires in a browser.

Imported only by ``bilan serve`` (and the ASGI servers it runs): Starlette, its form parser and
itsdangerous are not loaded by any other command. See ``docs/web.md``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any


def threaded(handler: Callable[[Any, Any], Any], threads: int
             ) -> Callable[[Any], Awaitable[Any]]:
    """A route's endpoint that calls ``handler(request, form)``: in one of ``threads`` worker
    threads, or on the event loop when ``threads`` is 0.

    The store is synchronous (SQLAlchemy Core). On PostgreSQL, a handler on the event loop
    would hold every other request of the worker while its queries wait on the database
    server: there, each request's store work runs in a thread with a connection of its own.
    SQLite answers from the process itself, in short calls that release the interpreter's
    lock: threads there only wait on each other for that lock (the load benchmark saved half
    as many answers), so its requests stay on the loop. The form of a POST is read first, on
    the loop (``form`` is None for other methods); a thread keeps the request's context
    (its language).
    """
    async def run(request: Any) -> Any:
        form = await request.form() if request.method == "POST" else None
        if not threads:
            return handler(request, form)
        import anyio.to_thread

        if threads not in _LIMITERS:  # made on the worker's loop, once
            _LIMITERS[threads] = anyio.CapacityLimiter(threads)
        return await anyio.to_thread.run_sync(handler, request, form,
                                              limiter=_LIMITERS[threads])

    return run


#: How many requests of a worker use a PostgreSQL store at once: each has a connection of
#: its own (the store keeps that many open; more requests wait their turn on the loop). A
#: few workers of this many stay well under PostgreSQL's default of 100 connections.
THREADS = 8
_LIMITERS: dict[int, Any] = {}
