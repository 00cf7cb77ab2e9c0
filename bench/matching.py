"""Judging one student against synthetic catalogues (format 2, the real catalogue's rule mix) of
1k, 10k and 100k rows, for a full, a sparse and a blank profile.

The engine run is what the matches service does: `match_all` on the catalogue compiled once per
catalogue version, then reading the first STORED_PER_GROUP results of each group (each one built
with its verdicts, questions and rank). At 1k rows the result is checked against judging every
entry one by one (`prefilter=False`).

Baseline, measured in the same run over the same rows: a bare vectorised pass (NumPy columns of
level and GPA minimum, built once; a filter and a top-k by amount) — the least work any ranking
must do. The ratio shows what the whole rule engine costs on top.
"""

from __future__ import annotations

import statistics
import time
from datetime import date

import numpy as np

from scholarlink.domain.eligibility import Profile
from scholarlink.domain.engine import MatchResult, match_all
from scholarlink.domain.prefilter import compile_catalogue
from scholarlink.domain.rules import CatalogueEntry, GpaRule, LevelRule
from scholarlink.domain.vocabulary import LEVELS
from scholarlink.services.matches import STORED_PER_GROUP
from scholarlink.services.synthetic import synthetic_entries

TODAY = date(2026, 12, 1)
PROFILES = {
    "full": Profile(
        gpa=3.6,
        gpa_weighted=False,
        major="Computer Science",
        academic_level="undergraduate",
        graduation_year=2028,
        birth_date=date(2005, 4, 2),
        state="TX",
        school_state="TX",
        citizenship="us_citizen",
        demographics=frozenset({"first_generation"}),
        financial_need=True,
        pell_eligible=False,
        household_income=52000,
        act=27,
    ),
    "sparse": Profile(academic_level="high_school_senior", graduation_year=2027, state="CA"),
    "blank": Profile(),
}


class BarePass:
    """Level and GPA-minimum columns, a filter and a top-k by amount."""

    def __init__(self, rows: list[tuple[int, CatalogueEntry]]) -> None:
        bit = {lv: 1 << i for i, lv in enumerate(LEVELS)}
        self.levels = np.zeros(len(rows), dtype=np.int64)
        self.gpa_min = np.zeros(len(rows))
        self.amount = np.array([e.amount.max or 0 for _, e in rows], dtype=np.float64)
        for n, (_, e) in enumerate(rows):
            for r in e.rules:
                if isinstance(r, LevelRule):
                    self.levels[n] |= sum(bit[lv] for lv in r.levels)
                if isinstance(r, GpaRule):
                    self.gpa_min[n] = max(self.gpa_min[n], r.min)
        self.bit = bit

    def __call__(self, p: Profile, k: int = STORED_PER_GROUP) -> np.ndarray:
        ok = np.ones(len(self.amount), dtype=np.bool_)
        if p.academic_level is not None:
            ok &= (self.levels == 0) | (self.levels & self.bit[p.academic_level] != 0)
        if p.gpa is not None:
            ok &= self.gpa_min <= p.gpa
        amount = np.where(ok, self.amount, -1.0)
        top = np.argpartition(-amount, min(k, len(amount) - 1))[:k]
        return top[np.argsort(-amount[top])]


def read(result: MatchResult) -> int:
    """What the service reads: the first results of each group, built in full."""
    for group in (result.matches, result.possible, result.opens_later):
        for j in group[:STORED_PER_GROUP]:
            assert j.verdicts is not None
    return len(result.matches) + len(result.possible) + len(result.opens_later)


def main() -> None:
    print("== matching: judge one student on their own cycle (matches, possible, opens later) ==")
    print(
        f"{'rows':>8} {'profile':>8} {'shown':>7} {'engine p50':>11} {'p95':>8} {'cpu p50':>8}"
        f" {'bare p50':>9} {'ratio':>7}"
    )
    for count in (1_000, 10_000, 100_000):
        start = time.perf_counter()
        rows = [
            (n, CatalogueEntry.model_validate(e))
            for n, e in enumerate(synthetic_entries(count, seed=1))
        ]
        parse_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        compiled = compile_catalogue(rows)
        compile_ms = (time.perf_counter() - start) * 1000
        bare = BarePass(rows)
        print(
            f"{count:>8,} rows: parse {parse_ms:.0f} ms, compile {compile_ms:.0f} ms"
            f" (once per catalogue version; {len(compiled.rules):,} distinct rules)"
        )
        for name, profile in PROFILES.items():
            if count <= 1_000:
                exact = match_all(rows, profile, TODAY, prefilter=False)
                assert match_all(compiled, profile, TODAY) == exact, name
            shown = read(match_all(compiled, profile, TODAY))
            engine, cpu, baseline = [], [], []
            for _ in range(15):  # interleaved: both see the same machine load
                t, c = time.perf_counter(), time.process_time()
                read(match_all(compiled, profile, TODAY))
                engine.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
                t = time.perf_counter()
                bare(profile)
                baseline.append((time.perf_counter() - t) * 1000)
            e50 = statistics.median(engine)
            e95 = sorted(engine)[int(0.95 * (len(engine) - 1))]
            b50 = statistics.median(baseline)
            print(
                f"{count:>8,} {name:>8} {shown:>7,} {e50:>9.1f}ms {e95:>6.1f}ms"
                f" {statistics.median(cpu):>6.1f}ms {b50:>7.2f}ms {e50 / b50:>6.1f}x"
            )
    print(
        "engine = match_all on the compiled catalogue + the first "
        f"{STORED_PER_GROUP} results of each group built;"
        " bare = vectorised level/GPA filter + top-k, same rows, same run;"
        " cpu = this process's CPU time (the machine's other load left out)"
    )


if __name__ == "__main__":
    main()
