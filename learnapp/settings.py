"""Settings: read once from LEARNAPP_* environment variables, failing fast on bad values."""

from __future__ import annotations

from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path

from pydantic import PositiveInt, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LEARNAPP_", extra="ignore")

    database_url: str = f"sqlite:///{ROOT / 'var' / 'learnapp.db'}"
    port: int = 3000
    content_dir: Path = ROOT / "content"
    log_json: bool = False
    # Where learners reach the app; certificate QR codes point at <public_url>/verify/<code>.
    public_url: str = ""
    # The origin the browser sees the app at (scheme://host[:port]); see allowed_origins().
    origin: str = ""
    sql_echo: bool = False
    # When set, GET /metrics wants 'Authorization: Bearer <metrics_token>'; empty leaves it open.
    metrics_token: str = ""
    # A sign-in session unused for this many days has ended (besides its 30-day limit).
    session_idle_days: PositiveInt = 14
    # Addresses or networks (comma-separated) of the reverse proxies in front of the app: only a request whose
    # direct peer is one of them has its X-Forwarded-For believed. Empty: the peer is the client.
    trusted_proxies: str = ""
    # false: `learnapp demo` (and so `make run`) imports the catalog only, without the demo accounts.
    demo: bool = True
    # Test runs only (Schemathesis against a served app): raises the API's per-account limit; never lowers it, and is
    # ignored unless the origin is local (learnapp/api/v1/limits.py).
    test_api_rate_per_minute: int = 0
    # Webhooks may post to private, loopback and link-local addresses (a receiver on the operator's own network, tests).
    webhooks_allow_private: bool = False
    # xAPI: when xapi_url is set, statements go to <xapi_url>/xAPI/statements with basic auth; actors are accounts
    # on the app's origin unless xapi_send_email (then the learner's email, as mbox, and name leave the app).
    xapi_url: str = ""
    xapi_user: str = ""
    xapi_password: str = ""
    xapi_send_email: bool = False
    # Outgoing email: smtp://user:pass@host:587 (STARTTLS when the server offers it) or smtps://user:pass@host:465.
    # Empty: every message is written as an .eml file under mail_dir instead (var/mail/ beside a SQLite database).
    smtp_url: str = ""
    mail_from: str = "learnapp <no-reply@localhost>"
    mail_dir: Path | None = None

    @field_validator("smtp_url")
    @classmethod
    def _smtp(cls, value: str) -> str:
        if value and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("LEARNAPP_SMTP_URL: use smtp://[user:pass@]host[:port] or smtps://...")
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        proxy_networks(value)  # fail at start on a typo, not on the first forwarded request
        return value


Network = IPv4Network | IPv6Network


def proxy_networks(listed: str) -> tuple[Network, ...]:
    """'10.0.0.1, 192.168.0.0/16, ::1' as networks (a bare address is a network of one)."""
    try:
        return tuple(ip_network(item.strip(), strict=False) for item in listed.split(",") if item.strip())
    except ValueError as error:
        raise ValueError(f"LEARNAPP_TRUSTED_PROXIES: {error}") from error


def public_url() -> str:
    settings = get_settings()
    return (settings.public_url or f"http://localhost:{settings.port}").rstrip("/")


def allowed_origins() -> tuple[str, ...]:
    """The app's own origins: the only ones the websocket, CORS and the sign-in forms accept (rxconfig.py uses it).

    LEARNAPP_ORIGIN, else http://localhost:<port>; and http://127.0.0.1:<port> for local use.
    """
    settings = get_settings()
    own = (settings.origin or f"http://localhost:{settings.port}").rstrip("/")
    return tuple(dict.fromkeys((own, f"http://127.0.0.1:{settings.port}")))


def trusted_proxies() -> tuple[Network, ...]:
    return proxy_networks(get_settings().trusted_proxies)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
