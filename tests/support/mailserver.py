"""A real SMTP server (aiosmtpd) for the mail tests, which can refuse on command: a temporary
failure for the next N messages, or a permanent refusal of one recipient (a bounce)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from scholarlink.core.settings import reset_settings_cache
from tests.support.processes import free_port


@dataclass
class Inbox:
    raw: list[bytes] = field(default_factory=list)
    fail_next: int = 0  # answer 451 to this many DATA commands
    bounce: set[str] = field(default_factory=set)  # answer 550 to these recipients

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.lower() in self.bounce:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 Try again later"
        self.raw.append(envelope.content)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(r, policy=policy.default) for r in self.raw]  # type: ignore[misc]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        self.raw.clear()


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    box = Inbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("SMTP_PORT", str(port))
    monkeypatch.setenv("MAIL_BASE_DELAY_SECONDS", "0.01")
    reset_settings_cache()
    try:
        yield box
    finally:
        controller.stop()
        monkeypatch.delenv("SMTP_HOST")
        reset_settings_cache()
