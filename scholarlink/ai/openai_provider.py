"""The model provider: the official OpenAI client against OpenAI or any OpenAI-compatible server
(llama.cpp, Ollama, vLLM: OPENAI_BASE_URL, OPENAI_MODEL), with timeouts, bounded retries and a
circuit breaker. The same result types as the local provider.

Results are structured outputs (`response_format` = the result's JSON schema). A server that
rejects `json_schema` (HTTP 400/422) is asked again in JSON mode (`json_object`, the schema in
the instructions) and the answer is validated with pydantic; the provider remembers the switch.
"""

from __future__ import annotations

import json
import logging
from typing import Any, TypeVar

import openai
from pydantic import BaseModel, ValidationError

from scholarlink.ai.types import (
    EssayAnalysis,
    EssayIdeas,
    EssayImprovement,
    EssayOutline,
    MatchRefinement,
    StudentFacts,
    TailoredEssay,
    Usage,
)
from scholarlink.core.breakers import CircuitBreaker, breaker
from scholarlink.core.settings import Settings

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

ASSISTANT = "OpenAI {model} via ScholarLink"
SYSTEM = (
    "You are ScholarLink's scholarship and essay assistant for US students. Be specific, kind "
    "and honest. Never invent facts about the student; use only what they wrote or their "
    "profile. Answer only in the requested JSON schema."
)
JSON_MODE = "Reply with one JSON object, nothing else, that validates against this JSON schema:\n"
# Local servers (llama.cpp, Ollama, vLLM) accept any key; the client insists on one.
KEYLESS = "no-key-needed"


class ProviderError(RuntimeError):
    """The model call failed (timeout, rate limit, server error, unusable output)."""


class OpenAIProvider:
    """Implements `EssayAssistant` (and match refinement) with a model behind the OpenAI API."""

    name = "openai"

    def __init__(self, settings: Settings, *, client: openai.OpenAI | None = None) -> None:
        key = settings.openai_api_key
        self.model: str = settings.openai_model
        self.client = client or openai.OpenAI(
            api_key=key.get_secret_value() if key is not None else KEYLESS,
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
        )
        self.json_mode = False  # set once the server has refused `json_schema`
        self.breaker: CircuitBreaker = breaker("openai", failure_threshold=3, reset_after=30)

    def _structured(self, schema: type[M], prompt: str, max_tokens: int) -> tuple[M, Any]:
        completion = self.client.chat.completions.parse(
            model=self.model,
            messages=[
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": prompt},
            ],
            response_format=schema,
            max_completion_tokens=max_tokens,
            temperature=0.2,
        )
        message = completion.choices[0].message
        if message.refusal:
            raise ProviderError(f"the model refused: {message.refusal[:200]}")
        if message.parsed is None:
            raise ProviderError("the model returned no structured output")
        return message.parsed, completion.usage

    def _json_object(self, schema: type[M], prompt: str, max_tokens: int) -> tuple[M, Any]:
        shape = json.dumps(schema.model_json_schema(by_alias=True))
        completion = self.client.chat.completions.create(
            model=self.model,
            messages=[
                {"role": "system", "content": f"{SYSTEM}\n{JSON_MODE}{shape}"},
                {"role": "user", "content": prompt},
            ],
            response_format={"type": "json_object"},
            max_completion_tokens=max_tokens,
            temperature=0.2,
        )
        message = completion.choices[0].message
        if getattr(message, "refusal", None):
            raise ProviderError(f"the model refused: {str(message.refusal)[:200]}")
        if not message.content:
            raise ProviderError("the model returned no output")
        return schema.model_validate_json(message.content), completion.usage

    def _parse(self, schema: type[M], prompt: str, *, max_tokens: int = 1500) -> tuple[M, Usage]:
        def ask() -> tuple[M, Any]:
            if self.json_mode:
                return self._json_object(schema, prompt, max_tokens)
            try:
                return self._structured(schema, prompt, max_tokens)
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                log.info(
                    "the server refused json_schema; using JSON mode",
                    extra={"status": exc.status_code},
                )
                self.json_mode = True
                return self._json_object(schema, prompt, max_tokens)

        # Every failure of the call (API error, unusable or refused output) counts against the
        # breaker; an open breaker raises CircuitOpen as it is.
        try:
            parsed, usage = self.breaker.call(ask)
        except (openai.APIError, ValidationError, ProviderError, ValueError) as exc:
            log.warning("openai call failed", extra={"error": type(exc).__name__})
            raise ProviderError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        return parsed, Usage(
            provider=self.name,
            model=self.model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
        )

    def _label(self, result: Any) -> Any:
        result.assistant = ASSISTANT.format(model=self.model)
        return result

    def analyze(
        self, content: str, prompt: str | None = None, word_limit: int | None = None
    ) -> tuple[EssayAnalysis, Usage]:
        limit = f"Word limit: {word_limit}\n" if word_limit else ""
        text = (
            "Analyse this scholarship essay. Score 0-10 with a rubric of five criteria worth up "
            "to 2 points each (Length, Structure and focus, Specific detail, Voice and "
            "reflection, Clarity and style); list strengths, weaknesses and concrete suggestions; "
            "report the word count and readability figures.\n"
            f"Prompt: {prompt or '(none given)'}\n{limit}\nEssay:\n{content}"
        )
        result, usage = self._parse(EssayAnalysis, text)
        return self._label(result), usage

    def outline(self, prompt: str, essay_type: str) -> tuple[EssayOutline, Usage]:
        text = f"Write an outline (title and sections with points) for a {essay_type} essay.\nPrompt: {prompt}"
        result, usage = self._parse(EssayOutline, text)
        return self._label(result), usage

    def improve(
        self, content: str, focus_area: str, ignore: frozenset[str] = frozenset()
    ) -> tuple[EssayImprovement, Usage]:
        keep = (
            "Do not change these words (names and places): " + ", ".join(sorted(ignore)) + ".\n"
            if ignore
            else ""
        )
        text = (
            f"Improve this essay for {focus_area}, and correct its spelling. Keep the student's "
            f"voice and facts; return the revised text and a list of the changes you made.\n"
            f"{keep}\nEssay:\n{content}"
        )
        result, usage = self._parse(EssayImprovement, text, max_tokens=4000)
        return self._label(result), usage

    def ideas(self, facts: StudentFacts, essay_type: str) -> tuple[EssayIdeas, Usage]:
        profile = {
            "major": facts.major,
            "level": facts.level,
            "interests": list(facts.interests),
            "extracurriculars": list(facts.extracurriculars),
            "achievements": list(facts.achievements),
        }
        text = (
            f"Suggest 4-8 {essay_type} essay ideas (title, angle, why it works) drawn only from "
            f"this student's profile: {json.dumps(profile)}"
        )
        result, usage = self._parse(EssayIdeas, text)
        return self._label(result), usage

    def tailor(
        self, content: str, new_prompt: str, word_limit: int | None = None
    ) -> tuple[TailoredEssay, Usage]:
        limit = f" in at most {word_limit} words" if word_limit else ""
        text = (
            f"Rewrite this essay so it answers the new prompt{limit}, reusing the student's own "
            f"stories and facts; list the changes.\nNew prompt: {new_prompt}\n\nEssay:\n{content}"
        )
        result, usage = self._parse(TailoredEssay, text, max_tokens=4000)
        return self._label(result), usage

    def refine_matches(
        self, profile: dict[str, Any], shortlist: list[dict[str, Any]]
    ) -> tuple[MatchRefinement, Usage]:
        text = (
            "Here is a student's profile and a short list of scholarships they are eligible for, "
            "with a local score. Re-score each 0-100 for fit and chance, give 2-4 short reasons a "
            "student can read and a chance level. Use only the given scholarshipId values.\n"
            f"Profile: {json.dumps(profile)}\nShort list: {json.dumps(shortlist)}"
        )
        return self._parse(MatchRefinement, text, max_tokens=3000)
