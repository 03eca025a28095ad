"""Serving the real app for browser journeys and benchmarks: `reflex run --env prod` on a free port, own SQLite DB.

Used by the e2e fixtures (tests/e2e/conftest.py) and by bench/click.py, so both drive the app the same way.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
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


def wait_until_up(url: str, server: subprocess.Popen[bytes] | None, log: Path | None) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"the app exited early:\n{log.read_text()[-4000:] if log else ''}")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200 and httpx.get(url, timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the app did not answer within {START_TIMEOUT}s:\n{log.read_text()[-4000:] if log else ''}")


@contextmanager
def served_app(folder: Path) -> Iterator[str]:
    """Serve the app with a fresh demo database in `folder` (database and server.log go there); yield its URL."""
    port = free_port()
    env = {
        **os.environ,
        "LEARNAPP_DATABASE_URL": f"sqlite:///{folder / 'e2e.db'}",
        "LEARNAPP_PORT": str(port),
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{os.environ['PATH']}",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
    }
    learnapp = str(ROOT / ".venv" / "bin" / "learnapp")
    subprocess.run([learnapp, "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    subprocess.run([learnapp, "demo"], env=env, check=True, cwd=ROOT, capture_output=True)
    log = folder / "server.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://localhost:{port}"
    try:
        wait_until_up(url, server, log)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
