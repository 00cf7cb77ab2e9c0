"""The provider interface and which provider runs: chosen by settings, one instance per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from scholarlink.ai.local import LocalProvider
from scholarlink.ai.openai_provider import OpenAIProvider
from scholarlink.ai.types import (
    EssayAnalysis,
    EssayIdeas,
    EssayImprovement,
    EssayOutline,
    StudentFacts,
    TailoredEssay,
    Usage,
)
from scholarlink.core.settings import get_settings


class EssayAssistant(Protocol):
    """The five essay tools. Every call returns its result and what it used (tokens for a
    model, none for local work), which is what the caller prices."""

    @property
    def name(self) -> str: ...

    @property
    def model(self) -> str | None: ...

    def analyze(
        self, content: str, prompt: str | None = None, word_limit: int | None = None
    ) -> tuple[EssayAnalysis, Usage]: ...

    def outline(self, prompt: str, essay_type: str) -> tuple[EssayOutline, Usage]: ...

    def improve(
        self, content: str, focus_area: str, ignore: frozenset[str] = frozenset()
    ) -> tuple[EssayImprovement, Usage]: ...

    def ideas(self, facts: StudentFacts, essay_type: str) -> tuple[EssayIdeas, Usage]: ...

    def tailor(
        self, content: str, new_prompt: str, word_limit: int | None = None
    ) -> tuple[TailoredEssay, Usage]: ...


LOCAL = LocalProvider()


@lru_cache(maxsize=1)
def model_provider() -> OpenAIProvider | None:
    """The model provider when configured (OPENAI_API_KEY or OPENAI_BASE_URL, AI_PROVIDER not
    local)."""
    settings = get_settings()
    return OpenAIProvider(settings) if settings.uses_openai else None


def essay_assistant() -> EssayAssistant:
    """The model when one is configured, else the offline assistant."""
    return model_provider() or LOCAL


def reset_providers() -> None:
    model_provider.cache_clear()
