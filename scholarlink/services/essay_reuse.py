"""Essay reuse: which of a student's essays already answers the prompts of their matches.

Prompts come only from the catalogue (`essay_prompts`, as each programme publishes them, with
their word limits). Essays are ranked against each prompt by TF-IDF cosine similarity
(`scholarlink.ai.similarity` explains the method), computed over the student's essays and
their matches' prompts together. An essay *fits* a prompt when it ranks first for it with a
similarity of at least FIT_THRESHOLD; "your essay X fits N of your matches" counts the matches
with at least one prompt that X fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from scholarlink.ai.similarity import TfidfSpace
from scholarlink.core.db import use_case
from scholarlink.core.errors import NotFound
from scholarlink.services import essays as library
from scholarlink.services.deadlines import entry_of
from scholarlink.services.matches import list_matches

# Below this cosine an essay shares too little vocabulary with a prompt to call it a fit.
# Calibrated on tests/data/essays against the catalogue's 22 prompts: each essay scores
# 0.118–0.139 on the prompts it was written for, every other pair under 0.1 (most under 0.06).
# Lexical similarity misses paraphrase ("life experiences that shaped you" vs a story of moving
# schools); that is the price of a method a student can check by hand.
FIT_THRESHOLD = 0.1


@dataclass(frozen=True)
class Fit:
    essay_id: int
    title: str
    score: float
    shared_terms: list[str]
    words: int
    word_limit: int | None

    @property
    def over_limit(self) -> int:
        return max(0, self.words - self.word_limit) if self.word_limit else 0


@dataclass(frozen=True)
class PromptRow:
    scholarship_id: int
    scholarship: str
    prompt_index: int
    prompt: str
    word_limit: int | None
    ranked: list[Fit]

    @property
    def best(self) -> Fit | None:
        if self.ranked and self.ranked[0].score >= FIT_THRESHOLD:
            return self.ranked[0]
        return None


@dataclass(frozen=True)
class EssayReach:
    essay_id: int
    title: str
    matches: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        n = len(self.matches)
        return f"Your essay “{self.title}” fits {n} of your matches"


@dataclass(frozen=True)
class ReuseMap:
    prompts: list[PromptRow]
    essays: list[EssayReach]
    matches_without_prompt: int


def _essay_text(essay: library.EssayPublic) -> str:
    return f"{essay.title}\n{essay.content}"


@use_case
def reuse_map(session: Session, *, user_id: int) -> ReuseMap:
    """Every published prompt of the student's matches with the student's essays ranked for it."""
    essays = [e for e in library.list_essays(session, user_id=user_id) if e.content.strip()]
    rows: list[tuple[int, str, int, str, int | None]] = []
    without = 0
    for m in list_matches(session, user_id=user_id, bucket="match"):
        entry = entry_of(m.scholarship)
        prompts = entry.essay_prompts if entry else []
        if not prompts:
            without += 1
        for i, p in enumerate(prompts):
            assert m.scholarship.id is not None
            rows.append((m.scholarship.id, m.scholarship.name, i, p.prompt, p.word_limit))
    if not rows:
        return ReuseMap([], [], without)
    space = TfidfSpace([r[3] for r in rows] + [_essay_text(e) for e in essays])
    prompts_out = []
    reach: dict[int, set[str]] = {e.id: set() for e in essays}
    for n, (sid, name, index, text, limit) in enumerate(rows):
        ranked = []
        for k, essay in enumerate(essays):
            sim = space.compare(n, len(rows) + k)
            ranked.append(
                Fit(
                    essay_id=essay.id,
                    title=essay.title,
                    score=sim.score,
                    shared_terms=sim.shared_terms,
                    words=library.word_count(essay.content),
                    word_limit=limit,
                )
            )
        ranked.sort(key=lambda f: (-f.score, f.essay_id))
        row = PromptRow(sid, name, index, text, limit, ranked)
        if row.best is not None:
            reach[row.best.essay_id].add(name)
        prompts_out.append(row)
    essays_out = [EssayReach(e.id, e.title, sorted(reach[e.id])) for e in essays if reach[e.id]]
    essays_out.sort(key=lambda r: (-len(r.matches), r.title))
    return ReuseMap(prompts_out, essays_out, without)


@use_case
def start_tailoring(
    session: Session, *, user_id: int, essay_id: int, scholarship_id: int, prompt_index: int
) -> library.EssayPublic:
    """A copy of the essay for one of the student's matches, with that programme's prompt and
    word limit, ready to tailor (the original stays as it is)."""
    source = library.get_essay(session, user_id=user_id, essay_id=essay_id)
    found = None
    for m in list_matches(session, user_id=user_id, bucket="match"):
        if m.scholarship.id == scholarship_id:
            entry = entry_of(m.scholarship)
            prompts = entry.essay_prompts if entry else []
            if 0 <= prompt_index < len(prompts):
                found = (m.scholarship.name, prompts[prompt_index])
    if found is None:
        raise NotFound("That prompt is not one of your matches' prompts")
    name, prompt = found
    return library.create_essay(
        session,
        user_id=user_id,
        title=f"{source.title} — {name}"[:200],
        prompt=prompt.prompt,
        essay_type=source.essay_type,
        content=source.content,
        word_limit=prompt.word_limit,
        note=f"Copied from “{source.title}” for {name}"[:200],
    )
