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
        form = None
        if request.method == "POST":
            # Read before anyone is known: bounded, and no file is ever taken.
            declared = request.headers.get("content-length", "")
            if not declared.isdigit() or int(declared) > MAX_FORM_BYTES:
                from starlette.responses import PlainTextResponse

                return PlainTextResponse("413", status_code=413)
            form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
        if not threads:
            return handler(request, form)
        import asyncio

        import anyio.to_thread

        key = (threads, id(asyncio.get_running_loop()))
        limiter = _LIMITERS.get(key)
        if limiter is None:  # one per worker's loop (a test client makes several loops)
            if len(_LIMITERS) > 16:
                _LIMITERS.clear()
            limiter = _LIMITERS[key] = anyio.CapacityLimiter(threads)
        return await anyio.to_thread.run_sync(handler, request, form, limiter=limiter)

    return run


#: How many requests of a worker use a PostgreSQL store at once: each has a connection of
#: its own (the store keeps that many open; more requests wait their turn on the loop). A
#: few workers of this many stay well under PostgreSQL's default of 100 connections.
THREADS = 8
#: The largest form a request may send (the notes page with long notes is the largest), and
#: its number of fields (fifty action rows of five fields, and the rest).
MAX_FORM_BYTES, MAX_FORM_FIELDS = 512 * 1024, 400
_LIMITERS: dict[tuple[int, int], Any] = {}
