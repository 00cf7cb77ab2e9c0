"""Operator commands and start-up errors."""

import os
import subprocess
import sys

import pytest
from sqlmodel import select

from scholarlink.cli import main as cli
from scholarlink.core.db import session_scope
from scholarlink.models import User


def _run(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scholarlink.cli", *args],
        env={**os.environ, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "url,expected",
    [
        ("mysql://root@localhost/x", "DATABASE_URL must be a sqlite:// or postgresql:// URL"),
        ("postgresql://postgres@127.0.0.1:1/none", "is unreachable"),
    ],
)
def test_bad_database_url_is_one_clear_line(url: str, expected: str) -> None:
    result = _run("migrate", env={"DATABASE_URL": url})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr


def test_create_user(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("a-good-password-1\n"))
    assert cli(["user", "create", "--email", "Op@Example.org", "--password-stdin"]) == 0
    with session_scope() as s:
        user = s.exec(select(User).where(User.email == "op@example.org")).one()
    assert user.password_hash and user.password_hash.startswith("$argon2")
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("weak\n"))
    assert cli(["user", "create", "--email", "other@example.org", "--password-stdin"]) == 1
    assert "Password does not meet the rules" in capsys.readouterr().err


def test_synthetic_catalogue_file(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "synth.json"
    assert cli(["catalogue", "synthetic", "--count", "50", "--seed", "2", "--out", str(out)]) == 0
    from scholarlink.services.catalogue import parse_catalogue

    assert len(parse_catalogue(out).entries) == 50


def test_standalone_worker_serves_its_metrics(db: str, tmp_path) -> None:
    import time

    import httpx

    from tests.support.processes import free_port

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "SHARED_SECRET": "w" * 40,
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scholarlink.cli",
            "worker",
            "--metrics-port",
            str(port),
            "--metrics-host",
            "127.0.0.1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        text = ""
        for _ in range(100):
            try:
                text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=1).text
                if "agent_outbox_depth" in text:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        assert "agent_outbox_depth" in text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert proc.returncode == 0
