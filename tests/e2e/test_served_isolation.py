"""A served test app leaves alone the app served from the same checkout (`make run`): it builds its own web folder.

Reflex bakes the port into the built pages (env.json); a second server building into the checkout's .web/ would send
the first app's pages to its own port, dead once the test ends ("Cannot connect to server").
"""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from learnapp.domain import routes
from learnapp.settings import ROOT
from tests.e2e import server as serving
from tests.e2e.conftest import WatchedBrowser
from tests.e2e.helpers import sign_up
from tests.e2e.server import Setup, served_app, start_on_free_port, stop_server

pytestmark = pytest.mark.e2e

# What `reflex run` reads from a checkout (the app's code, config, assets, pinned frontend packages, migrations).
CHECKOUT = ("rxconfig.py", "pyproject.toml", "learnapp", "assets", "reflex.lock", "content", "alembic", "alembic.ini")


def copy_checkout(target: Path) -> Path:
    """A checkout of its own, so this test never rebuilds the real one's .web/ (that of a running `make run`)."""
    target.mkdir()
    for name in CHECKOUT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__", "external"))
        else:
            shutil.copy2(source, target / name)
    return target


def baked_port(checkout: Path) -> int | None:
    """The port the checkout's built pages send their websocket to."""
    return httpx.URL(json.loads((checkout / ".web" / "env.json").read_text())["EVENT"]).port


@pytest.fixture(scope="module")
def checkout_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app served from a checkout the way `make run` serves it: into the checkout's .web/."""
    base = tmp_path_factory.mktemp("isolation")
    checkout = copy_checkout(base / "checkout")
    (base / "first").mkdir()
    server, url = start_on_free_port(base / "first", Setup(root=checkout, own_web=False))
    try:
        yield url, checkout
    finally:
        stop_server(server)


def test_a_second_served_app_leaves_the_first_working(
    checkout_app: tuple[str, Path], browser: WatchedBrowser, tmp_path: Path
) -> None:
    url, checkout = checkout_app
    port = httpx.URL(url).port
    assert baked_port(checkout) == port

    # A second app from the same checkout, served and stopped the way the tests and benchmarks do it.
    with served_app(tmp_path, Setup(root=checkout)) as second:
        assert httpx.get(second + routes.LOGIN, follow_redirects=True).is_success
        assert baked_port(checkout) == port
    assert (tmp_path / "web" / "env.json").exists()  # it built into its own folder
    assert baked_port(checkout) == port

    # The first app still works in a browser: signing up ends on a page whose account menu only the websocket fills.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        sign_up(page, url, name="Isolation Learner", tag="isolation")
        assert page.url.startswith(url)
    finally:
        context.close()


def test_a_port_taken_before_the_app_binds_it_is_traded_for_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race a free-port lookup cannot close: someone listens on the port by the time the app binds it."""
    with socket.socket() as squatter:
        squatter.bind(("", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        offered = iter([taken])
        real_free_port = serving.free_port
        monkeypatch.setattr(serving, "free_port", lambda: next(offered, None) or real_free_port())
        with served_app(tmp_path, Setup(backend_only=True)) as url:
            port = httpx.URL(url).port
            assert port != taken
            assert httpx.get(f"{url}/api/v1/health").json()["status"] == "ok"
            assert (tmp_path / "port").read_text().strip() == str(port)
    assert "already in use" in (tmp_path / "server.log").read_text()  # the first start met the squatter
