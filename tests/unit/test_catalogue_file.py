"""The shipped catalogue is valid, real-looking and big enough; bad files are reported by line."""

import json
from pathlib import Path

import pytest

from scholarlink.services.catalogue import CatalogueFileError, parse_catalogue
from scholarlink.services.synthetic import synthetic_entries


def test_shipped_catalogue_is_valid(catalogue_path: Path) -> None:
    parsed = parse_catalogue(catalogue_path)
    assert len(parsed.entries) >= 150
    assert parsed.version
    slugs = [e.slug for e in parsed.entries]
    assert len(set(slugs)) == len(slugs)
    assert all(e.url.startswith("https://") for e in parsed.entries)
    assert not any("synthetic" in e.slug for e in parsed.entries)
    levels = {lvl for e in parsed.entries for lvl in e.levels}
    assert {"high_school_senior", "undergraduate", "graduate"} <= levels
    assert any(e.states for e in parsed.entries), "state programmes are included"
    assert any(not e.essay_required for e in parsed.entries), "no-essay awards are included"


def _write(tmp_path: Path, rows: list[dict]) -> Path:
    path = tmp_path / "cat.json"
    path.write_text(json.dumps({"version": "t", "scholarships": rows}, indent=2))
    return path


def _row(slug: str, **over: object) -> dict:
    base = next(synthetic_entries(1, seed=7))
    base.update(slug=slug, **over)
    return base


def test_malformed_rows_are_reported_with_file_and_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [_row("good-one"), _row("bad-gpa", min_gpa=9), _row("bad-level", levels=["kindergarten"])],
    )
    with pytest.raises(CatalogueFileError) as info:
        parse_catalogue(path)
    problems = info.value.problems
    assert len(problems) == 2
    lines = path.read_text().splitlines()
    for problem, slug in zip(problems, ["bad-gpa", "bad-level"], strict=True):
        file_part, line_no, _ = problem.split(":", 2)
        assert file_part == str(path)
        # The reported line starts the entry that holds the slug.
        block = "\n".join(lines[int(line_no) - 1 : int(line_no) + 3])
        assert slug in block
    assert "min_gpa" in problems[0]
    assert "unknown level: kindergarten" in problems[1]


def test_duplicate_slug_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, [_row("same"), _row("same")])
    with pytest.raises(CatalogueFileError, match="repeats the entry on line"):
        parse_catalogue(path)


def test_invalid_json_reports_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "version": "x",\n  "scholarships": [\n    {"slug": }\n  ]\n}')
    with pytest.raises(CatalogueFileError, match=r"broken.json:4: invalid JSON"):
        parse_catalogue(path)


def test_impossible_deadline_and_amount_range(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            _row("a-bad-date", deadline_month=4, deadline_day=31),
            _row("a-bad-range", amount_min=10, amount_max=5),
        ],
    )
    with pytest.raises(CatalogueFileError) as info:
        parse_catalogue(path)
    text = "\n".join(info.value.problems)
    assert "deadline 4/31" in text
    assert "amount_max is below amount_min" in text


def test_synthetic_catalogue_is_seeded_and_valid(tmp_path: Path) -> None:
    a = list(synthetic_entries(300, seed=3))
    assert a == list(synthetic_entries(300, seed=3))
    assert a != list(synthetic_entries(300, seed=4))
    parsed = parse_catalogue(_write(tmp_path, a))
    assert len(parsed.entries) == 300
    assert all(e.slug.startswith("synthetic-") for e in parsed.entries)
