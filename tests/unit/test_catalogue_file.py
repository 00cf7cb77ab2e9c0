"""The shipped catalogue, checked as data: the schema holds, every fact has a source and a date,
descriptions agree with the rules, no placeholder dates, programme pages rather than homepages,
no two entries on one page unless they are tracks of one programme; and broken files are refused
with file and line, loading nothing."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlparse

import jsonschema
import pytest

from scholarlink.domain.rules import (
    AgeRule,
    AnyOfRule,
    CatalogueEntry,
    CitizenshipRule,
    GpaRule,
    LevelRule,
    NeedRule,
    UnrecordedRule,
    walk,
)
from scholarlink.domain.vocabulary import US_STATES
from scholarlink.services.catalogue import (
    DEFAULT_CATALOGUE,
    CatalogueFileError,
    catalogue_files,
    parse_catalogue,
)
from scholarlink.services.synthetic import synthetic_entries

SCHEMA = DEFAULT_CATALOGUE.parent / "catalogue.schema.json"
TODAY = date(2026, 12, 1)
ENTRIES = parse_catalogue(DEFAULT_CATALOGUE).entries
ACTIVE = [e for e in ENTRIES if e.status == "active"]
# A sentence about keeping an award (renewal) states no rule for applying.
RENEWAL = re.compile(r"renew|keep|maintain|retain|continu|stay", re.I)


def _types(e: CatalogueEntry) -> set[type]:
    return {type(r) for r in walk(list(e.rules))}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.;])\s+", text) if not RENEWAL.search(s)]


def test_the_catalogue_is_big_and_covers_what_students_get() -> None:
    assert len(ACTIVE) >= 400, len(ACTIVE)
    kinds = {e.kind for e in ACTIVE}
    assert {"private", "state", "federal", "military"} <= kinds
    states = {
        s
        for e in ACTIVE
        if e.kind == "state"
        for r in walk(list(e.rules))
        if hasattr(r, "states")
        for s in r.states
    }
    every = {code for code in US_STATES if code not in ("PR", "GU", "VI", "AS", "MP")}
    assert every <= states, sorted(every - states)  # every state's aid, and DC's
    assert any(e.effort.essay is False for e in ACTIVE), "no-essay awards are included"


def test_the_checked_in_json_schema_is_current_and_every_file_holds_it() -> None:
    schema = CatalogueEntry.model_json_schema()
    assert json.loads(SCHEMA.read_text()) == schema, (
        "regenerate: python -m scholarlink.domain.schema"
    )
    for file in catalogue_files(DEFAULT_CATALOGUE):
        if file.name == SCHEMA.name:
            continue
        for raw in json.loads(file.read_text())["entries"]:
            jsonschema.validate(raw, schema)


def test_every_entry_has_a_source_and_was_verified_in_the_last_15_months() -> None:
    for e in ENTRIES:
        assert e.sources, e.slug
        assert TODAY - e.verified_on <= timedelta(days=456), f"{e.slug} is stale"
        assert all(s.url.startswith(("https://", "http://")) for s in e.sources)


def test_no_placeholder_dates() -> None:
    """A bare June 30 (or Dec 31) deadline was the old placeholder: one is kept only where a
    source states it (the cycle's note says whose date it is)."""
    for e in ACTIVE:
        for c in e.cycles:
            if c.deadline and (c.deadline.month, c.deadline.day) in ((6, 30), (12, 31)):
                assert c.note, f"{e.slug}: {c.deadline} without a note saying whose date it is"


def test_descriptions_agree_with_the_rules() -> None:
    problems = []
    for e in ACTIVE:
        kinds = _types(e)
        text = " ".join(_sentences(e.description))
        for m in re.finditer(
            r"\b([0-4]\.\d{1,2})\b[^.;]{0,25}\bGPA|\bGPA[^.;]{0,25}?\b([0-4]\.\d{1,2})\b", text
        ):
            value = float(m.group(1) or m.group(2))
            gpas = [r.min for r in walk(list(e.rules)) if isinstance(r, GpaRule)]
            if not any(abs(g - value) < 0.011 for g in gpas) and AnyOfRule not in kinds:
                problems.append(f"{e.slug}: the text says GPA {value}, the rules {gpas or 'none'}")
        if re.search(r"\bcitizens?\b", text, re.I) and not kinds & {
            CitizenshipRule,
            UnrecordedRule,
        }:
            problems.append(f"{e.slug}: the text names citizenship, the rules do not")
        if (
            re.search(r"\b(ages?|under|younger than|older than)\s+\d{2}\b", text, re.I)
            and AgeRule not in kinds
        ):
            problems.append(f"{e.slug}: the text names an age limit, the rules do not")
        if re.search(r"\bincome\b", text, re.I) and NeedRule not in kinds:
            problems.append(f"{e.slug}: the text names income, the rules do not")
        if (
            re.search(r"\b(juniors?|sophomores?|freshmen|first-year students)\b", text, re.I)
            and LevelRule not in kinds
        ):
            problems.append(f"{e.slug}: the text names a class year, the rules do not")
    assert not problems, "\n".join(problems)


def _is_bare_homepage(e: CatalogueEntry) -> bool:
    parsed = urlparse(e.url)
    if parsed.path not in ("", "/") or parsed.query:
        return False
    # A site of its own for the programme is its page (goldwaterscholarship.gov, say).
    host = (parsed.hostname or "").lower().replace("-", "")
    words = [
        w
        for w in re.split(r"[-\s]", e.slug)
        if len(w) >= 5
        and w not in ("scholarship", "scholarships", "program", "national", "foundation")
    ]
    return not any(w in host for w in words)


def test_urls_are_programme_pages_not_an_organisations_homepage() -> None:
    bare = [f"{e.slug}: {e.url}" for e in ACTIVE if _is_bare_homepage(e)]
    assert not bare, "\n".join(bare)


def test_no_two_entries_share_a_page_unless_they_are_tracks_of_one_programme() -> None:
    by_url: dict[str, list[CatalogueEntry]] = {}
    for e in ACTIVE:
        by_url.setdefault(e.url.rstrip("/").lower(), []).append(e)
    for url, shared in by_url.items():
        providers = {re.split(r"[(,]| and ", e.provider)[0].strip().lower() for e in shared}
        assert len(providers) == 1, f"{url} is used by {[e.slug for e in shared]}"


def test_inactive_entries_say_why_and_never_reach_students() -> None:
    inactive = [e for e in ENTRIES if e.status == "inactive"]
    assert inactive and all(e.inactive_reason for e in inactive)
    assert "iraq-afghanistan-service-grant" in {e.slug for e in inactive}


# -- broken files -----------------------------------------------------------------------------


def _write(tmp_path: Path, rows: list[dict], name: str = "cat.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"format": 2, "entries": rows}, indent=2))
    return path


def _row(slug: str, **over: object) -> dict:
    base = next(synthetic_entries(1, seed=7))
    base.update(slug=slug, **over)
    return base


@pytest.mark.parametrize(
    ("over", "message"),
    [
        (
            {"rules": [{"type": "horoscope", "sign": "leo"}]},
            "does not match any of the expected tags",
        ),
        (
            {"rules": [{"type": "age", "min": 30, "max": 20}]},
            "minimum age 30 is above the maximum 20",
        ),
        ({"rules": [{"type": "level", "levels": ["kindergarten"]}]}, "unknown level: kindergarten"),
        ({"rules": [{"type": "gpa", "min": 4.5, "scale": 4.0}]}, "above its scale"),
        ({"amount": {"min": 5000, "max": 100}}, "amount min 5000 is above max 100"),
        ({"cycles": [{"kind": "fixed", "deadline": None}]}, "a fixed cycle needs its deadline"),
        ({"cycles": [{"kind": "rolling", "deadline": "2026-03-01"}]}, "has no single deadline"),
    ],
)
def test_a_broken_rule_is_refused_with_file_and_line(
    tmp_path: Path, over: dict, message: str
) -> None:
    path = _write(tmp_path, [_row("good-one"), _row("bad-one", **over)])
    with pytest.raises(CatalogueFileError) as exc:
        parse_catalogue(tmp_path)
    assert any(p.startswith(f"{path}:") and message in p for p in exc.value.problems), (
        exc.value.problems
    )
    line = int(exc.value.problems[0].split(":")[1])
    assert json.loads(path.read_text())["entries"][1]["slug"] == "bad-one"
    assert path.read_text().splitlines()[line - 1].strip() == "{"


def test_a_slug_repeated_across_files_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, [_row("same")], "a.json")
    _write(tmp_path, [_row("same")], "b.json")
    with pytest.raises(CatalogueFileError, match=r"repeats a\.json"):
        parse_catalogue(tmp_path)


def test_invalid_json_reports_its_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"format": 2,\n "entries": [\n  {"slug": }\n]}')
    with pytest.raises(CatalogueFileError, match=rf"{re.escape(str(path))}:3: invalid JSON"):
        parse_catalogue(tmp_path)


def test_the_synthetic_catalogue_is_seeded_and_valid(tmp_path: Path) -> None:
    rows = list(synthetic_entries(50, seed=3))
    assert rows == list(synthetic_entries(50, seed=3))
    parsed = parse_catalogue(_write(tmp_path, rows))
    assert len(parsed.entries) == 50
