"""Every environment variable ScholarLink reads, typed and validated once.

`get_settings()` is the only way the app reads configuration; `.env.example` documents each field.
Default secrets exist for development only: any other environment refuses to start with them.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET_KEY = "dev-only-secret-key-change-me-in-production-0000"  # noqa: S105 - refused outside dev

Environment = Literal["development", "test", "production"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    environment: Environment = "development"
    version: str = "0.1.0"

    # Database: SQLite file by default, PostgreSQL in production.
    # In a hidden folder: Reflex's dev hot reload ignores it (writes to the DB must not restart it).
    database_url: str = f"sqlite:///{PROJECT_ROOT / '.data' / 'scholarlink.core.db'}"
    database_pool_size: int = Field(default=5, ge=1, le=100)

    # Where students open the app (the frontend's URL). Its origin, and the extra ones in
    # ALLOWED_ORIGINS, are the only origins browsers may call the API and websocket from with
    # credentials; the session cookie is Secure whenever this is https (always in production).
    app_url: str = "http://127.0.0.1:3000"
    allowed_origins: str = ""

    # Sessions and signing of the student-facing app.
    secret_key: SecretStr = SecretStr(DEV_SECRET_KEY)
    session_ttl_hours: int = Field(default=24 * 14, ge=1)
    # Throttling of sign-in, sign-up and password checks (limits library): memory:// in one
    # process; a redis:// URL shares the counters between workers (default: REFLEX_REDIS_URL).
    rate_limit_storage_url: str | None = None
    reflex_redis_url: str | None = None
    # Credits granted to every new account so the essay tools can be tried (0 = none).
    welcome_credits: int = Field(default=1000, ge=0)

    # Agent bridge (contracts/agent-bridge.md).
    shared_secret: SecretStr | None = None
    shared_secret_previous: SecretStr | None = None
    command_center_url: str | None = None
    agent_id: str = "student-pilot"
    agent_name: str = "student_pilot"
    agent_base_url: str = "http://localhost:8000"
    callback_allowed_hosts: str = ""
    agent_rate_limit_per_minute: int = Field(default=5, ge=1)
    agent_billing_user: str = "agent-account"
    agent_run_worker: bool = True
    agent_task_lease_seconds: int = Field(default=60, ge=5)
    outbox_max_attempts: int = Field(default=8, ge=1)
    outbox_base_delay_seconds: float = Field(default=1.0, gt=0)
    outbox_max_delay_seconds: float = Field(default=300.0, gt=0)
    outbox_breaker_reset_seconds: float = Field(default=15.0, gt=0)
    heartbeat_interval_seconds: int = Field(default=60, ge=1)

    # AI providers.
    ai_provider: Literal["auto", "local", "openai"] = "auto"
    openai_api_key: SecretStr | None = None
    # Any OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1 (Ollama), with its model name.
    openai_base_url: str | None = None
    openai_model: str = Field(default="gpt-4o-mini", min_length=1, max_length=200)
    openai_timeout_seconds: float = Field(default=20.0, gt=0)
    openai_max_retries: int = Field(default=2, ge=0)
    match_top_k: int = Field(default=20, ge=1, le=200)
    essay_max_chars: int = Field(default=20_000, ge=100)

    # Payments.
    stripe_secret_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str | None = None

    # Documents.
    storage_backend: Literal["local", "gcs"] = "local"
    # Never inside Reflex's public uploaded_files folder (served to anyone at /_upload).
    storage_local_dir: Path = PROJECT_ROOT / ".data" / "documents"
    gcs_bucket: str | None = None
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    upload_quota_bytes: int = Field(default=100 * 1024 * 1024, ge=1024)

    # OpenID Connect ("Scholar Auth").
    oidc_issuer: str | None = None
    oidc_fallback_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None

    # E-mail (sign-up confirmations, alerts, reminders), through the outbox (services.mail).
    # Without SMTP_HOST, development writes each mail to the log instead of sending it; in
    # production SMTP_HOST is required (new accounts are confirmed by e-mail).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "ScholarLink <reminders@scholarlink.local>"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_max_attempts: int = Field(default=6, ge=1)
    mail_base_delay_seconds: float = Field(default=60.0, gt=0)
    # Where the backend answers (one-click unsubscribe links); defaults to APP_URL (one port).
    reflex_api_url: str | None = None

    # Logging.
    log_level: str = "INFO"
    log_json: bool = True

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        scheme = urlparse(value).scheme
        if not scheme.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError(
                f"DATABASE_URL must be a sqlite:// or postgresql:// URL, got scheme {scheme!r}"
            )
        if scheme in ("postgres", "postgresql"):
            # SQLAlchemy's default PostgreSQL driver is psycopg2; we ship psycopg 3.
            value = "postgresql+psycopg" + value[len(scheme) :]
        return value

    @field_validator("app_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError("APP_URL must be an http(s) URL")
        return value.rstrip("/")

    @field_validator("shared_secret", "shared_secret_previous")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value():
            return None
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("SHARED_SECRET must be at least 32 bytes")
        return value

    @model_validator(mode="after")
    def _no_default_secrets_outside_development(self) -> Settings:
        if self.environment != "development" and (
            self.secret_key.get_secret_value() == DEV_SECRET_KEY
        ):
            raise ValueError(
                "SECRET_KEY is the development default; set a real secret when "
                f"ENVIRONMENT={self.environment}"
            )
        if self.environment == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("ENVIRONMENT=production needs a PostgreSQL DATABASE_URL")
        if self.environment == "production" and not self.app_url.startswith("https://"):
            raise ValueError("ENVIRONMENT=production needs an https:// APP_URL")
        if self.environment == "production" and not self.smtp_host:
            raise ValueError(
                "ENVIRONMENT=production needs SMTP_HOST (accounts are confirmed by e-mail)"
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        return self.environment == "production" or self.app_url.startswith("https://")

    @property
    def origins(self) -> frozenset[str]:
        """The browser origins trusted with credentials: the app's own, plus ALLOWED_ORIGINS.
        In development the app's origin is also trusted under its loopback twin
        (127.0.0.1 ⇄ localhost), since either may be typed into the address bar."""
        found = {origin_of(self.app_url)}
        found |= {origin_of(o) for o in self.allowed_origins.split(",") if o.strip()}
        if self.environment != "production":
            for origin in list(found):
                for a, b in (("//127.0.0.1", "//localhost"), ("//localhost", "//127.0.0.1")):
                    if a in origin:
                        found.add(origin.replace(a, b))
        found.discard("")
        return frozenset(found)

    @property
    def rate_limit_storage(self) -> str:
        return self.rate_limit_storage_url or self.reflex_redis_url or "memory://"

    @property
    def api_base_url(self) -> str:
        return (self.reflex_api_url or self.app_url).rstrip("/")

    @property
    def bridge_mode(self) -> Literal["connected", "local_only", "disabled"]:
        if self.shared_secret is None:
            return "disabled"
        return "connected" if self.command_center_url else "local_only"

    @property
    def uses_openai(self) -> bool:
        if self.ai_provider == "local":
            return False
        # A local OpenAI-compatible server (llama.cpp, Ollama, vLLM) needs only its URL.
        return self.openai_api_key is not None or bool(self.openai_base_url)

    @property
    def allowed_callback_endpoints(self) -> frozenset[tuple[str, int]]:
        """(host, port) pairs that `reply_to` may point at: the CALLBACK_ALLOWED_HOSTS entries
        (`host[:port]`, no port = the scheme's default — resolved when a URL is checked, so both
        80 and 443 are recorded) and the Command Center's own origin; never the agent itself."""
        found: set[tuple[str, int]] = set()
        for entry in self.callback_allowed_hosts.split(","):
            parsed = host_and_port(entry)
            if parsed is None:
                continue
            host, port = parsed
            found |= {(host, port)} if port else {(host, 80), (host, 443)}
        if self.command_center_url:
            cc = endpoint_of(self.command_center_url)
            if cc is not None:
                found.add(cc)
        own = endpoint_of(self.agent_base_url)
        if own is not None:
            found.discard(own)
        return frozenset(found)

    def callback_allowed(self, url: str) -> bool:
        endpoint = endpoint_of(url)
        return endpoint is not None and endpoint in self.allowed_callback_endpoints


def host_and_port(entry: str) -> tuple[str, int | None] | None:
    """A `host[:port]` allow-list entry, lower-cased; None when it is not one."""
    entry = entry.strip().lower()
    if not entry or "/" in entry or "@" in entry:
        return None
    try:
        parsed = urlparse(f"//{entry}")
        port = parsed.port
    except ValueError:
        return None
    if not parsed.hostname:
        return None
    return parsed.hostname, port


def endpoint_of(url: str) -> tuple[str, int] | None:
    """(host, port) an http(s) URL connects to (the scheme's default port filled in), or None."""
    try:
        parsed = urlparse(url.strip())
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    return parsed.hostname.lower(), port or (443 if parsed.scheme == "https" else 80)


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL (the port only when it is not the scheme's default), or ""."""
    try:
        parsed = urlparse(url.strip())
        port = parsed.port
    except ValueError:
        return ""
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return ""
    default = 443 if parsed.scheme == "https" else 80
    host = parsed.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parsed.scheme}://{host}" + (f":{port}" if port and port != default else "")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()


def load_settings_or_exit() -> Settings:
    """Settings for a process entry point: a bad environment is one clear line, not a traceback."""
    import sys

    from pydantic import ValidationError

    try:
        return get_settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]).upper() or "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        print(f"scholarlink: configuration error: {field}: {message}", file=sys.stderr)
        raise SystemExit(2) from None
