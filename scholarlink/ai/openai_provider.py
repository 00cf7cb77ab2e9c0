"""The OpenAI provider: the official client, structured outputs, timeouts, bounded retries and
a circuit breaker. The same result types as the local provider."""

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
    TailoredEssay,
)
from scholarlink.observability.breakers import CircuitBreaker, breaker
from scholarlink.services.credits import Usage
from scholarlink.services.eligibility import ProfileFacts
from scholarlink.settings import Settings

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

ASSISTANT = "OpenAI {model} via ScholarLink"
SYSTEM = (
    "You are ScholarLink's scholarship and essay assistant for US students. Be specific, kind "
    "and honest. Never invent facts about the student; use only what they wrote or their "
    "profile. Answer only in the requested JSON schema."
)


class ProviderError(RuntimeError):
    """The model call failed (timeout, rate limit, server error, unusable output)."""


class OpenAIProvider:
    name = "openai"

    def __init__(self, settings: Settings, *, client: openai.OpenAI | None = None) -> None:
        assert settings.openai_api_key is not None
        self.model = settings.openai_model
        self.client = client or openai.OpenAI(
            api_key=settings.openai_api_key.get_secret_value(),
            base_url=settings.openai_base_url,
            timeout=settings.openai_timeout_seconds,
            max_retries=settings.openai_max_retries,
        )
        self.breaker: CircuitBreaker = breaker("openai", failure_threshold=3, reset_after=30)

    def _parse(self, schema: type[M], prompt: str, *, max_tokens: int = 1500) -> tuple[M, Usage]:
        self.breaker.before_call()
        try:
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
            parsed = message.parsed
            if parsed is None:
                raise ProviderError("the model returned no structured output")
        except (openai.APIError, ValidationError, ProviderError, ValueError) as exc:
            self.breaker.record_failure(exc)
            log.warning("openai call failed", extra={"error": type(exc).__name__})
            raise ProviderError(f"{type(exc).__name__}: {exc}"[:300]) from exc
        self.breaker.record_success()
        usage = completion.usage
        return parsed, Usage(
            provider=self.name,
            model=self.model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
        )

    def _label(self, result: Any) -> Any:
        result.assistant = ASSISTANT.format(model=self.model)
        return result

    def analyze(self, content: str, prompt: str | None = None) -> tuple[EssayAnalysis, Usage]:
        text = (
            "Analyse this scholarship essay. Score 0-10 with a rubric of five criteria worth up "
            "to 2 points each (Length, Structure and focus, Specific detail, Voice and "
            "reflection, Clarity and style); list strengths, weaknesses and concrete suggestions; "
            "report the word count and readability figures.\n"
            f"Prompt: {prompt or '(none given)'}\n\nEssay:\n{content}"
        )
        result, usage = self._parse(EssayAnalysis, text)
        return self._label(result), usage

    def outline(self, prompt: str, essay_type: str) -> tuple[EssayOutline, Usage]:
        text = f"Write an outline (title and sections with points) for a {essay_type} essay.\nPrompt: {prompt}"
        result, usage = self._parse(EssayOutline, text)
        return self._label(result), usage

    def improve(self, content: str, focus_area: str) -> tuple[EssayImprovement, Usage]:
        text = (
            f"Improve this essay for {focus_area}. Keep the student's voice and facts; return the "
            f"revised text and a list of the changes you made.\n\nEssay:\n{content}"
        )
        result, usage = self._parse(EssayImprovement, text, max_tokens=4000)
        return self._label(result), usage

    def ideas(
        self, profile: ProfileFacts, extras: dict[str, list[str]], essay_type: str
    ) -> tuple[EssayIdeas, Usage]:
        facts = {
            "major": profile.major,
            "level": profile.academic_level,
            "interests": sorted(profile.interests),
            **extras,
        }
        text = (
            f"Suggest 4-8 {essay_type} essay ideas (title, angle, why it works) drawn only from "
            f"this student's profile: {json.dumps(facts)}"
        )
        result, usage = self._parse(EssayIdeas, text)
        return self._label(result), usage

    def tailor(self, content: str, new_prompt: str) -> tuple[TailoredEssay, Usage]:
        text = (
            "Rewrite this essay so it answers the new prompt, reusing the student's own stories "
            f"and facts; list the changes.\nNew prompt: {new_prompt}\n\nEssay:\n{content}"
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
