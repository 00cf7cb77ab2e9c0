"""Fixtures for the agent bridge: a Command Center simulator and the agent, both over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from scholarlink.agent.simulator import CommandCenter, task_body
from scholarlink.ai.providers import reset_providers
from scholarlink.core.breakers import all_breakers
from scholarlink.core.db import session_scope
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import User
from scholarlink.services.catalogue import load_catalogue, parse_catalogue
from scholarlink.services.credits import MILLI, post_entry
from tests.support.agent_server import agent_asgi
from tests.support.mailserver import inbox  # noqa: F401 - a fixture of the mail tests
from tests.support.servers import serve

SECRET = "s" * 40
PREVIOUS_SECRET = "p" * 40


def bridge_env(monkeypatch: pytest.MonkeyPatch, cc_url: str | None, **extra: str) -> None:
    env = {
        "SHARED_SECRET": SECRET,
        "SHARED_SECRET_PREVIOUS": PREVIOUS_SECRET,
        "CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
        "AGENT_RATE_LIMIT_PER_MINUTE": "1000",
        "OUTBOX_BASE_DELAY_SECONDS": "0.05",
        "OUTBOX_MAX_DELAY_SECONDS": "0.3",
        "HEARTBEAT_INTERVAL_SECONDS": "2",
        "OUTBOX_BREAKER_RESET_SECONDS": "0.5",
        **extra,
    }
    if cc_url:
        env["COMMAND_CENTER_URL"] = cc_url
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    reset_settings_cache()
    reset_providers()
    for b in all_breakers():
        b.reset()


@dataclass
class Bridge:
    cc: CommandCenter
    cc_url: str
    agent_url: str
    client: httpx.Client

    @property
    def callback_url(self) -> str:
        return f"{self.cc_url}/orchestrator/tasks/callback"

    def task(self, action: str, payload: dict, **extra: object) -> dict:
        return task_body(action, payload, reply_to=self.callback_url, **extra)

    def dispatch(self, body: dict, token: str | None = None) -> httpx.Response:
        return self.cc.dispatch(self.agent_url, body, token=token, client=self.client)

    def result(self, task_id: str, timeout: float = 20) -> dict:
        [callback] = self.cc.wait_for(lambda: self.cc.callbacks_for(task_id), timeout=timeout)
        return callback


@pytest.fixture
def loaded_catalogue(db: str, catalogue_path: Path) -> None:
    parsed = parse_catalogue(catalogue_path)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)


@pytest.fixture
def command_center() -> Iterator[tuple[CommandCenter, str]]:
    cc = CommandCenter(SECRET)
    with serve(cc.app()) as url:
        yield cc, url


@pytest.fixture
def bridge(
    db: str,
    loaded_catalogue: None,
    command_center: tuple[CommandCenter, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Bridge]:
    cc, cc_url = command_center
    bridge_env(monkeypatch, cc_url)
    with serve(agent_asgi(), lifespan="on") as agent_url, httpx.Client(timeout=30) as client:
        yield Bridge(cc, cc_url, agent_url, client)
    for key in ("SHARED_SECRET", "SHARED_SECRET_PREVIOUS", "COMMAND_CENTER_URL"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()


def make_student(
    public_id: str = "42600777", *, credits: int = 0, profile: dict | None = None
) -> int:
    from scholarlink.services.profiles import parse_profile_input, update_profile

    with session_scope() as s:
        user = User(public_id=public_id, email=f"{public_id}@example.org")
        s.add(user)
        s.flush()
        assert user.id
        if credits:
            post_entry(
                s,
                user_id=user.id,
                amount=credits * MILLI,
                kind="grant",
                reference=f"grant:{public_id}",
            )
        if profile:
            update_profile(s, user_id=user.id, changes=parse_profile_input(profile))
        return user.id


def confirm_everything(user_id: int, rounds: int = 3) -> None:
    """Answer "yes" to every requirement to confirm on a student's possible cards (as a student
    who meets them would), refreshing in between: answers move cards into Matches."""
    from scholarlink.services import matches as svc

    for _ in range(rounds):
        svc.refresh_matches(user_id=user_id)
        with session_scope() as s:
            asked = {
                (q["field"], q["question"])
                for m in svc.list_matches(s, user_id=user_id, bucket="possible")
                for q in m.match.questions
                if q["field"].startswith("answer:")
            }
            for field, question in asked:
                svc.answer_question(
                    s, user_id=user_id, field_name=field, question=question, answer=True
                )
