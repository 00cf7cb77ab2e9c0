"""ASGI middleware: correlation ids on every request and HTTP metrics by route template."""

from __future__ import annotations

import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scholarlink.observability.live_stats import LIVE
from scholarlink.observability.logs import correlation_id
from scholarlink.observability.metrics import HTTP_DURATION, HTTP_REQUESTS

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class CorrelationMiddleware:
    """Accepts a caller's X-Correlation-ID (when well-formed) or makes one, and echoes it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-correlation-id", b"").decode("latin-1")
        cid = incoming if _SAFE_ID.match(incoming) else str(uuid.uuid4())
        token = correlation_id.set(cid)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-correlation-id", cid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = _route_template(scope)
            method = scope.get("method", "GET")
            elapsed = time.perf_counter() - start
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_DURATION.labels(method, route).observe(elapsed)
            LIVE.record_request(elapsed, status)
            correlation_id.reset(token)
