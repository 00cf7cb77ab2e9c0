"""Ranking one profile against synthetic catalogues of 10k and 100k scholarships.

Baseline, measured in the same run over the same rows: a bare vectorised pass (one GPA/level
filter and a top-k by amount). The ratio shows what full eligibility, scoring and explanations
cost on top of the least work any ranking must do. Targets: < 50 ms at 10k, < 500 ms at 100k.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import date

import numpy as np

from scholarlink.services.eligibility import ProfileFacts
from scholarlink.services.matching import LEVEL_BITS, CatalogueIndex, explain, index_from_entries
from scholarlink.services.synthetic import synthetic_entries

TODAY = date(2026, 11, 25)
PROFILE = ProfileFacts.of(
    type(
        "P",
        (),
        {
            "gpa": 3.6,
            "major": "Computer Science",
            "academic_level": "undergraduate",
            "state": "TX",
            "citizenship": "us_citizen",
            "interests": ["technology", "leadership"],
            "demographics": ["first_generation"],
            "financial_need": True,
        },
    )()
)


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def bare_pass(index: CatalogueIndex, k: int = 20) -> np.ndarray:
    ok = (np.nan_to_num(index.min_gpa, nan=0.0) <= 3.6) & (
        (index.levels & LEVEL_BITS["undergraduate"]) != 0
    )
    candidates = np.flatnonzero(ok)
    amounts = index.amount_max[candidates]
    top = np.argpartition(-amounts, min(k, amounts.size - 1))[:k]
    return candidates[top]


def full_ranking(index: CatalogueIndex, k: int = 20) -> None:
    for m in index.rank(PROFILE, today=TODAY, limit=k):
        explain(index, m, PROFILE, today=TODAY)


def main() -> None:
    print("== matching: rank one profile (local provider), top 20 with explanations ==")
    print(
        f"{'rows':>8} {'index build':>12} {'ranking p50':>12} {'p95':>8} {'bare pass p50':>14} {'ratio':>7} {'peak MiB':>9} {'target':>8}"
    )
    for rows, target in ((10_000, 50), (100_000, 500)):
        start = time.perf_counter()
        index = index_from_entries(synthetic_entries(rows, seed=1))
        build_ms = (time.perf_counter() - start) * 1000
        repeat = 40 if rows <= 10_000 else 15
        # Interleave so both see the same machine load.
        ranking, bare = [], []
        for _ in range(repeat):
            ranking += timed(lambda index=index: full_ranking(index), 1)
            bare += timed(lambda index=index: bare_pass(index), 1)
        tracemalloc.start()
        full_ranking(index)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        r50 = statistics.median(ranking)
        r95 = sorted(ranking)[int(0.95 * (len(ranking) - 1))]
        b50 = statistics.median(bare)
        verdict = "ok" if r50 < target else "MISSED"
        print(
            f"{rows:>8,} {build_ms:>10.0f}ms {r50:>10.1f}ms {r95:>6.1f}ms {b50:>12.2f}ms {r50 / b50:>6.1f}x {peak:>8.1f} {target:>5}ms {verdict}"
        )
    print("ratio = full ranking / bare vectorised pass over the same rows, same run")


if __name__ == "__main__":
    main()
