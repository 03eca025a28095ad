"""Honest clicks: a click the server fails, a click made offline, a click across a server restart and a queued
click for a lesson removed meanwhile; each time the screen ends up telling the truth and the database agrees.

One app served for the module with the test-only fault switch (LEARNAPP_TEST_FAULTS, a file this module writes).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Dialog, Locator, Page, expect

from learnapp.persistence.db import Database
from learnapp.services.operations.deployment import deployment_problems
from learnapp.services.operations.test_faults import injected_fault
from learnapp.settings import ROOT, get_settings
from tests.e2e.conftest import WatchedBrowser
from tests.e2e.helpers import (
    LESSONS,
    TIMEOUT,
    Lesson,
    completed_button,
    completion_records,
    enroll,
    expect_checked,
    expect_progress,
    expect_unchecked,
    mark_button,
    open_lesson,
    sign_up,
)
from tests.e2e.server import Setup, server_env, start_on_free_port, start_server, stop_server, wait_until_up

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("LEARNAPP_E2E_SHOTS")  # a folder: the journeys also save screenshots there
RESTART = 240_000  # ms: a restarted server rebuilds its pages before it answers


@dataclass
class FaultyApp:
    url: str
    folder: Path
    faults: Path
    server: subprocess.Popen[bytes]

    @property
    def db(self) -> Path:
        return self.folder / "e2e.db"

    def fault(self, text: str = "") -> None:
        self.faults.write_text(text)

    def env(self) -> dict[str, str]:
        return server_env(self.folder, int(self.url.rsplit(":", 1)[1]), Setup())

    def restart_after(self, down: object) -> None:
        """Stop the server, run `down` (a callable) while it is down, start it again on the same port."""
        stop_server(self.server)
        assert callable(down)
        down()
        self.server = start_server(self.folder, self.env(), Setup())
        wait_until_up(self.url, self.server, self.folder / "server.log")


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyApp]:
    folder = tmp_path_factory.mktemp("honest")
    faults = folder / "faults"
    faults.write_text("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEARNAPP_TRUSTED_PROXIES", "127.0.0.1,::1")  # as the shared app: fresh rate-limit budgets
        patch.setenv("LEARNAPP_TEST_FAULTS", str(faults))
        server, url = start_on_free_port(folder, Setup())
        app = FaultyApp(url, folder, faults, server)
        try:
            yield app
        finally:
            stop_server(app.server)


@pytest.fixture
def learner(browser: WatchedBrowser, faulty: FaultyApp) -> Iterator[tuple[Page, str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    email = sign_up(page, faulty.url)
    enroll(page, faulty.url)
    yield page, email
    context.close()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SHOTS}/{name}-1280.png")
        width = page.viewport_size or {"width": 1280, "height": 900}
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=f"{SHOTS}/{name}-390.png")
        page.set_viewport_size(width)


def problem(page: Page) -> Locator:
    return page.locator(".click-problem")


def banner(page: Page) -> Locator:
    return page.locator(".offline-banner")


def expect_not_done(page: Page, lesson: Lesson, db: Path, email: str) -> None:
    """The screen and the database agree: not complete."""
    expect(mark_button(page)).to_be_visible(timeout=TIMEOUT)
    expect_unchecked(page, lesson)
    expect_progress(page, 0)
    assert completion_records(db, email, lesson) == (0, 0)


def expect_done(page: Page, lesson: Lesson, db: Path, email: str, timeout: float = TIMEOUT) -> None:
    """The screen and the database agree: complete, recorded once."""
    expect(completed_button(page)).to_be_visible(timeout=timeout)
    expect(page.locator(".click-note")).to_have_count(0, timeout=timeout)
    expect_checked(page, lesson)
    expect_progress(page, 1)
    assert completion_records(db, email, lesson) == (1, 1)


def test_a_click_the_server_fails_is_rolled_back_with_retry(faulty: FaultyApp, learner: tuple[Page, str]) -> None:
    page, email = learner
    lesson = LESSONS[0]
    open_lesson(page, faulty.url, lesson)

    faulty.fault("click=hang:1.5")  # a slow answer: the click shows at once, pending, calmly
    mark_button(page).click()
    expect(page.locator(".click-note")).to_have_text("Saving…", timeout=500)
    expect_checked(page, lesson, timeout=500)
    shot(page, "pending")
    expect_done(page, lesson, faulty.db, email)

    faulty.fault("click=error")  # the database refuses the write
    completed_button(page).click()  # un-mark: fails, so it must stay done
    expect(problem(page)).to_contain_text(f"Not saved: {lesson.title}.", timeout=TIMEOUT)
    expect(problem(page)).to_contain_text("nothing was stored")
    expect_done(page, lesson, faulty.db, email)

    page.get_by_role("button", name="Dismiss").click()
    expect(problem(page)).to_have_count(0)

    second = LESSONS[1]
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("heading", name=second.title, level=1)).to_be_visible(timeout=TIMEOUT)
    mark_button(page).click()
    expect(problem(page)).to_contain_text(f"Not saved: {second.title}.", timeout=TIMEOUT)
    shot(page, "failed")
    expect(mark_button(page)).to_be_visible()  # rolled back: checkmark, count and bar
    expect_unchecked(page, second)
    expect_progress(page, 1)
    assert completion_records(faulty.db, email, second) == (0, 0)

    faulty.fault("")  # the server recovers: Retry saves it
    page.get_by_role("button", name="Retry").click()
    expect(completed_button(page)).to_be_visible(timeout=TIMEOUT)
    expect(problem(page)).to_have_count(0)
    expect_progress(page, 2)
    assert completion_records(faulty.db, email, second) == (1, 1)


def test_offline_clicks_wait_in_the_tab_then_save_once(faulty: FaultyApp, learner: tuple[Page, str]) -> None:
    page, email = learner
    lesson = LESSONS[0]
    open_lesson(page, faulty.url, lesson)
    page.context.set_offline(True)
    mark_button(page).click()
    expect(banner(page)).to_have_text("Offline: 1 change will be saved when you reconnect.", timeout=TIMEOUT)
    expect(page.locator(".click-note")).to_have_text("Not saved yet")
    expect_checked(page, lesson)
    shot(page, "offline")
    assert completion_records(faulty.db, email, lesson) == (0, 0)

    # Leaving with an unsaved click asks first; staying keeps it.
    asked: list[str] = []

    def stay(dialog: Dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    with page.expect_event("dialog", timeout=TIMEOUT):
        page.close(run_before_unload=True)
    page.evaluate("1")  # a round trip after the dismissal: the page is still there
    assert asked == ["beforeunload"] and not page.is_closed()

    page.context.set_offline(False)
    expect(banner(page)).to_have_count(0, timeout=TIMEOUT)
    expect_done(page, lesson, faulty.db, email)
    page.reload()
    expect_done(page, lesson, faulty.db, email)


def test_a_click_across_a_server_restart_is_saved_once(faulty: FaultyApp, learner: tuple[Page, str]) -> None:
    page, email = learner
    lesson = LESSONS[0]
    open_lesson(page, faulty.url, lesson)

    def click_while_down() -> None:
        # The page has noticed the closed socket: Reflex's connection pulser shows its icon on a connection error.
        expect(page.locator('div[title^="Connection Error"] > *').first).to_be_attached(timeout=TIMEOUT)
        mark_button(page).click()
        expect(banner(page)).to_have_text("Offline: 1 change will be saved when you reconnect.", timeout=TIMEOUT)
        assert completion_records(faulty.db, email, lesson) == (0, 0)

    faulty.restart_after(click_while_down)
    expect(banner(page)).to_have_count(0, timeout=RESTART)
    expect_done(page, lesson, faulty.db, email)
    page.reload()
    expect_done(page, lesson, faulty.db, email)


def test_a_queued_click_for_a_removed_lesson_is_refused_with_the_reason(
    faulty: FaultyApp, learner: tuple[Page, str]
) -> None:
    page, email = learner
    lesson = LESSONS[-1]  # removed from the catalog below: the last test of the module
    open_lesson(page, faulty.url, lesson)
    page.context.set_offline(True)
    mark_button(page).click()
    expect(banner(page)).to_be_visible(timeout=TIMEOUT)

    remove_lesson(faulty, lesson)
    page.context.set_offline(False)
    expect(problem(page)).to_contain_text("This lesson is no longer in the course.", timeout=TIMEOUT)
    expect(problem(page).get_by_role("button", name="Retry")).to_have_count(0)  # trying again cannot help
    expect(mark_button(page)).to_be_visible()
    expect_unchecked(page, lesson)
    assert completion_records(faulty.db, email, lesson) == (0, 0)


def remove_lesson(app: FaultyApp, lesson: Lesson) -> None:
    """An admin's import without the lesson (it is retired), into the served app's database."""
    content = app.folder / "content"
    path = content / "10-python.yaml"
    data = yaml.safe_load(path.read_text())
    for module in data["modules"]:
        module["lessons"] = [x for x in module["lessons"] if x["slug"] != lesson.slug]
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    learnapp = str(ROOT / ".venv" / "bin" / "learnapp")
    subprocess.run([learnapp, "content", "import", str(content)], env=app.env(), check=True, cwd=ROOT)


def test_the_fault_switch_works_only_locally_and_a_public_start_refuses_it(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in [n for n in os.environ if n.startswith("LEARNAPP_")]:
        monkeypatch.delenv(name)
    faults = tmp_path / "faults"
    faults.write_text("other=hang:1\nclick=error\n")
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", db_url)
    monkeypatch.setenv("LEARNAPP_METRICS_TOKEN", "s3cret-metrics")
    get_settings.cache_clear()
    try:
        assert injected_fault("click") is None  # unset: nothing is read
        monkeypatch.setenv("LEARNAPP_TEST_FAULTS", str(faults))
        assert injected_fault("click") == "error" and injected_fault("other") == "hang:1"
        assert deployment_problems(db) == []  # the local demo starts with it

        monkeypatch.setenv("LEARNAPP_ORIGIN", "https://learn.example.com")
        get_settings.cache_clear()
        assert injected_fault("click") is None  # ignored at a public origin
        assert deployment_problems(db) == ["LEARNAPP_TEST_FAULTS is a test-only fault switch: unset it"]
        monkeypatch.delenv("LEARNAPP_TEST_FAULTS")
        assert deployment_problems(db) == []
    finally:
        get_settings.cache_clear()
