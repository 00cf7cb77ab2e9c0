"""Essay library and tools: validated before any charge, charged once, local and OpenAI."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, func, select

from scholarlink.ai.providers import reset_providers
from scholarlink.core.breakers import breaker
from scholarlink.core.db import session_scope
from scholarlink.core.errors import InsufficientCredits, NotFound, Unavailable, ValidationFailed
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import AIUsage, CreditEntry, SpellingIgnore, User
from scholarlink.services import essays, privacy
from scholarlink.services.credits import MILLI, balance, post_entry
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import serve
from tests.support.sql import statements_sent

SAMPLES = Path(__file__).parents[1] / "data" / "essays"
TYPOS = SAMPLES / "typos.txt"
TEACHING = SAMPLES / "teaching.txt"
ESSAY = (
    "When our robotics team lost at regionals in 2023, I was the one who had wired the drive "
    "train. I learned that testing matters more than speed.\n\nI wrote a checklist and taught "
    "it to 12 teammates. By the state championship in Austin we placed 4th of 38 teams.\n\n"
    "Now I want to study engineering because owning mistakes is how teams grow."
)


def _student(credits: int = 0, email: str = "e@example.org") -> int:
    with session_scope() as s:
        u = User(email=email)
        s.add(u)
        s.flush()
        assert u.id
        if credits:
            post_entry(
                s, user_id=u.id, amount=credits * MILLI, kind="grant", reference=f"grant:{u.id}"
            )
        return u.id


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with serve(fake.app()) as url:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", url + "/v1")
        monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", "0.5")
        monkeypatch.setenv("OPENAI_MAX_RETRIES", "1")
        reset_settings_cache()
        reset_providers()
        breaker("openai").reset()
        yield fake
    monkeypatch.delenv("OPENAI_API_KEY")
    reset_settings_cache()
    reset_providers()
    breaker("openai").reset()


def balance_of(user_id: int) -> int:
    with session_scope() as s:
        return balance(s, user_id)


def test_an_autosave_is_one_statement_that_only_the_owner_can_make(db: str) -> None:
    a, b = _student(email="a@example.org"), _student(email="b@example.org")
    essay = essays.create_essay(user_id=a, title="Why me", prompt="Why?", content="One")
    with statements_sent() as sent:
        saved = essays.autosave_essay(user_id=a, essay_id=essay.id, content="One, then two")
    writes = [q for q in sent if q.lstrip().upper().startswith(("SELECT", "UPDATE", "INSERT"))]
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE"), sent
    assert saved.content == "One, then two" and saved.version == essay.version  # no version
    assert saved.title == "Why me" and saved.updated_at >= essay.updated_at
    assert essays.get_essay(user_id=a, essay_id=essay.id) == saved
    with pytest.raises(NotFound):  # someone else's essay: the same answer as a missing one
        essays.autosave_essay(user_id=b, essay_id=essay.id, content="Mine now")
    with pytest.raises(NotFound):
        essays.autosave_essay(user_id=a, essay_id=essay.id + 1000, content="x")
    with pytest.raises(ValidationFailed):
        essays.autosave_essay(user_id=a, essay_id=essay.id, content="x" * 1_000_000)
    assert essays.get_essay(user_id=a, essay_id=essay.id).content == "One, then two"
    assert [v.version for v in essays.list_versions(user_id=a, essay_id=essay.id)] == [1]


def test_library_versions_and_ownership(db: str) -> None:
    a, b = _student(credits=5, email="a@example.org"), _student(email="b@example.org")
    with session_scope() as s:
        essay = essays.create_essay(
            s, user_id=a, title="Why engineering", prompt="Why?", content="Draft one"
        )
        eid = essay.id
    with session_scope() as s:
        essays.save_essay(s, user_id=a, essay_id=eid, content="Draft two")  # autosave: no version
        essays.save_essay(
            s, user_id=a, essay_id=eid, content="Draft two", new_version=True, note="Checkpoint"
        )
        essays.save_essay(
            s, user_id=a, essay_id=eid, content="Draft two", new_version=True
        )  # unchanged
        versions = essays.list_versions(s, user_id=a, essay_id=eid)
    assert [v.version for v in versions] == [2, 1]
    with session_scope() as s:
        restored = essays.restore_version(s, user_id=a, essay_id=eid, version=1)
        assert restored.content == "Draft one" and restored.version == 3
    essays.ignore_word(user_id=a, word="Zorblax")
    with statements_sent() as sent:  # the editor's side panel: two statements
        side = essays.editor_side(user_id=a, essay_id=eid)
    assert len(sent) == 2, sent
    assert [v.version for v in side.versions] == [3, 2, 1]
    assert side.versions == essays.list_versions(user_id=a, essay_id=eid)  # content, note, time
    assert side.ignored == ["zorblax"] and side.balance_millicredits == balance_of(a) == 5 * MILLI
    theirs = essays.create_essay(user_id=b, title="Mine", prompt="", content="B's")
    side_b = essays.editor_side(user_id=b, essay_id=theirs.id)  # no account, no ignored words
    assert [v.version for v in side_b.versions] == [1] and side_b.versions[0].content == "B's"
    assert side_b.balance_millicredits == 0 and side_b.ignored == []
    for call in (
        lambda s: essays.editor_side(s, user_id=b, essay_id=eid),
        lambda s: essays.get_essay(s, user_id=b, essay_id=eid),
        lambda s: essays.save_essay(s, user_id=b, essay_id=eid, content="mine now"),
        lambda s: essays.list_versions(s, user_id=b, essay_id=eid),
        lambda s: essays.delete_essay(s, user_id=b, essay_id=eid),
    ):
        with pytest.raises(NotFound), session_scope() as s:
            call(s)
    with session_scope() as s:
        assert essays.get_essay(s, user_id=a, essay_id=eid).content == "Draft one"


@pytest.mark.parametrize(
    "req,message",
    [
        (essays.ToolRequest(tool="analyze", content="   "), "The essay is empty"),
        (essays.ToolRequest(tool="analyze", content="x" * 20_001), "the limit is 20,000"),
        (essays.ToolRequest(tool="outline", prompt=""), "needs the essay prompt"),
        (essays.ToolRequest(tool="tailor", content="text", new_prompt=""), "needs the new prompt"),
        (
            essays.ToolRequest(tool="improve", content="text", focus_area="vibes"),
            "Unknown focus area",
        ),
    ],
)
def test_bad_input_refused_before_any_charge(
    db: str, req: essays.ToolRequest, message: str
) -> None:
    uid = _student(credits=5000)
    with pytest.raises(ValidationFailed, match=message):
        essays.run_tool(req, user_id=uid)
    with session_scope() as s:
        assert balance(s, uid) == 5000 * MILLI
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 0


def test_offline_tools_are_free_with_no_ledger_entry(db: str) -> None:
    uid = _student(credits=0)
    quote = essays.tool_quote("analyze", ESSAY)
    assert quote.free and quote.text.startswith("Free")
    result = essays.run_tool(
        essays.ToolRequest(tool="analyze", content=ESSAY), user_id=uid, operation_id="an-1"
    )
    assert result.cost == 0 and result.balance_after is None
    assert 0 <= result.result["score"] <= 10
    assert result.result["wordCount"] == essays.word_count(ESSAY)
    assert "offline assistant" in result.result["assistant"]
    again = essays.run_tool(
        essays.ToolRequest(tool="analyze", content=ESSAY), user_id=uid, operation_id="an-1"
    )
    assert again.replayed and again.result == result.result
    for tool in ("outline", "improve", "ideas", "tailor"):
        charged = essays.run_tool(
            essays.ToolRequest(
                tool=tool,  # type: ignore[arg-type]
                content=ESSAY,
                prompt="Describe a challenge",
                new_prompt="Why engineering? (250 words)",
                essay_type="overcoming_challenge",
            ),
            user_id=uid,
        )
        assert charged.cost == 0
    with session_scope() as s:
        assert balance(s, uid) == 0
        assert s.exec(select(func.count()).select_from(CreditEntry)).one() == 0
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 5


def test_not_enough_credits_for_a_model_call_is_refused(db: str, openai_fake: FakeOpenAI) -> None:
    uid = _student(credits=1)
    quote = essays.tool_quote("analyze", ESSAY)
    assert not quote.free and "gpt-4o-mini is charged by the tokens" in quote.text
    with pytest.raises(InsufficientCredits, match="your balance is 1"):
        essays.run_tool(essays.ToolRequest(tool="analyze", content=ESSAY), user_id=uid)
    assert openai_fake.requests == []


@pytest.mark.parametrize("mode", ["ok", "json_object_only"])
def test_openai_compatible_server_charge_follows_reported_tokens(
    db: str, openai_fake: FakeOpenAI, mode: str
) -> None:
    openai_fake.mode = mode
    uid = _student(credits=100)
    res = essays.run_tool(
        essays.ToolRequest(tool="analyze", content=ESSAY, prompt="Why?"), user_id=uid
    )
    assert res.result["assistant"].startswith("OpenAI gpt-4o-mini")
    # 1200 input tokens x 600 + 300 output x 2400 per 1k = 1,440 millicredits
    assert res.cost == 1440
    openai_fake.prompt_tokens, openai_fake.completion_tokens = 2000, 500
    res = essays.run_tool(essays.ToolRequest(tool="improve", content=ESSAY), user_id=uid)
    assert res.cost == 2000 * 600 // 1000 + 500 * 2400 // 1000
    with session_scope() as s:
        assert balance(s, uid) == 100 * MILLI - 1440 - 2400
        usage = s.exec(select(AIUsage).order_by(col(AIUsage.id))).all()
        assert [(u.input_tokens, u.output_tokens) for u in usage] == [(1200, 300), (2000, 500)]
    formats = [r["response_format"]["type"] for r in openai_fake.requests]
    if mode == "ok":
        assert formats == ["json_schema", "json_schema"]
        assert openai_fake.requests[0]["response_format"]["json_schema"]["name"] == "EssayAnalysis"
    else:
        # Refused once, then JSON mode (validated with pydantic) for this and every later call.
        assert formats == ["json_schema", "json_object", "json_object"]
        assert "JSON schema" in openai_fake.requests[1]["messages"][0]["content"]
    # Whichever mode, the result is completed the same way here (offline spelling, the diff).
    assert "diff" in res.result and "spelling" in res.result


def test_a_local_server_needs_no_key(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeOpenAI(mode="json_object_only")
    with serve(fake.app()) as url:
        monkeypatch.delenv("OPENAI_API_KEY", raising=False)
        monkeypatch.setenv("OPENAI_BASE_URL", url + "/v1")
        monkeypatch.setenv("OPENAI_MODEL", "llama3.2:3b")
        reset_settings_cache()
        reset_providers()
        breaker("openai").reset()
        try:
            uid = _student(credits=100)
            res = essays.run_tool(
                essays.ToolRequest(tool="outline", prompt="Describe a challenge"), user_id=uid
            )
            assert res.result["assistant"] == "OpenAI llama3.2:3b via ScholarLink"
            assert fake.requests[-1]["model"] == "llama3.2:3b"
            # A model missing from the rate card is priced as gpt-4o: 1200 x 10 + 300 x 40.
            assert res.cost == 1200 * 10_000 // 1000 + 300 * 40_000 // 1000
        finally:
            monkeypatch.delenv("OPENAI_BASE_URL")
            monkeypatch.delenv("OPENAI_MODEL")
            reset_settings_cache()
            reset_providers()


def _accept(uid: int, eid: int, original: str, revised: str, before: list[int], n: int) -> Any:
    with session_scope() as s:
        return essays.accept_change(
            s,
            user_id=uid,
            essay_id=eid,
            original=original,
            revised=revised,
            accepted_before=before,
            accept=n,
        )


def test_accepting_changes_one_by_one_saves_versions(db: str) -> None:
    uid = _student()
    text = TYPOS.read_text().strip()
    with session_scope() as s:
        eid = essays.create_essay(s, user_id=uid, title="Nature center", content=text).id
        assert eid is not None
    improved = essays.run_tool(essays.ToolRequest(tool="improve", content=text), user_id=uid)
    diff = improved.result["diff"]
    assert len(diff) >= 5
    original, revised = improved.result["original"], improved.result["improvedContent"]
    _accept(uid, eid, original, revised, [], 0)
    second = _accept(uid, eid, original, revised, [0], 2)
    assert second.version == 3
    assert second.content == essays.apply_changes(original, revised, {0, 2})
    assert diff[0]["after"] in second.content and diff[1]["before"] in second.content
    # Accepting against a stale base (the essay changed meanwhile) saves nothing.
    with pytest.raises(ValidationFailed, match="has changed"):
        _accept(uid, eid, original, revised, [], 1)
    for bad in (-1, len(diff), 0):
        with pytest.raises(ValidationFailed, match="No such change"):
            _accept(uid, eid, original, revised, [0, 2], bad)
    other = _student(email="other@example.org")
    with pytest.raises(NotFound):
        _accept(other, eid, original, revised, [0, 2], 1)
    with session_scope() as s:
        assert [v.version for v in essays.list_versions(s, user_id=uid, essay_id=eid)] == [3, 2, 1]


def test_ignore_list_is_per_student_and_used_by_spelling(db: str) -> None:
    a, b = _student(credits=5, email="a@example.org"), _student(email="b@example.org")
    text = TYPOS.read_text()
    first = essays.run_tool(essays.ToolRequest(tool="analyze", content=text), user_id=a)
    flagged = {i["word"] for i in first.result["spelling"]}
    assert {"Priyanka", "Okonkwo", "volunterred"} <= flagged
    with session_scope() as s:
        assert essays.ignore_word(s, user_id=a, word=" Priyanka ") == "priyanka"
        assert essays.ignore_word(s, user_id=a, word="priyanka") == "priyanka"  # once
        essays.ignore_word(s, user_id=a, word="Okonkwo")
    for bad in ("", "two words", "x" * 61, "<script>", "42"):
        with pytest.raises(ValidationFailed), session_scope() as s:
            essays.ignore_word(s, user_id=a, word=bad)
    with session_scope() as s:
        assert essays.ignored_words(s, user_id=a) == ["okonkwo", "priyanka"]
        assert essays.ignored_words(s, user_id=b) == []
    mine = essays.run_tool(essays.ToolRequest(tool="analyze", content=text), user_id=a)
    theirs = essays.run_tool(essays.ToolRequest(tool="analyze", content=text), user_id=b)
    assert {i["word"] for i in mine.result["spelling"]} == flagged - {"Priyanka", "Okonkwo"}
    assert {i["word"] for i in theirs.result["spelling"]} == flagged
    # Improve leaves ignored words alone and corrects the others.
    improved = essays.run_tool(essays.ToolRequest(tool="improve", content=text), user_id=a)
    assert "Priyanka" in improved.result["improvedContent"]
    assert "volunteered" in improved.result["improvedContent"]
    with session_scope() as s:
        essays.unignore_word(s, user_id=a, word="Okonkwo")
        assert essays.ignored_words(s, user_id=a) == ["priyanka"]
    with pytest.raises(NotFound), session_scope() as s:
        essays.unignore_word(s, user_id=a, word="Okonkwo")
    # The list is the student's data: in their export, gone with their account.
    assert privacy.export_data(user_id=a)["spelling_ignored_words"] == ["priyanka"]
    with session_scope() as s:
        essays.ignore_word(s, user_id=b, word="Okonkwo")
    privacy.delete_account(user_id=a, confirm_email="a@example.org")
    with session_scope() as s:
        rows = s.exec(select(SpellingIgnore.user_id, SpellingIgnore.word)).all()
        assert [tuple(r) for r in rows] == [(b, "okonkwo")]


def test_word_limit_stored_and_enforced_by_tailor(db: str) -> None:
    uid = _student()
    long_text = TEACHING.read_text()
    with pytest.raises(ValidationFailed, match="word limit"), session_scope() as s:
        essays.create_essay(s, user_id=uid, title="T", content=long_text, word_limit=0)
    with session_scope() as s:
        essay = essays.create_essay(
            s, user_id=uid, title="T", prompt="Why teaching?", content=long_text, word_limit=250
        )
        assert essays.essay_word_limit(essay) == 250
    res = essays.run_tool(
        essays.ToolRequest(
            tool="tailor", content=long_text, new_prompt="Why teaching?", word_limit=250
        ),
        user_id=uid,
    )
    assert res.result["wordCount"] <= 250 and res.result["wordLimit"] == 250
    assert essays.word_count(res.result["tailoredContent"]) <= 250
    analysis = essays.run_tool(
        essays.ToolRequest(tool="analyze", content=long_text, prompt="In 250 words: why?"),
        user_id=uid,
    )
    length = next(r for r in analysis.result["rubric"] if r["criterion"] == "Length")
    assert length["points"] == 0 and analysis.result["wordLimit"] == 250


@pytest.mark.parametrize("mode", ["malformed", "slow", "429", "500", "refusal"])
def test_openai_failures_charge_nothing(
    db: str, openai_fake: FakeOpenAI, mode: str, allow_logged_errors: None
) -> None:
    openai_fake.mode = mode
    openai_fake.delay = 2.0
    uid = _student(credits=100)
    with pytest.raises(Unavailable, match="nothing was charged"):
        essays.run_tool(essays.ToolRequest(tool="improve", content=ESSAY), user_id=uid)
    with session_scope() as s:
        assert balance(s, uid) == 100 * MILLI
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 0


def test_breaker_opens_after_repeated_failures(db: str, openai_fake: FakeOpenAI) -> None:
    openai_fake.mode = "500"
    uid = _student(credits=100)
    for _ in range(3):
        with pytest.raises(Unavailable):
            essays.run_tool(essays.ToolRequest(tool="improve", content=ESSAY), user_id=uid)
    assert breaker("openai").state == "open"
    calls = len(openai_fake.requests)
    with pytest.raises(Unavailable, match="circuit open"):
        essays.run_tool(essays.ToolRequest(tool="improve", content=ESSAY), user_id=uid)
    assert len(openai_fake.requests) == calls  # no call while open
