"""Settings: read once from LEARNAPP_* environment variables, failing fast on bad values."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import PositiveInt
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
