"""Serving the real app for journeys, load and crash tests: `reflex run --env prod` on a free port, own database.

Used by the e2e fixtures (tests/e2e/conftest.py) and by bench/click.py, so both drive the app the same way. Each
served app builds into a web folder of its own, so it never touches the checkout's .web/ (that of `make run`).
"""

from __future__ import annotations

import atexit
import gzip
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

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
START_ATTEMPTS = 3  # a port taken between our check and the server's bind costs one more start, not the run
# Below Linux's ephemeral range (32768-60999): the kernel never hands these to outgoing connections (the browser's,
# the test's), so a port found free stays free unless another server picks it in the same seconds.
PORT_RANGE = (20000, 32767)
PORT_IN_USE = ("already in use", "Address in use")  # Reflex's own check, Granian's bind error

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FrontendBuild:
    """A served app's finished frontend build, kept so later apps in this run serve it instead of building again."""

    folder: Path  # a copy of the web folder's build output and backend markers
    port: int  # the port the build was made for (env.json bakes it into one small script)
    baked: tuple[Path, ...]  # the files (relative to build/client) that name that port


_build: dict[str, FrontendBuild] = {}


class PortTaken(RuntimeError):
    """Another process got the port between our check and the app's bind."""


def _bindable(port: int) -> bool:
    """Whether a server could bind the port now (as Reflex checks it: every address, IPv4 and IPv6)."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            with closing(socket.socket(family, socket.SOCK_STREAM)) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(("", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A port nobody listens on, drawn at random below the ephemeral range (see PORT_RANGE)."""
    for _ in range(1000):
        port = random.randint(*PORT_RANGE)  # noqa: S311 - a port, not a secret
        if _bindable(port):
            return port
    raise RuntimeError(f"no free port in {PORT_RANGE}")


def listening_here(server: subprocess.Popen[bytes], port: int) -> bool:
    """Whether the server's own processes (Reflex and its workers) listen on the port, not someone else's."""
    try:
        root = psutil.Process(server.pid)
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return False
    for process in family:
        try:
            sockets = process.net_connections(kind="tcp")
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if any(s.status == psutil.CONN_LISTEN and s.laddr.port == port for s in sockets):
            return True
    return False


def wait_until_up(url: str, server: subprocess.Popen[bytes] | None, log: Path | None, frontend: bool = True) -> None:
    """Until the app answers at url; with `server`, only once that server itself listens there (not another app)."""
    port = httpx.URL(url).port
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server is not None and server.poll() is not None:
            output = log.read_text() if log and log.exists() else ""
            last_start = output.rsplit("Starting Reflex App", 1)[-1]  # the log keeps earlier attempts
            if any(marker in last_start for marker in PORT_IN_USE):
                raise PortTaken(f"port {port} was taken before the app bound it")
            raise RuntimeError(f"the app exited early:\n{output[-4000:]}")
        try:
            ours = server is None or (port is not None and listening_here(server, port))
            healthy = ours and httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200
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
    root: Path = ROOT  # the checkout served from (its rxconfig.py, assets and reflex.lock)
    own_web: bool = True  # build into `folder`/web; False: into the checkout's .web/, as `make run` does


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
        # Its own web folder: the checkout's .web/ belongs to `make run`, whose pages would otherwise
        # open their websocket to this server's port once it rebuilt .web/ (env.json bakes the port in).
        "REFLEX_WEB_WORKDIR": str(folder / "web"),
    }
    if not setup.own_web:
        del env["REFLEX_WEB_WORKDIR"]
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


def _shares_build(setup: Setup) -> bool:
    """Apps served from this checkout into a web folder of their own build the same frontend (only the port differs)."""
    return not setup.backend_only and setup.own_web and setup.root == ROOT


def keep_build(folder: Path, port: int) -> None:
    """Keep the frontend this app built (the first one of the run) for the apps served after it."""
    web = folder / "web"
    if "build" in _build or not (web / "build" / "client").is_dir():
        return
    named = f"localhost:{port}/".encode()
    baked = tuple(
        path.relative_to(web / "build" / "client")
        for path in (web / "build" / "client").rglob("*")
        if path.suffix in (".js", ".html", ".json") and named in path.read_bytes()
    )
    if not baked:  # Reflex no longer bakes the port where we look: every later app builds for itself, as before
        logger.warning("no file of the frontend build names port %s; served apps will build their own", port)
        return
    kept = Path(tempfile.mkdtemp(prefix="learnapp-build-"))  # outlives the app's folder; gone when the run ends
    atexit.register(shutil.rmtree, kept, ignore_errors=True)
    shutil.copytree(web / "build" / "client", kept / "build" / "client")
    shutil.copytree(web / "backend", kept / "backend")  # markers the backend reads (stateful pages, upload in use)
    _build["build"] = FrontendBuild(kept, port, baked)


def _install_build(build: FrontendBuild, web: Path, port: int) -> None:
    """The kept build in this app's web folder, its port put where the build baked the old one."""
    shutil.rmtree(web / "build", ignore_errors=True)
    shutil.rmtree(web / "backend", ignore_errors=True)
    shutil.copytree(build.folder / "build", web / "build")
    shutil.copytree(build.folder / "backend", web / "backend")
    for name in build.baked:
        path = web / "build" / "client" / name
        text = path.read_bytes().replace(f"localhost:{build.port}/".encode(), f"localhost:{port}/".encode())
        path.write_bytes(text)
        compressed = path.with_name(path.name + ".gz")
        if compressed.exists():
            compressed.write_bytes(gzip.compress(text))
        path.with_name(path.name + ".br").unlink(missing_ok=True)  # no stale brotli copy naming the old port


def start_server(folder: Path, env: dict[str, str], setup: Setup) -> subprocess.Popen[bytes]:
    """`reflex run --env prod` in its own process group (so a test can kill all of it); output to server.log.

    Once an app of this run has built the frontend, later ones serve that build (tests/e2e/prebuilt.py starts the same
    production backend `reflex run` starts after its build): ~15-40 s less per served app, the same pages."""
    command = [str(ROOT / ".venv" / "bin" / "reflex"), "run", "--env", "prod"]
    if setup.backend_only:
        command.append("--backend-only")
    build = _build.get("build")
    if build is not None and _shares_build(setup):
        _install_build(build, Path(env["REFLEX_WEB_WORKDIR"]), int(env["LEARNAPP_PORT"]))
        command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "tests.e2e.prebuilt"]
    with (folder / "server.log").open("ab") as out:
        return subprocess.Popen(
            command,
            cwd=setup.root,
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
    server, url = start_on_free_port(folder, setup)
    try:
        yield url
    finally:
        stop_server(server)


def start_on_free_port(folder: Path, setup: Setup) -> tuple[subprocess.Popen[bytes], str]:
    """Prepare the database, start the app on a free port (another one if that port is taken meanwhile), wait until
    it answers; returns the running server and its URL (the port is also in `folder`/port and in the log)."""
    for attempt in range(1, START_ATTEMPTS + 1):
        port = free_port()
        env = server_env(folder, port, setup)
        if attempt == 1:
            prepare_database(env)
        server = start_server(folder, env, setup)
        url = f"http://localhost:{port}"
        try:
            wait_until_up(url, server, folder / "server.log", frontend=not setup.backend_only)
        except PortTaken:
            stop_server(server)
            logger.warning("port %s was taken while the app started (attempt %s); trying another", port, attempt)
            continue
        except BaseException:
            stop_server(server)
            raise
        if _shares_build(setup):
            keep_build(folder, port)
        (folder / "port").write_text(f"{port}\n")
        logger.info("app served at %s from %s", url, folder)
        return server, url
    raise RuntimeError(f"the app found no free port in {START_ATTEMPTS} attempts; see {folder / 'server.log'}")
