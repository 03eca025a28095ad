"""A PostgreSQL cluster as production runs it (fsync, synchronous commits), which a test can crash and restart."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.backing import _as_server_user, _hand_over, _run, _wait_for_port, free_port, pg_bin


class DurablePostgres:
    """Unlike the suites' cluster (durability off for speed), an acknowledged commit here survives a crash."""

    def __init__(self, folder: Path) -> None:
        self.data, self.log, self.port = folder / "data", folder / "server.log", free_port()
        self.options = (
            f"-p {self.port} -k {folder} -c listen_addresses=127.0.0.1 -c max_connections=100"
            " -c fsync=on -c synchronous_commit=on -c full_page_writes=on"
        )
        _run(_as_server_user([pg_bin("initdb"), "-D", str(self.data), "-U", "learnapp", "--auth=trust", "-E", "UTF8"]))
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://learnapp@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        command = [pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", self.options, "-w", "start"]
        _run(_as_server_user(command))
        _wait_for_port(self.port, "PostgreSQL", self.log)

    def crash(self) -> None:
        """Immediate stop: every server process quits at once, no checkpoint; the next start replays the WAL."""
        _run(_as_server_user([pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]))

    def stop(self) -> None:
        subprocess.run(_as_server_user([pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]), check=False)


@contextmanager
def durable_postgres() -> Iterator[DurablePostgres]:
    folder = Path(tempfile.mkdtemp(prefix="learnapp-durable-pg-"))  # the server user cannot enter pytest's folders
    _hand_over(folder)
    cluster = DurablePostgres(folder)
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
