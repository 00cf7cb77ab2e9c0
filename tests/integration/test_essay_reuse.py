"""The essay reuse map over the shipped catalogue's real prompts (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import select

from scholarlink.core.db import session_scope
from scholarlink.core.errors import NotFound
from scholarlink.models import Match, Scholarship, User
from scholarlink.services import essay_reuse, essays

SAMPLES = Path(__file__).parents[1] / "data" / "essays"
WITH_PROMPTS = {
    "North Carolina Teaching Fellows": "teaching",
    "Tennessee Minority Teaching Fellows Program": "teaching",
    "NJCPA Scholarship Fund High School Scholarships": "accounting",
    "PFLAG San Diego County Launching Leaders Scholarships": "community",
}
WITHOUT_PROMPT = "Federal Pell Grant (federal grant)"


def _student_with_matches() -> tuple[int, dict[str, int], dict[str, int]]:
    with session_scope() as s:
        user = User(email="reuse@example.org")
        s.add(user)
        s.flush()
        assert user.id is not None
        rows = {
            r.name: r
            for r in s.exec(
                select(Scholarship).where(
                    Scholarship.name.in_([*WITH_PROMPTS, WITHOUT_PROMPT])  # type: ignore[attr-defined]
                )
            )
        }
        assert set(rows) == {*WITH_PROMPTS, WITHOUT_PROMPT}
        for row in rows.values():
            s.add(Match(user_id=user.id, scholarship_id=row.id, score=80, chance="competitive"))
        ids = {}
        for name, title in (
            ("teaching", "Why I teach"),
            ("accounting", "The green ledger"),
            ("community", "Saturday pantry"),
            ("challenge", "Moving three times"),
        ):
            essay = essays.create_essay(
                s, user_id=user.id, title=title, content=(SAMPLES / f"{name}.txt").read_text()
            )
            ids[name] = essay.id or 0
        essays.create_essay(s, user_id=user.id, title="Empty draft")  # not ranked: no text
        return user.id, ids, {n: r.id or 0 for n, r in rows.items()}


def test_reuse_map_ranks_essays_for_each_published_prompt(loaded_catalogue: None) -> None:
    uid, essay_ids, _ = _student_with_matches()
    with session_scope() as s:
        found = essay_reuse.reuse_map(s, user_id=uid)
    assert found.matches_without_prompt == 1
    assert {p.scholarship for p in found.prompts} == set(WITH_PROMPTS)
    for row in found.prompts:
        assert row.best is not None
        assert row.best.essay_id == essay_ids[WITH_PROMPTS[row.scholarship]]
        assert len(row.ranked) == 4 and row.ranked[0].score >= row.ranked[1].score
    teaching = next(p for p in found.prompts if p.scholarship.startswith("Tennessee"))
    assert teaching.word_limit == 250 and teaching.best is not None
    assert (
        teaching.best.over_limit == essays.word_count((SAMPLES / "teaching.txt").read_text()) - 250
    )
    assert [r.text for r in found.essays] == [
        "Your essay “Why I teach” fits 2 of your matches",
        "Your essay “Saturday pantry” fits 1 of your matches",
        "Your essay “The green ledger” fits 1 of your matches",
    ]


def test_tailoring_starts_from_a_copy_with_the_prompt_and_its_limit(
    loaded_catalogue: None,
) -> None:
    uid, essay_ids, scholarship_ids = _student_with_matches()
    tennessee = scholarship_ids["Tennessee Minority Teaching Fellows Program"]
    with session_scope() as s:
        copy = essay_reuse.start_tailoring(
            s, user_id=uid, essay_id=essay_ids["teaching"], scholarship_id=tennessee, prompt_index=0
        )
        assert copy.word_limit == 250 and copy.prompt == "Why I Chose Teaching as a Profession"
        assert copy.title == "Why I teach — Tennessee Minority Teaching Fellows Program"
        original = essays.get_essay(s, user_id=uid, essay_id=essay_ids["teaching"])
        assert copy.content == original.content and copy.id != original.id
        limit = essays.essay_word_limit(copy)
        content, prompt = copy.content, copy.prompt
    tailored = essays.run_tool(
        essays.ToolRequest(tool="tailor", content=content, new_prompt=prompt, word_limit=limit),
        user_id=uid,
    )
    assert tailored.cost == 0 and tailored.result["wordCount"] <= 250
    for sid, index in ((tennessee, 1), (scholarship_ids[WITHOUT_PROMPT], 0), (10**9, 0)):
        with pytest.raises(NotFound), session_scope() as s:
            essay_reuse.start_tailoring(
                s,
                user_id=uid,
                essay_id=essay_ids["teaching"],
                scholarship_id=sid,
                prompt_index=index,
            )
    with session_scope() as s:
        other = User(email="other@example.org")
        s.add(other)
        s.flush()
        other_id = other.id or 0
    with pytest.raises(NotFound), session_scope() as s:
        essay_reuse.start_tailoring(
            s,
            user_id=other_id,
            essay_id=essay_ids["teaching"],
            scholarship_id=tennessee,
            prompt_index=0,
        )
