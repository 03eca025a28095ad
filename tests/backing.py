"""Real PostgreSQL and Redis for tests and benchmarks: Debian's servers, started on loopback in a temp folder."""

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


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


def _wait_for_port(port: int, what: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not open port {port}:\n{log.read_text()[-3000:] if log.exists() else ''}")


@contextmanager
def postgres_server() -> Iterator[str]:
    """A throwaway cluster on 127.0.0.1; yields the URL of its `postgres` database as superuser."""
    # Its own folder in /tmp: the server user cannot enter pytest's root-only temp folders.
    folder = Path(tempfile.mkdtemp(prefix="learnapp-pg-"))
    _hand_over(folder)
    data, log, port = folder / "data", folder / "server.log", free_port()
    _run(_as_server_user([pg_bin("initdb"), "-D", str(data), "-U", "learnapp", "--auth=trust", "-E", "UTF8"]))
    # A test cluster: durability off makes CREATE DATABASE ... TEMPLATE cheap; the crash tests use SQLite files.
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off"
    options += " -c synchronous_commit=off -c max_connections=300"
    _run(_as_server_user([pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]))
    try:
        _wait_for_port(port, "PostgreSQL", log)
        yield f"postgresql+psycopg://learnapp@127.0.0.1:{port}/postgres"
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
    port, log = free_port(), folder / "redis.log"
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    with log.open("wb") as out:
        server = subprocess.Popen(command + ["--dir", str(folder)], stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, "Redis", log)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


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
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(admin_url: str, name: str) -> None:
    engine = sqlalchemy.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()
