"""Essay library and tools: validated before any charge, charged once, local and OpenAI."""

from collections.abc import Iterator

import pytest
from sqlmodel import func, select

from scholarlink.ai.providers import reset_providers
from scholarlink.db import session_scope
from scholarlink.models import AIUsage, User
from scholarlink.observability.breakers import breaker
from scholarlink.services import essays
from scholarlink.services.credits import MILLI, balance, post_entry
from scholarlink.services.errors import InsufficientCredits, NotFound, Unavailable, ValidationFailed
from scholarlink.settings import reset_settings_cache
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import serve

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


def test_library_versions_and_ownership(db: str) -> None:
    a, b = _student(email="a@example.org"), _student(email="b@example.org")
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
    for call in (
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


def test_local_tools_charge_the_rate_card_once(db: str) -> None:
    uid = _student(credits=2000)
    result = essays.run_tool(
        essays.ToolRequest(tool="analyze", content=ESSAY), user_id=uid, operation_id="an-1"
    )
    assert result.cost == 500 * MILLI and result.balance_after == 1500 * MILLI
    assert 0 <= result.result["score"] <= 10
    assert result.result["wordCount"] == len(ESSAY.split())
    assert "offline assistant" in result.result["assistant"]
    again = essays.run_tool(
        essays.ToolRequest(tool="analyze", content=ESSAY), user_id=uid, operation_id="an-1"
    )
    assert again.replayed and again.result == result.result
    outline = essays.run_tool(
        essays.ToolRequest(
            tool="outline", prompt="Describe a challenge", essay_type="overcoming_challenge"
        ),
        user_id=uid,
    )
    assert outline.result["sections"] and outline.result["title"]
    with session_scope() as s:
        assert balance(s, uid) == 1200 * MILLI


def test_not_enough_credits_is_refused(db: str) -> None:
    uid = _student(credits=100)
    with pytest.raises(InsufficientCredits, match="needs 500 credits; your balance is 100"):
        essays.run_tool(essays.ToolRequest(tool="analyze", content=ESSAY), user_id=uid)


def test_openai_structured_output_priced_by_tokens(db: str, openai_fake: FakeOpenAI) -> None:
    uid = _student(credits=100)
    res = essays.run_tool(
        essays.ToolRequest(tool="analyze", content=ESSAY, prompt="Why?"), user_id=uid
    )
    assert res.result["assistant"].startswith("OpenAI gpt-4o-mini")
    # 1200 input tokens x 600 + 300 output x 2400 per 1k = 1,440 millicredits
    assert res.cost == 1440
    sent = openai_fake.requests[-1]
    assert sent["response_format"]["type"] == "json_schema"
    assert sent["response_format"]["json_schema"]["name"] == "EssayAnalysis"


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
