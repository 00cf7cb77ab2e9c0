"""The one retry-delay implementation (core.backoff)."""

from __future__ import annotations

import random

from scholarlink.core.backoff import exponential, full_jitter, spread


def test_exponential_doubles_from_base_and_stops_at_the_cap() -> None:
    assert [exponential(n, base=1.0, cap=10.0) for n in range(0, 6)] == [1, 1, 2, 4, 8, 10]


def test_full_jitter_stays_between_zero_and_the_exponential_delay() -> None:
    random.seed(7)
    delays = [full_jitter(4, base=1.0, cap=60.0) for _ in range(500)]
    assert all(0 <= d <= 8.0 for d in delays)
    assert min(delays) < 1.0 and max(delays) > 7.0  # spread over the whole range


def test_spread_moves_the_delay_by_at_most_the_given_share() -> None:
    random.seed(7)
    delays = [spread(3, base=60.0, cap=6 * 3600, by=0.2) for _ in range(500)]
    assert all(192.0 <= d <= 288.0 for d in delays)
    assert len({round(d) for d in delays}) > 10
