"""Admin Operations and Webhooks pages, in a browser, on an app served for this module (private webhook addresses
allowed, so a loopback receiver can take the posts): a recalculate run made with the CLI is listed with its scope,
outcome and counts and its report downloads; a webhook endpoint is added (secret shown once), delivers a signed
post, is resent, paused and deleted."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from standardwebhooks.webhooks import Webhook

from learnapp.domain import routes
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course
from learnapp.settings import ROOT
from tests.e2e.helpers import TIMEOUT, log_in
from tests.e2e.screens import shoot
from tests.e2e.server import served_app

pytestmark = pytest.mark.e2e

ADMIN = ("admin@example.com", "admin-demo-2026")
SHOTS = Path(os.environ.get("LEARNAPP_SHOTS", "/tmp/shots-U"))
AXE_OPTIONS = {"resultTypes": ["violations"]}


@dataclass(frozen=True)
class OpsApp:
    url: str
    db: Path


@pytest.fixture(scope="module")
def ops_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OpsApp]:
    folder = tmp_path_factory.mktemp("operations")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEARNAPP_TRUSTED_PROXIES", "127.0.0.1,::1")  # each browser names its own client address
        patch.setenv("LEARNAPP_WEBHOOKS_ALLOW_PRIVATE", "true")  # the receiver below listens on loopback
        with served_app(folder) as url:
            yield OpsApp(url, folder / "e2e.db")


def learnapp_cli(app: OpsApp, *arguments: str) -> str:
    env = {**os.environ, "LEARNAPP_DATABASE_URL": f"sqlite:///{app.db}"}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "learnapp"), *arguments], env=env, cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_cli_recalculate_is_listed_with_its_report_to_download(page: Page, ops_app: OpsApp) -> None:
    with sqlite3.connect(ops_app.db) as conn:  # stored progress gone wrong, for the recalculate to repair
        conn.execute(
            "UPDATE enrollment SET completed = 7, percent = 37"
            " WHERE course_id = (SELECT id FROM course WHERE slug = 'python-basics')"
        )
    out = learnapp_cli(ops_app, "recalculate", "--course", "python-basics", "--batch-size", "50")
    run = int(re.search(r"run (\d+)", out).group(1))  # type: ignore[union-attr]
    legacy = ops_app.db.parent / "legacy.csv"
    legacy.write_text(
        "email,pathway,module,completed_at\n"
        "learner@example.com,python-developer,py-getting-started,2026-01-05T10:00:00Z\n"
        "nobody@example.com,python-developer,py-getting-started,2026-01-05T10:00:00Z\n"
    )
    learnapp_cli(ops_app, "progress", "import", str(legacy), "--dry-run", "--keep-good")

    log_in(page, ops_app.url, *ADMIN)
    page.goto(ops_app.url + routes.ADMIN)
    page.get_by_role("link", name="Operations").click()
    page.wait_for_url(re.compile(r"/admin/operations"), timeout=TIMEOUT)
    expect(page.get_by_role("heading", name="Operations", level=1)).to_be_visible(timeout=TIMEOUT)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=f"#{run}", exact=True))
    expect(row).to_contain_text("Recalculate", timeout=TIMEOUT)
    expect(row).to_contain_text("course python-basics, batches of 50")
    expect(row).to_contain_text("succeeded")
    expect(row).to_contain_text(re.compile(r"\d+ learners? · [1-9]\d* updated"))
    imported = page.get_by_role("row").filter(has_text="Progress import")
    expect(imported).to_contain_text("file legacy.csv, keeping good rows, dry run")
    expect(imported).to_contain_text("1 rejected")
    shoot(page, SHOTS, "operations")

    with page.expect_download() as started:
        row.get_by_role("link", name=re.compile(r"^Download summary\.json")).click()
    download = started.value
    assert download.suggested_filename == f"run-{run}-summary.json"
    summary = json.loads(Path(download.path()).read_text())
    assert summary["run_id"] == run and summary["status"] == "succeeded"
    # The file is the admin's: the same address without the session is a 404.
    href = row.get_by_role("link", name=re.compile(r"^Download summary\.json")).get_attribute("href")
    anonymous = page.context.browser.new_context()  # type: ignore[union-attr]
    assert anonymous.request.get(f"{ops_app.url}{href}").status == 404
    anonymous.close()


@dataclass
class Receiver:
    """A webhook receiver on loopback: records every post (headers and body), answers 204."""

    posts: list[tuple[dict[str, str], str]] = field(default_factory=list)

    def handler(self) -> type[BaseHTTPRequestHandler]:
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers.get("content-length", 0))).decode()
                posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    found = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), found.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found, f"http://127.0.0.1:{server.server_address[1]}/learnapp-hook"
    server.shutdown()
    server.server_close()


def wait_for_posts(receiver: Receiver, count: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while len(receiver.posts) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(receiver.posts) >= count, receiver.posts


def test_an_admin_adds_a_webhook_sees_its_secret_once_resends_pauses_and_deletes_it(
    page: Page, ops_app: OpsApp, receiver: tuple[Receiver, str]
) -> None:
    got, hook = receiver
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, ops_app.url, *ADMIN)
    page.goto(ops_app.url + routes.ADMIN)
    page.get_by_role("link", name="Webhooks").click()
    page.wait_for_url(re.compile(r"/admin/webhooks"), timeout=TIMEOUT)
    expect(page.get_by_text("No endpoint yet.")).to_be_visible(timeout=TIMEOUT)

    url_field = page.get_by_label("Endpoint URL")
    url_field.fill("ftp://hooks.example.org/learnapp")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_role("alert")).to_contain_text("Use an https:// URL with a host name", timeout=TIMEOUT)

    url_field.fill(hook)
    expect(page.get_by_role("checkbox", name="lesson.completed")).to_be_checked()
    page.get_by_role("button", name="Add endpoint").click()
    secret_field = page.locator("#webhook-secret")
    expect(secret_field).to_have_text(re.compile(r"^whsec_\S+$"), timeout=TIMEOUT)
    secret = secret_field.inner_text()
    expect(page.get_by_label("Endpoint URL")).to_have_value("")  # the form is ready for another
    page.get_by_role("button", name="Copy the signing secret").click()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    endpoint = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=hook))
    expect(endpoint).to_contain_text("enabled")
    expect(endpoint).to_contain_text("lesson.completed, course.completed, pathway.completed")
    shoot(page, SHOTS, "webhooks-secret")
    page.get_by_role("button", name="Done").click()
    expect(secret_field).to_have_count(0)
    page.reload()
    expect(endpoint).to_be_visible(timeout=TIMEOUT)
    assert secret not in page.content()  # shown once: never again

    # A learner completes a lesson: the app's worker posts it, signed with the secret the page showed.
    db = Database(f"sqlite:///{ops_app.db}")
    try:
        learner = create_learner(db, "hooked@example.com", "Hooked Learner", "hooked-password-2026")
        enroll_course(db, learner.id, "python-basics")
        record_completion(db, learner.id, "py-install")
    finally:
        db.dispose()
    wait_for_posts(got, 1)
    headers, body = got.posts[0]
    Webhook(secret).verify(body, headers)
    assert json.loads(body)["type"] == "lesson.completed"

    endpoint.get_by_role("button", name=f"Delivery log of {hook}").click()
    log = page.get_by_role("region", name=f"Delivery log of {hook}")
    delivered = log.get_by_role("row").filter(has_text="lesson.completed")
    expect(delivered).to_contain_text("delivered", timeout=TIMEOUT)
    expect(delivered).to_contain_text("204")
    expect(delivered).to_contain_text(re.compile(r"\d+ ms"))
    expect(endpoint).to_contain_text("1 delivered")
    shoot(page, SHOTS, "webhooks-log")
    delivered.get_by_role("button", name=re.compile("^Resend")).click()
    expect(page.get_by_text("Queued again")).to_be_visible(timeout=TIMEOUT)
    wait_for_posts(got, 2)
    assert got.posts[1][0]["webhook-id"] == headers["webhook-id"]  # the same event id: a receiver dedupes

    endpoint.get_by_role("button", name=f"Pause {hook}").click()
    expect(endpoint).to_contain_text("paused", timeout=TIMEOUT)
    expect(endpoint.get_by_role("button", name=f"Enable {hook}")).to_be_visible()
    endpoint.get_by_role("button", name=f"Delete {hook}").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(hook)
    dialog.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("No endpoint yet.")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_text("Deleted the endpoint and its delivery log.")).to_be_visible()
