"""Which browser origins are trusted with credentials, and where the app lives.

The app's own origin (APP_URL; under the test harness, the URL the frontend was actually started
on) and those named in ALLOWED_ORIGINS. Everything else gets no CORS grant: a page on another
origin — another port of the same host included — can neither read API responses with the
student's cookie nor open the websocket.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from reflex_base.config import get_config

from scholarlink.core.settings import get_settings, origin_of


def app_base_url() -> str:
    """The frontend's base URL, without a trailing slash."""
    deploy = get_config().deploy_url
    return (deploy or get_settings().app_url).rstrip("/")


def trusted_origins() -> frozenset[str]:
    found = set(get_settings().origins)
    deploy = get_config().deploy_url
    if deploy:
        found.add(origin_of(deploy))
    found.discard("")
    return frozenset(found)


def is_trusted_origin(origin: str | None, *_: Any) -> bool:
    return bool(origin) and origin_of(origin or "") == origin and origin in trusted_origins()


class TrustedOrigins(tuple[str, ...]):
    """`cors_allowed_origins` for Reflex's CORS middleware, read on every request: Starlette asks
    `origin in allow_origins`, and the answer must follow the harness's frontend URL."""

    def __contains__(self, origin: object) -> bool:
        return isinstance(origin, str) and is_trusted_origin(origin)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(trusted_origins()))
