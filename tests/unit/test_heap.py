"""Full garbage collections are timed, and start-up's objects are frozen out of them.

Each check runs in a Python process of its own: collecting and freezing the test runner's own
heap disturbed Reflex's registry of state classes for the tests that came after (the e2e
harness then found the app's states "defined multiple times")."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap


def _run(script: str) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_full_and_middle_collections_are_timed_the_youngest_not() -> None:
    counts = _run(
        """
        import gc, json
        from prometheus_client import REGISTRY
        from scholarlink.observability import metrics  # registers the timer

        gc.disable()  # only the collections below run
        def timed(g):
            return REGISTRY.get_sample_value(
                "python_gc_pause_seconds_count", {"generation": g}) or 0.0
        before = {g: timed(g) for g in "012"}
        gc.collect(0); gc.collect(1); gc.collect(2); gc.collect(2)
        print(json.dumps({g: timed(g) - before[g] for g in "012"}))
        """
    )
    assert counts == {"0": 0.0, "1": 1.0, "2": 2.0}


def test_settling_leaves_full_collections_only_what_was_made_since() -> None:
    seen = _run(
        """
        import gc, json
        import scholarlink.services.matches, scholarlink.api  # a worker's modules, roughly
        from scholarlink.core import heap

        gc.collect()
        walked_before = len(gc.get_objects(generation=2))
        frozen = heap.settle()
        walked_after = len(gc.get_objects(generation=2))
        made_since = [[i] for i in range(1000)]  # lists are always tracked
        gc.collect()
        walked_later = gc.get_objects(generation=2)
        print(json.dumps({
            "before": walked_before, "frozen": frozen, "after": walked_after,
            "later": len(walked_later),
            "found": any(o is made_since[0] for o in walked_later),
        }))
        """
    )
    assert seen["frozen"] > 0.9 * seen["before"] > 10_000  # (the collection frees a few)
    assert seen["after"] < seen["before"] / 10
    assert seen["later"] >= 1000 and seen["found"]
