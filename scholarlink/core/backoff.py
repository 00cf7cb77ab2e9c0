"""Retry delays: exponential backoff with jitter, the one implementation (agent tasks, the
outbox, mail)."""

from __future__ import annotations

import random


def exponential(attempts: int, *, base: float, cap: float) -> float:
    """`base` · 2^(attempts − 1) seconds, at most `cap`: the delay after the `attempts`-th try."""
    return min(cap, base * 2 ** max(0, attempts - 1))


def full_jitter(attempts: int, *, base: float, cap: float) -> float:
    """A delay drawn uniformly from [0, exponential): spreads retries of many senders apart
    (AWS's "full jitter")."""
    return random.uniform(0, exponential(attempts, base=base, cap=cap))  # noqa: S311 - jitter


def spread(attempts: int, *, base: float, cap: float, by: float = 0.2) -> float:
    """The exponential delay, moved at random by up to ±`by` of itself."""
    return exponential(attempts, base=base, cap=cap) * random.uniform(1 - by, 1 + by)  # noqa: S311
