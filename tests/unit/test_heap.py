"""Full garbage collections are timed, and start-up's objects are frozen out of them."""

from __future__ import annotations

import gc

from prometheus_client import REGISTRY

from scholarlink.core import heap
from scholarlink.observability import metrics  # noqa: F401  (registers the timer)


def _timed(generation: str) -> float:
    value = REGISTRY.get_sample_value("python_gc_pause_seconds_count", {"generation": generation})
    return value or 0.0


def test_full_and_middle_collections_are_timed_the_youngest_not() -> None:
    before = {g: _timed(g) for g in ("0", "1", "2")}
    gc.collect(0)
    gc.collect(1)
    gc.collect(2)
    assert _timed("2") == before["2"] + 1
    assert _timed("1") == before["1"] + 1
    assert _timed("0") == before["0"] == 0


def test_settling_leaves_full_collections_only_what_was_made_since() -> None:
    try:
        gc.collect()
        walked_before = len(gc.get_objects(generation=2))
        frozen = heap.settle()
        assert frozen >= walked_before > 10_000  # this process's modules, at least
        assert len(gc.get_objects(generation=2)) < walked_before / 10
        made_since = [[i] for i in range(1000)]  # lists are always tracked
        gc.collect()
        assert len(gc.get_objects(generation=2)) >= len(made_since)
        assert any(o is made_since[0] for o in gc.get_objects(generation=2))
    finally:
        gc.unfreeze()
