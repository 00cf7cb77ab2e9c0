"""Judging one profile against synthetic catalogues (format 2 rules) of 1k, 10k and 100k rows.

Baseline, measured in the same run over the same rows: a bare pass (one level/GPA filter and a
top-k by amount, plain Python) — the least work any ranking must do. The ratio shows what the
full rule engine (every rule judged on the student's own cycle, questions, ranking) costs on top.
"""

from __future__ import annotations

import heapq
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date

from scholarlink.domain.eligibility import Profile
from scholarlink.domain.engine import match_all
from scholarlink.domain.rules import CatalogueEntry, GpaRule, LevelRule
from scholarlink.services.synthetic import synthetic_entries

TODAY = date(2026, 12, 1)
PROFILE = Profile(
    gpa=3.6,
    gpa_weighted=False,
    major="Computer Science",
    academic_level="undergraduate",
    graduation_year=2028,
    state="TX",
    citizenship="us_citizen",
    demographics=frozenset({"first_generation"}),
    financial_need=True,
)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def bare_pass(rows: list[tuple[int, CatalogueEntry]], k: int = 20) -> list[int]:
    def ok(e: CatalogueEntry) -> bool:
        for r in e.rules:
            if isinstance(r, LevelRule) and "undergraduate" not in r.levels:
                return False
            if isinstance(r, GpaRule) and r.min > 3.6:
                return False
        return True

    return [i for _, i in heapq.nlargest(k, ((e.amount.max or 0, i) for i, e in rows if ok(e)))]


def main() -> None:
    print("== matching: judge one profile on its own cycle (matches, possible, opens later) ==")
    print(
        f"{'rows':>8} {'parse':>9} {'engine p50':>11} {'p95':>8} {'bare pass p50':>14} {'ratio':>7} {'peak MiB':>9}"
    )
    for count in (1_000, 10_000, 100_000):
        start = time.perf_counter()
        rows = [
            (n, CatalogueEntry.model_validate(e))
            for n, e in enumerate(synthetic_entries(count, seed=1))
        ]
        parse_ms = (time.perf_counter() - start) * 1000
        repeat = 15 if count <= 10_000 else 3
        engine, bare = [], []
        for _ in range(repeat):  # interleaved: both see the same machine load
            engine += timed(lambda rows=rows: match_all(rows, PROFILE, TODAY), 1)
            bare += timed(lambda rows=rows: bare_pass(rows), 1)
        tracemalloc.start()
        match_all(rows, PROFILE, TODAY)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        e50 = statistics.median(engine)
        e95 = sorted(engine)[int(0.95 * (len(engine) - 1))]
        b50 = statistics.median(bare)
        print(
            f"{count:>8,} {parse_ms:>7.0f}ms {e50:>9.1f}ms {e95:>6.1f}ms {b50:>12.2f}ms {e50 / b50:>6.1f}x {peak:>8.1f}"
        )
    print("ratio = full rule engine / bare filter + top-k over the same parsed rows, same run")


if __name__ == "__main__":
    main()
