"""The agent API with its runtime, plus a bare FastAPI JSON endpoint as the in-run baseline.

python -m bench.server PORT
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.routing import Mount

from scholarlink.agent.runtime import agent_lifespan
from scholarlink.api import create_api


def bench_app() -> Starlette:
    api = create_api()
    bare = FastAPI()

    @bare.post("/echo", status_code=202)
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return {
            "task_id": body.get("task_id"),
            "status": "accepted",
            "trace_id": body.get("trace_id"),
        }

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with agent_lifespan():
            yield

    return Starlette(lifespan=lifespan, routes=[Mount("/bench", bare), Mount("/", api)])


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(
        bench_app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False
    )
