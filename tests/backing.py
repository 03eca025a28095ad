"""Real PostgreSQL and Redis for tests and benchmarks: Debian's servers, started in a temp folder.

No port is probed and then handed to a server (another process could take it in between): PostgreSQL listens on a
unix socket only, in its cluster's own folder; Redis cannot be told to pick a TCP port (`--port 0` turns TCP off),
and one URL must serve both Reflex (unix://) and the limits library (redis+unix://), so it gets a probed port, and
another if its bind fails.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy

# Debian installs the server binaries per major version, outside PATH.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
SERVER_USER = "postgres"  # PostgreSQL refuses to run as root; Debian's package creates this user


REDIS_TRIES = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def pg_socket_url(folder: Path, database: str = "postgres") -> str:
    """A cluster listening in `folder` only (its socket there: any port number is this cluster's alone)."""
    return f"postgresql+psycopg://learnapp@/{database}?host={folder}"


def pg_socket_options(folder: Path) -> str:
    return f"-k {folder} -c listen_addresses=''"


def pg_bin(tool: str) -> str:
    for folder in sorted(Path("/").glob(PG_BIN_GLOB.lstrip("/")), reverse=True):
        if (folder / tool).exists():
            return str(folder / tool)
    found = shutil.which(tool)
    if found:
        return found
    raise RuntimeError(f"PostgreSQL's {tool} is missing: install Debian's postgresql package (make test does)")


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def _hand_over(folder: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER, SERVER_USER)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}{done.stderr}")


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway cluster on 127.0.0.1; yields the URL of its `postgres` database as superuser."""
    # Its own folder in /tmp: the server user cannot enter pytest's root-only temp folders.
    folder = Path(tempfile.mkdtemp(prefix="learnapp-pg-"))
    _hand_over(folder)
    data, log = folder / "data", folder / "server.log"
    _run(_as_server_user([pg_bin("initdb"), "-D", str(data), "-U", "learnapp", "--auth=trust", "-E", "UTF8"]))
    # A test cluster: durability off makes CREATE DATABASE ... TEMPLATE cheap (tests/reliability has a durable one).
    options = f"{pg_socket_options(folder)} -c fsync=off -c full_page_writes=off"
    options += " -c synchronous_commit=off -c max_connections=300"
    # -w: pg_ctl returns once the server accepts connections on its socket.
    _run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]))
    try:
        yield pg_socket_url(folder)
    finally:
        subprocess.run(
            _as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A Redis without persistence on 127.0.0.1; yields its URL."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise RuntimeError("redis-server is missing: install Debian's redis-server package (make test does)")
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "redis.log"
    for _ in range(REDIS_TRIES):
        port = free_port()
        command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        with log.open("wb") as out:
            server = subprocess.Popen(command + ["--dir", str(folder)], stdout=out, stderr=subprocess.STDOUT)
        if _redis_ready(server, log):
            break
        server.wait(timeout=10)  # it exited: the port was taken between the probe and its bind, so another one
    else:
        raise RuntimeError(f"Redis did not start in {REDIS_TRIES} tries:\n{log.read_text()[-3000:]}")
    try:
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _redis_ready(server: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> bool:
    """True once this Redis says it listens (its own log line, not a connection that another server could answer);
    False if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Ready to accept connections" in log.read_text(errors="replace"):
            return True
        if server.poll() is not None:
            return False
        time.sleep(0.05)
    server.kill()
    raise RuntimeError(f"Redis did not start within {timeout} s:\n{log.read_text()[-3000:]}")


def create_database(admin_url: str, name: str, template: str | None = None) -> str:
    """CREATE DATABASE (optionally from a template); returns the new database's URL."""
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            clause = f' TEMPLATE "{template}" STRATEGY FILE_COPY' if template else ""
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{clause}')
    finally:
        engine.dispose()
    return sqlalchemy.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, name: str) -> None:
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()
