import pytest
from pydantic import ValidationError

from scholarlink.core.settings import DEV_SECRET_KEY, Settings


def test_development_accepts_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY")
    assert Settings(environment="development").secret_key.get_secret_value() == DEV_SECRET_KEY


@pytest.mark.parametrize("env", ["test", "production"])
def test_default_secret_is_refused_outside_development(env: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY is the development default"):
        Settings(environment=env, secret_key=DEV_SECRET_KEY, database_url="postgresql://x/y")


def test_production_needs_postgresql() -> None:
    with pytest.raises(ValidationError, match="PostgreSQL"):
        Settings(environment="production", secret_key="s" * 40, database_url="sqlite:///x.db")


def test_production_needs_an_https_app_url_and_secure_cookies() -> None:
    with pytest.raises(ValidationError, match="https:// APP_URL"):
        Settings(environment="production", secret_key="s" * 40, database_url="postgresql://x/y")
    prod = Settings(
        environment="production",
        secret_key="s" * 40,
        database_url="postgresql://x/y",
        app_url="https://app.example.org",
        smtp_host="mail.example.org",
    )
    assert prod.secure_cookies and prod.origins == frozenset({"https://app.example.org"})
    dev = Settings(allowed_origins="https://partner.example.org:8443/some/path")
    assert not dev.secure_cookies
    assert dev.origins == {
        "http://127.0.0.1:3000",
        "http://localhost:3000",
        "https://partner.example.org:8443",
    }


def test_postgres_urls_use_psycopg3() -> None:
    s = Settings(database_url="postgres://u@h/db")
    assert s.database_url == "postgresql+psycopg://u@h/db"


def test_unknown_database_scheme_is_refused() -> None:
    with pytest.raises(ValidationError, match="sqlite:// or postgresql://"):
        Settings(database_url="mysql://u@h/db")


def test_short_shared_secret_is_refused() -> None:
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        Settings(shared_secret="short")


def test_bridge_modes() -> None:
    assert Settings().bridge_mode == "disabled"
    assert Settings(shared_secret="k" * 32).bridge_mode == "local_only"
    connected = Settings(shared_secret="k" * 32, command_center_url="https://cc.example.org")
    assert connected.bridge_mode == "connected"
    assert ("cc.example.org", 443) in connected.allowed_callback_endpoints


def test_a_model_runs_with_a_key_or_a_compatible_server() -> None:
    assert not Settings(openai_api_key=None, openai_base_url=None).uses_openai
    assert Settings(openai_api_key="sk-test").uses_openai
    # A local OpenAI-compatible server needs only its URL (and its model name).
    local = Settings(openai_base_url="http://127.0.0.1:11434/v1", openai_model="llama3.2:3b")
    assert local.uses_openai and local.openai_model == "llama3.2:3b"
    assert not Settings(openai_base_url="", openai_api_key=None).uses_openai
    assert not Settings(ai_provider="local", openai_api_key="sk-test").uses_openai
    with pytest.raises(ValidationError):
        Settings(openai_model="")


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_RATE_LIMIT_PER_MINUTE", "42")
    monkeypatch.setenv("ESSAY_MAX_CHARS", "5000")
    s = Settings()
    assert s.agent_rate_limit_per_minute == 42
    assert s.essay_max_chars == 5000


def test_production_needs_a_mail_server() -> None:
    with pytest.raises(ValidationError, match="SMTP_HOST"):
        Settings(
            environment="production",
            secret_key="s" * 40,
            database_url="postgresql://x/y",
            app_url="https://app.example.org",
            smtp_host=None,  # whatever the environment says
        )
