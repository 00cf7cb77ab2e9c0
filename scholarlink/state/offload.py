"""Synchronous event handlers run on worker threads, so a database query stalls one tab, not the
whole worker.

Reflex calls a plain (synchronous) handler on the worker's event loop, under the tab's state lock:
while it waits for the database, every other tab of that worker — and the HTTP API, `/agent/task`
included — waits too. `run_handler_body` runs the handler's body on a thread of its own pool
while the event's task awaits it, still under the tab's lock; the task then emits the handler's
deltas and events exactly as Reflex does for a synchronous one (one tab's events stay one at a
time, in order).

What a thread changes is cancellation. Reflex cancels an event's task when its chain is no
longer wanted: a disconnect or a newer page load cancels the unfinished page-load chain
(`on_load` handlers). A synchronous body on the loop cannot be interrupted: it ends, and the
cancellation lands at the task's next await. A thread cannot be interrupted either, but the
awaiting task can, and if it gave up at once it would release the tab's state lock while the
body still runs: the tab's next event (the next page's hydrate and `on_load`) would then run
beside a body that goes on changing the same state and reading the database for the page that
was left. So a cancelled wait keeps waiting for the body, shielded, and only then lets the
cancellation through — nothing the body returned is emitted, as for the synchronous handler
cancelled after it returned.

What reaches the browser is addressed to the tab, not to the page: Reflex's token outlives a page
load (and with several workers Redis's lost-and-found carries an update to whichever worker holds
the tab now). So a result that arrives after the tab has moved on lands on its next page, on the
loop as on a thread. The browser journeys that "saw a sign-out's redirect replayed" had moved on
themselves: their check for the home page (`/$`) matched the prod build's `/privacy/`, they went
to the sign-in page while the deletion still ran, and its redirect found them there. On the loop,
the one-process harness could not serve the next page before the handler returned, which hid it.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Fewer threads than the database pool holds connections (core.db: pool_size 5 + 5 overflow), so
# a handler never waits for a connection; background events use asyncio's default pool.
HANDLER_THREADS = 6
_pool = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="event-handler")


async def run_handler_body(fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` on a handler thread (with the caller's context variables: Reflex's
    event context among them); returns what it returns, raises what it raises. A cancellation
    of the caller waits for the body to end before it propagates."""
    call = functools.partial(contextvars.copy_context().run, fn, *args, **kwargs)
    body = asyncio.get_running_loop().run_in_executor(_pool, call)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(body)
        except asyncio.CancelledError:
            if body.done():
                raise
            cancelled = True  # the body goes on; keep the tab's lock until it ends
            continue
        if cancelled:
            raise asyncio.CancelledError
        return result
