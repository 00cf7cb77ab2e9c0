"""A small OpenAI-compatible server: chat.completions with JSON-schema structured outputs.

It answers with a minimal instance of the requested schema, and can be told to misbehave
(malformed output, slowness, 429, 500, refusal) so the real client's error paths run.

Mode `json_object_only` behaves like a local server without structured outputs: a
`json_schema` response format is refused with a 400, `json_object` is answered with an
instance of the schema found in the instructions (as llama.cpp or Ollama would, guided only by
the prompt).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def instance(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A minimal valid value for a JSON schema (enough of the spec for pydantic's schemas)."""
    if "$ref" in schema:
        return instance(defs[schema["$ref"].split("/")[-1]], defs)
    if "anyOf" in schema:
        return instance(schema["anyOf"][0], defs)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {k: instance(v, defs) for k, v in schema.get("properties", {}).items()}
    if kind == "array":
        return [instance(schema.get("items", {}), defs)]
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        lo, hi = schema.get("minimum", 0), schema.get("maximum", 10)
        return round((lo + hi) / 2, 1)
    if kind == "boolean":
        return True
    return "model text"


def _schema_in_instructions(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON schema a JSON-mode request spells out in its system message."""
    for message in messages:
        text = message.get("content") or ""
        start = text.find("JSON schema:\n")
        if message.get("role") == "system" and start >= 0:
            parsed: dict[str, Any] = json.loads(text[start + len("JSON schema:\n") :])
            return parsed
    return {}


@dataclass
class FakeOpenAI:
    mode: str = "ok"  # ok | json_object_only | malformed | slow | 429 | 500 | refusal
    delay: float = 5.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    prompt_tokens: int = 1200
    completion_tokens: int = 300

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/v1/chat/completions", self.completions, methods=["POST"])])

    async def completions(self, request: Request) -> JSONResponse:
        body = await request.json()
        self.requests.append(body)
        if self.mode == "429":
            return JSONResponse(
                {"error": {"message": "Rate limit reached", "type": "rate_limit"}},
                status_code=429,
                headers={"retry-after": "0"},
            )
        if self.mode == "500":
            return JSONResponse(
                {"error": {"message": "boom", "type": "server_error"}}, status_code=500
            )
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        response_format = body.get("response_format", {})
        fmt = response_format.get("json_schema", {})
        schema = fmt.get("schema", {})
        if self.mode == "json_object_only":
            if response_format.get("type") == "json_schema":
                return JSONResponse(
                    {
                        "error": {
                            "message": "response_format type json_schema is not supported",
                            "type": "invalid_request_error",
                        }
                    },
                    status_code=400,
                )
            if response_format.get("type") != "json_object":
                return JSONResponse({"error": {"message": "no format"}}, status_code=400)
            schema = _schema_in_instructions(body["messages"])
            fmt = {"name": schema.get("title", "")}
        content: str | None
        refusal = None
        if self.mode == "malformed":
            content = '{"score": "not a number", "strengths": '
        elif self.mode == "refusal":
            content, refusal = None, "I can't help with that."
        else:
            value = instance(schema, schema.get("$defs", {}))
            if fmt.get("name") == "MatchRefinement":
                user = body["messages"][-1]["content"]
                ids = [int(x) for x in re.findall(r'"scholarshipId": (\d+)', user)]
                value = {
                    "adjustments": [
                        {
                            "scholarshipId": sid,
                            "score": 99 - i,
                            "reasons": [f"Model reason for {sid}"],
                            "chanceLevel": "competitive",
                        }
                        for i, sid in enumerate(reversed(ids))
                    ]
                }
            content = json.dumps(value)
        return JSONResponse(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", "gpt-4o-mini"),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content, "refusal": refusal},
                    }
                ],
                "usage": {
                    "prompt_tokens": self.prompt_tokens,
                    "completion_tokens": self.completion_tokens,
                    "total_tokens": self.prompt_tokens + self.completion_tokens,
                },
            }
        )
