"""Which provider runs: chosen by settings, one instance per process."""

from __future__ import annotations

from functools import lru_cache

from scholarlink.ai.local import LocalProvider
from scholarlink.ai.openai_provider import OpenAIProvider
from scholarlink.settings import get_settings

LOCAL = LocalProvider()


@lru_cache(maxsize=1)
def model_provider() -> OpenAIProvider | None:
    """The OpenAI provider when configured (AI_PROVIDER=auto with a key, or openai)."""
    settings = get_settings()
    return OpenAIProvider(settings) if settings.uses_openai else None


def reset_providers() -> None:
    model_provider.cache_clear()
