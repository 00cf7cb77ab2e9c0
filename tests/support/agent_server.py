"""The agent's HTTP API with its background runtime, as Reflex's backend serves them, for tests
that need real HTTP or a process they can kill (`python -m tests.support.agent_server PORT`)."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Mount

from scholarlink.agent.runtime import agent_lifespan
from scholarlink.api import create_api


def agent_asgi() -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with agent_lifespan():
            yield

    return Starlette(lifespan=lifespan, routes=[Mount("/", create_api())])


if __name__ == "__main__":
    import uvicorn

    from scholarlink.observability.logs import configure_logging

    configure_logging()
    uvicorn.run(agent_asgi(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
