"""Loading the catalogue: idempotent upserts, deactivation instead of deletion, all-or-nothing."""

import json
from pathlib import Path

import pytest
from sqlmodel import func, select

from scholarlink.cli import main as cli
from scholarlink.core.db import session_scope
from scholarlink.models import Application, Scholarship, User
from scholarlink.services.catalogue import load_catalogue, parse_catalogue
from scholarlink.services.synthetic import synthetic_entries


def _count(**where: object) -> int:
    with session_scope() as s:
        q = select(func.count()).select_from(Scholarship)
        for k, v in where.items():
            q = q.where(getattr(Scholarship, k) == v)
        return s.exec(q).one()


def test_shipped_catalogue_loads_once_and_second_load_changes_nothing(
    db: str, catalogue_path: Path
) -> None:
    parsed = parse_catalogue(catalogue_path)
    with session_scope() as s:
        first = load_catalogue(s, parsed.entries, version=parsed.version)
    assert first.inserted == len(parsed.entries) >= 400
    with session_scope() as s:
        second = load_catalogue(s, parsed.entries, version=parsed.version)
    assert (second.inserted, second.updated, second.deactivated) == (0, 0, 0)
    assert second.unchanged == len(parsed.entries)
    active = sum(1 for e in parsed.entries if e.status == "active")
    assert (
        _count(is_active=True) == active and _count(is_active=False) == len(parsed.entries) - active
    )


def _file(tmp_path: Path, rows: list[dict], name: str = "c.json") -> Path:
    p = tmp_path / name
    p.write_text(json.dumps({"format": 2, "entries": rows}, indent=2))
    return p


def test_removed_entry_is_deactivated_not_deleted_and_applications_survive(
    db: str, tmp_path: Path
) -> None:
    rows = list(synthetic_entries(3, seed=11))
    parsed = parse_catalogue(_file(tmp_path, rows))
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version="v1")
        gone = s.exec(select(Scholarship).where(Scholarship.slug == rows[0]["slug"])).one()
        user = User(email="a@example.org")
        s.add(user)
        s.flush()
        s.add(Application(user_id=user.id, scholarship_id=gone.id))
    parsed2 = parse_catalogue(_file(tmp_path, rows[1:], "v2.json"))
    with session_scope() as s:
        report = load_catalogue(s, parsed2.entries, version="v2")
    assert report.deactivated == 1 and report.unchanged == 2
    assert _count() == 3 and _count(is_active=False) == 1
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(Application)).one() == 1
    # Bringing it back reactivates the same row.
    with session_scope() as s:
        report = load_catalogue(s, parsed.entries, version="v3")
    assert report.updated == 1 and _count(is_active=True) == 3


def test_changed_entry_is_updated_in_place(db: str, tmp_path: Path) -> None:
    rows = list(synthetic_entries(2, seed=12))
    with session_scope() as s:
        load_catalogue(s, parse_catalogue(_file(tmp_path, rows)).entries, version="v1")
    rows[1]["amount"]["max"] = rows[1]["amount"]["max"] + 500
    with session_scope() as s:
        report = load_catalogue(s, parse_catalogue(_file(tmp_path, rows)).entries, version="v2")
    assert (report.updated, report.unchanged) == (1, 1)


def test_cli_reports_bad_rows_and_loads_nothing(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(synthetic_entries(4, seed=13))
    rows[2]["rules"] = [{"type": "residence_state", "states": ["ZZ"]}]
    path = _file(tmp_path, rows)
    assert cli(["catalogue", "load", "--file", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:" in err and "unknown state: ZZ" in err
    assert _count() == 0


def test_cli_load_is_idempotent(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(["catalogue", "load"]) == 0
    assert "0 unchanged" in capsys.readouterr().out
    assert cli(["catalogue", "load"]) == 0
    assert "0 added, 0 updated" in capsys.readouterr().out


def test_an_entry_marked_inactive_is_deactivated_and_kept(db: str, tmp_path: Path) -> None:
    rows = list(synthetic_entries(2, seed=14))
    with session_scope() as s:
        load_catalogue(s, parse_catalogue(_file(tmp_path, rows)).entries, version="v1")
    rows[0].update(status="inactive", inactive_reason="Folded into Pell from 2024-25 (source).")
    with session_scope() as s:
        report = load_catalogue(s, parse_catalogue(_file(tmp_path, rows)).entries, version="v2")
    assert report.deactivated == 1 and _count(is_active=False) == 1 and _count() == 2
