"""Serving the real app for journeys, load and crash tests: `reflex run --env prod` on a free port, own database.

Used by the e2e fixtures (tests/e2e/conftest.py) and by bench/click.py, so both drive the app the same way.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from learnapp.settings import ROOT

CHROMIUM = os.environ.get("LEARNAPP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
START_TIMEOUT = 300


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, server: subprocess.Popen[bytes] | None, log: Path | None, frontend: bool = True) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-4000:] if log else ''}")
        try:
            healthy = httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200
            if healthy and (not frontend or httpx.get(url, timeout=2).is_success):
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not answer within {START_TIMEOUT}s:\n{log.read_text()[-4000:] if log else ''}")


@dataclass(frozen=True)
class Setup:
    """How to serve: SQLite in one process by default; PostgreSQL, Redis and several workers for scale-out."""

    database_url: str | None = None  # default: a SQLite file in the folder
    redis_url: str | None = None  # Reflex's Redis state manager (needed for more than one worker)
    workers: int = 1
    backend_only: bool = False  # API and websocket only: no frontend build (load and crash tests)


def served_content(folder: Path) -> Path:
    """A copy of the repository's content for one served app (made once per folder)."""
    target = folder / "content"
    if not target.exists():
        shutil.copytree(ROOT / "content", target)
    return target


def server_env(folder: Path, port: int, setup: Setup) -> dict[str, str]:
    """The environment the app is started with: configuration by environment variables only."""
    env = {
        **os.environ,
        "LEARNAPP_DATABASE_URL": setup.database_url or f"sqlite:///{folder / 'e2e.db'}",
        # Its own copy of the catalog: journeys that edit content (the admin's) never write into the repository.
        "LEARNAPP_CONTENT_DIR": str(served_content(folder)),
        "LEARNAPP_PORT": str(port),
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ['PATH']}",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    for name in ("REFLEX_REDIS_URL", "GRANIAN_WORKERS", "REFLEX_USE_GRANIAN", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(name, None)
    if setup.redis_url:
        env |= {"REFLEX_REDIS_URL": setup.redis_url, "REFLEX_USE_GRANIAN": "1", "GRANIAN_WORKERS": str(setup.workers)}
    if setup.workers > 1:
        metrics = folder / "metrics"
        shutil.rmtree(metrics, ignore_errors=True)
        metrics.mkdir(parents=True)
        env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics)
    return env


def start_server(folder: Path, env: dict[str, str], setup: Setup) -> subprocess.Popen[bytes]:
    """`reflex run --env prod` in its own process group (so a test can kill all of it); output to server.log."""
    command = [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod"]
    if setup.backend_only:
        command.append("--backend-only")
    with (folder / "server.log").open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_server(server: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    try:
        os.killpg(server.pid, sig)
    except ProcessLookupError:
        return
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=20)


def prepare_database(env: dict[str, str]) -> None:
    learnapp = str(ROOT / ".venv" / "bin" / "learnapp")
    subprocess.run([learnapp, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([learnapp, "demo"], env=env, check=True, cwd=ROOT, capture_output=True)


@contextmanager
def served_app(folder: Path, setup: Setup = Setup()) -> Iterator[str]:
    """Serve the app with a fresh demo database (SQLite in `folder` unless `setup` names one); yield its URL."""
    port = free_port()
    env = server_env(folder, port, setup)
    prepare_database(env)
    server = start_server(folder, env, setup)
    url = f"http://localhost:{port}"
    try:
        wait_until_up(url, server, folder / "server.log", frontend=not setup.backend_only)
        yield url
    finally:
        stop_server(server)
