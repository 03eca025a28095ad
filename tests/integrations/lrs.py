"""The Ralph LRS (from PyPI, in .tools/ralph, installed by `make test`) started on loopback for a test, then stopped."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from learnapp.settings import ROOT
from tests.integrations.receiver import reserved_port

RALPH = ROOT / ".tools" / "ralph" / "bin" / "ralph"
USER, PASSWORD = "learnapp", "lrs-test-password"
SERVER = Path(__file__).with_name("ralph_server.py")
HEADERS = {"X-Experience-API-Version": "1.0.3"}


@dataclass
class Ralph:
    """Down until start(): its URL is known before, so the app can be pointed at an LRS that is not there yet.

    The port is reserved when it is made (a bound socket, not listening: refused, and no other process's) and the
    server listens on that very socket, handed to it. Given `port` (a new LRS where an old one was), it binds that.
    """

    folder: Path
    port: int = 0
    _process: subprocess.Popen[bytes] | None = None
    _socket: socket.socket | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._socket = reserved_port(self.port)
        self.port = int(self._socket.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        data = str(self.folder / "data")
        return {
            **os.environ,
            "RALPH_APP_DIR": str(self.folder),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": data,
        }

    def start(self) -> Ralph:
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        if not (self.folder / "auth.json").exists():
            auth = [str(RALPH), "auth", "-u", USER, "-p", PASSWORD, "-s", "all", "-M", "mailto:lrs@example.org", "-w"]
            subprocess.run(auth, env=self._env(), check=True, capture_output=True, timeout=60)
        # Not `ralph runserver`: its reloader watches the working directory, and its file-system backend takes one
        # write only (see ralph_server.py). Its own process group, stopped whole at the end.
        # The server listens on the reserved socket; ours is closed once it has its copy, so a stopped LRS is
        # refused, not left listening with nobody answering. A second start binds the port by number again.
        held = self._socket or reserved_port(self.port)
        self._socket = None
        serve = [str(RALPH.parent / "python"), str(SERVER), str(held.fileno())]
        with held, (self.folder / "ralph.log").open("ab") as log:
            self._process = subprocess.Popen(
                serve,
                env=self._env(),
                stdout=log,
                stderr=log,
                start_new_session=True,
                cwd=self.folder,
                pass_fds=(held.fileno(),),
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/__heartbeat__", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if self._process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Ralph did not start: {(self.folder / 'ralph.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self._socket is not None:  # never started: the reserved port is given back
            self._socket.close()
            self._socket = None
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=5)
        self._process = None

    def statements(self) -> list[dict[str, Any]]:
        """Every statement the LRS holds (GET /xAPI/statements, following `more`)."""
        found: list[dict[str, Any]] = []
        path = "/xAPI/statements?limit=500"
        while path:
            answer = httpx.get(self.url + path, auth=(USER, PASSWORD), headers=HEADERS, timeout=10)
            answer.raise_for_status()
            body = answer.json()
            found += body["statements"]
            path = body.get("more") or ""
        return found
