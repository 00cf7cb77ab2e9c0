"""The dashboard charts' y axes: whole-number ticks from 0 that reach the tallest bar."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from scholarlink.components.format import axis_ticks


def test_small_counts_get_every_whole_number() -> None:
    assert axis_ticks(0) == [0, 1]
    assert axis_ticks(3) == [0, 1, 2, 3]  # was 0, 1, 2, 4
    assert axis_ticks(5) == [0, 1, 2, 3, 4, 5]


@given(st.integers(min_value=0, max_value=10**7))
def test_ticks_are_even_whole_steps_that_just_reach_the_top(top: int) -> None:
    ticks = axis_ticks(top)
    step = ticks[1] - ticks[0]
    assert ticks[0] == 0 and step >= 1
    assert all(b - a == step for a, b in pairwise(ticks))
    assert ticks[-1] >= top and ticks[-1] - step < max(top, 1)  # no empty step on top
    assert 2 <= len(ticks) <= 7
    assert str(step).strip("0") in ("1", "2", "5")
