"""A PostgreSQL cluster as production runs it (fsync, synchronous commits), which a test can crash and restart."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.backing import _as_server_user, _hand_over, _run, pg_bin, pg_socket_options, pg_socket_url


class DurablePostgres:
    """Unlike the suites' cluster (durability off for speed), an acknowledged commit here survives a crash."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.data, self.log = folder, folder / "data", folder / "server.log"
        self.options = (
            f"{pg_socket_options(folder)} -c max_connections=100 -c fsync=on -c synchronous_commit=on"
            " -c full_page_writes=on"
        )
        _run(_as_server_user([pg_bin("initdb"), "-D", str(self.data), "-U", "learnapp", "--auth=trust", "-E", "UTF8"]))
        self.start()

    @property
    def url(self) -> str:
        return pg_socket_url(self.folder)

    def start(self) -> None:
        command = [pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", self.options, "-w", "start"]
        _run(_as_server_user(command))  # -w: back once the server accepts connections

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
