"""Every event handler of the app checks what the browser sent before it runs.

A websocket client can send any arguments to any handler: ids above 2^63, a dict where a number
belongs, missing or extra arguments. Reflex passes them on nearly as they come. So each handler
of our page states is wrapped (by `SessionState.__init_subclass__`, before Reflex builds its
event handlers): the arguments are bound to the handler's signature and validated against its
type hints with pydantic; integers must fit the database's INTEGER columns. A refused call does
nothing and answers with a toast; so does a ServiceError the handler let through (a NotFound
for an essay that does not exist, say). Both are logged as warnings: bad input is not an error
of ours. Anything else is a real bug and reaches Reflex's exception handler.

A plain (synchronous) handler becomes a coroutine whose body runs on a handler thread
(scholarlink.state.offload): Reflex still runs it under the tab's state lock and emits what it
returns as before, but the worker's event loop serves the other tabs, and the HTTP API, while the
body waits for the database.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, get_args, get_origin, get_type_hints

import reflex as rx
from pydantic import TypeAdapter, ValidationError
from reflex_base.event import EventSpec

from scholarlink.core.errors import ServiceError
from scholarlink.core.limits import MAX_DB_INT
from scholarlink.state.offload import run_handler_body

log = logging.getLogger(__name__)
REFUSED = "That request could not be handled: it was not valid. Reload the page and try again."


class BadEventArguments(ValueError):
    pass


def _ints_in_range(value: Any, depth: int = 0) -> bool:
    if isinstance(value, bool):
        return True
    if isinstance(value, int):
        return -MAX_DB_INT <= value <= MAX_DB_INT
    if depth > 8:
        return False
    if isinstance(value, dict):
        return all(_ints_in_range(v, depth + 1) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_ints_in_range(v, depth + 1) for v in value)
    return True


def _checker(fn: Callable[..., Any]) -> Callable[..., dict[str, Any]]:
    signature = inspect.signature(fn)
    try:
        hints = get_type_hints(fn)
    except Exception:
        hints = {}
    adapters: dict[str, TypeAdapter[Any]] = {}
    shapes: dict[str, tuple[type, type | None]] = {}
    for name, hint in hints.items():
        if name in ("return", "self") or hint is Any:
            continue
        try:
            adapters[name] = TypeAdapter(hint)
        except Exception:
            # at least its shape, list[X] or X, is checked by isinstance.
            origin, args = get_origin(hint), get_args(hint)
            if origin is list and args and isinstance(args[0], type):
                shapes[name] = (list, args[0])
            elif isinstance(hint, type):
                shapes[name] = (hint, None)

    def check(self: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as exc:
            raise BadEventArguments(str(exc)) from None
        values = dict(bound.arguments)
        values.pop("self", None)
        for name, value in values.items():
            if not _ints_in_range(value):
                raise BadEventArguments(f"{name}: a number out of range")
            shape = shapes.get(name)
            if shape is not None:
                outer, inner = shape
                if not isinstance(value, outer) or (
                    inner is not None
                    and not (isinstance(value, list) and all(isinstance(v, inner) for v in value))
                ):
                    raise BadEventArguments(f"{name}: not a {outer.__name__}")
            adapter = adapters.get(name)
            if adapter is not None:
                try:
                    values[name] = adapter.validate_python(value)
                except ValidationError as exc:
                    raise BadEventArguments(f"{name}: {exc.errors()[0]['msg']}") from None
        return values

    return check


def _refusal(fn: Callable[..., Any], reason: str) -> Any:
    log.warning("event refused", extra={"handler": fn.__qualname__, "reason": reason[:200]})
    return rx.toast.error(REFUSED, id="event-refused")


def _service_error(fn: Callable[..., Any], exc: ServiceError) -> Any:
    log.warning(
        "event ended in a service error",
        extra={"handler": fn.__qualname__, "code": exc.code, "status": exc.status},
    )
    return rx.toast.error(exc.message, id="event-refused")


def guarded(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn` with its arguments checked first; keeps its kind (sync, async, generators)."""
    check = _checker(fn)

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def agen(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                values = check(self, args, kwargs)
            except BadEventArguments as exc:
                yield _refusal(fn, str(exc))
                return
            try:
                async for item in fn(self, **values):
                    yield item
            except ServiceError as exc:
                yield _service_error(fn, exc)

        return agen

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def coro(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                values = check(self, args, kwargs)
            except BadEventArguments as exc:
                return _refusal(fn, str(exc))
            try:
                return await fn(self, **values)
            except ServiceError as exc:
                return _service_error(fn, exc)

        return coro

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                values = check(self, args, kwargs)
            except BadEventArguments as exc:
                yield _refusal(fn, str(exc))
                return
            try:
                yield from fn(self, **values)
            except ServiceError as exc:
                yield _service_error(fn, exc)

        return gen

    @functools.wraps(fn)
    async def plain(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            values = check(self, args, kwargs)
        except BadEventArguments as exc:
            return _refusal(fn, str(exc))
        try:
            return await run_handler_body(fn, self, **values)
        except ServiceError as exc:
            return _service_error(fn, exc)

    return plain


def guard_handlers(cls: type) -> None:
    """Wrap the event handlers defined on `cls` (public functions in its own namespace)."""
    for name, value in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(value):
            continue
        if getattr(value, "__scholarlink_guarded__", False):
            continue
        wrapped = guarded(value)
        wrapped.__scholarlink_guarded__ = True  # type: ignore[attr-defined]
        setattr(cls, name, wrapped)


def _refused_at_the_call(exception: Exception) -> bool:
    """An error raised calling a handler, or inside Reflex's own `setvar` (given a name that is
    not a variable, or arguments it does not take): the client's mistake, not a fault of ours.
    Our own handlers check their arguments before they run (see `guarded`)."""
    if not isinstance(exception, TypeError | AttributeError | ValueError):
        return False
    tb = exception.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return False
    code = tb.tb_frame.f_code
    return code.co_name in ("process_event", "setvar") and "reflex" in code.co_filename


def default_exception_handler(exception: Exception) -> EventSpec:
    """Reflex's backend exception handler: the details go to the log, never to the browser
    (Reflex's default shows the exception text in development)."""
    if _refused_at_the_call(exception):
        log.warning("event refused", extra={"reason": str(exception)[:200]})
        refused: EventSpec = rx.toast.error(REFUSED, id="event-refused")
        return refused
    log.error("unhandled exception in an event handler", exc_info=exception)
    toast: EventSpec = rx.toast.error(
        "Something went wrong on our side. Please try again.", id="backend-error"
    )
    return toast
