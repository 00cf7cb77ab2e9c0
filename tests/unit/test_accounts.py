import pytest

from scholarlink.core.errors import ValidationFailed
from scholarlink.services.accounts import (
    hash_password,
    normalise_email,
    password_problems,
    verify_password,
)


def test_password_rules() -> None:
    assert "At least 10 characters" in password_problems("short1")
    assert "At least one letter and one digit" in password_problems("onlyletters")
    assert "Not the same as your e-mail address" in password_problems(
        "a1@b.co9999", email="a1@b.co9999"
    )
    assert password_problems("password12") == ["Not a common or easily guessed password"]
    assert password_problems("correct horse 42") == []


def test_argon2_round_trip() -> None:
    h = hash_password("correct horse 42")
    assert h.startswith("$argon2")
    assert verify_password(h, "correct horse 42")
    assert not verify_password(h, "wrong horse 42")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_email_normalised_and_validated() -> None:
    assert normalise_email("  Ada@Example.ORG ") == "ada@example.org"
    with pytest.raises(ValidationFailed):
        normalise_email("not an email")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/%09/evil.example",
        "/\t/evil.example",
        "/\\evil.example",
        "/%5C%5Cevil.example",
        "/%2F/evil.example",
        "https://evil.example",
        "dashboard",
        "/ok\nSet-Cookie:x",
        "",
        None,
    ],
)
def test_next_guard_refuses_other_sites_and_control_characters(target: str | None) -> None:
    from scholarlink import routes

    assert routes.safe_next(target) == routes.DASHBOARD


def test_next_guard_keeps_same_site_paths() -> None:
    from scholarlink import routes

    assert routes.safe_next("/matches?tab=possible") == "/matches?tab=possible"
    assert routes.safe_next("/scholarships/12") == "/scholarships/12"
