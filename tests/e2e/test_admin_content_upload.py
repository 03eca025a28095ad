"""Admin content in the browser: upload a new course (a broken file first: its problem by file and line), preview,
apply, see it in the catalog; download the catalog and upload it back: nothing changes."""

from __future__ import annotations

import re
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from learnapp.domain import routes
from tests.e2e.helpers import HeldSocket, log_in

pytestmark = pytest.mark.e2e

ADMIN = ("admin@example.com", "admin-demo-2026")
SLOW = 20_000  # ms: a preview runs the whole import as a dry run
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
PUBLISHED = Path(__file__).resolve().parents[2] / "content"  # what the served app imported (tests/e2e/server.py)


def new_course(slug: str, broken: bool) -> str:
    """A course of one new module; broken, the lesson slug is used twice (line 10 repeats line 6's slug)."""
    second = "py-install" if broken else f"{slug}-wrap"
    return f"""modules:
  - slug: {slug}-module
    title: Uploaded Module
    lessons:
      - slug: {slug}-intro
        title: Uploaded Introduction
        minutes: 3
        body: |
          Hello from an uploaded file.
      - slug: {second}
        title: Uploaded Wrap-up
courses:
  - slug: {slug}
    title: Uploaded Course {slug[-6:]}
    description: Added from the admin page.
    modules: [{slug}-module]
"""


def choose(page: Page, files: list[Path]) -> None:
    """What the file chooser does: the drop zone's file input gets the files (checked and previewed at once)."""
    page.locator("input[type=file]").set_input_files([str(f) for f in files])


def no_axe_violations(page: Page) -> None:
    """The page in this state (a problem shown, a preview) audited too: the accessibility suite sees only the start."""
    chooser = page.locator(".content-drop input[type=file]")
    expect(chooser).to_have_attribute("aria-label", "Choose content files (.yaml or .zip)")  # the remade zone's too
    for theme in ("light", "dark"):
        page.emulate_media(color_scheme=theme, reduced_motion="reduce")
        violations = Axe().run(page, options={"resultTypes": ["violations"]}).response["violations"]
        assert not violations, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]


def shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header is drawn where the page was scrolled to
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SHOTS / f"admin-content-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def download_catalog(page: Page, folder: Path) -> Path:
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download catalog (YAML)").click()
    target = folder / waiting.value.suggested_filename
    waiting.value.save_as(target)
    return target


def test_upload_fix_preview_apply_then_the_export_reimports_unchanged(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True).new_page()
    log_in(admin, app_url, *ADMIN)
    admin.goto(app_url + routes.ADMIN_CONTENT)
    expect(admin.get_by_role("heading", name="Update content", level=1)).to_be_visible(timeout=SLOW)
    shoot(admin, "start")

    # The published catalog, downloaded: every file of the upload below is it, plus one new course file.
    catalog = download_catalog(admin, tmp_path)
    assert catalog.name == "catalog.yaml" and "python-basics" in catalog.read_text()
    slug = f"uploaded-{uuid.uuid4().hex[:6]}"
    course = tmp_path / "new-course.yaml"

    course.write_text(new_course(slug, broken=True))
    choose(admin, [catalog, course])
    problem = admin.locator(".content-problem")
    expect(problem.first).to_be_visible(timeout=SLOW)
    expect(problem).to_have_count(1)
    expected = r"^new-course\.yaml line 10: lesson .py-install.: duplicate slug: .* \(first in catalog\.yaml line \d+\)"
    expect(problem.first).to_have_text(re.compile(expected))
    expect(admin.get_by_text("Nothing was written. Fix these and upload again:")).to_be_visible()
    expect(admin.get_by_role("button", name="Apply update")).to_have_count(0)
    shoot(admin, "problem")
    no_axe_violations(admin)

    course.write_text(new_course(slug, broken=False))
    choose(admin, [catalog, course])
    expect(admin.get_by_text("Preview only: nothing has been written yet.")).to_be_visible(timeout=SLOW)
    expect(admin.get_by_text(slug, exact=True)).to_be_visible()  # among the courses changing
    expect(admin.get_by_role("row").filter(has_text=re.compile(r"^course\s*1\s*0\s*0$"))).to_have_count(1)
    expect(problem).to_have_count(0)
    shoot(admin, "preview")
    no_axe_violations(admin)
    admin.get_by_role("button", name="Apply update").click()
    expect(admin.get_by_text("Applied. Stored progress of the affected learners was recomputed.")).to_be_visible(
        timeout=SLOW
    )
    shoot(admin, "applied")

    admin.goto(app_url + "/")
    expect(admin.get_by_text(f"Uploaded Course {slug[-6:]}").first).to_be_visible(timeout=SLOW)

    # The catalog now, downloaded and uploaded back as it is: the page says nothing would change.
    admin.goto(app_url + routes.ADMIN_CONTENT)
    expect(admin.get_by_role("heading", name="Update content", level=1)).to_be_visible(timeout=SLOW)
    (tmp_path / "again").mkdir()
    again = download_catalog(admin, tmp_path / "again")
    exported = yaml.safe_load(again.read_text())
    assert slug in [c["slug"] for c in exported["courses"]]
    choose(admin, [again])
    expect(admin.get_by_text("These files match the published content: nothing to do.")).to_be_visible(timeout=SLOW)
    expect(admin.get_by_role("button", name="Apply update")).to_have_count(0)

    # Put the published catalog back for the journeys that follow (the new course retires).
    choose(admin, [catalog])
    expect(admin.get_by_text("Preview only: nothing has been written yet.")).to_be_visible(timeout=SLOW)
    admin.get_by_role("button", name="Apply update").click()
    expect(admin.get_by_text("Applied.", exact=False).first).to_be_visible(timeout=SLOW)
    admin.context.close()


def test_a_hostile_or_wrong_upload_is_refused_and_changes_nothing(
    app_url: str, browser: Browser, tmp_path: Path
) -> None:
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(admin, app_url, *ADMIN)
    admin.goto(app_url + routes.ADMIN_CONTENT)
    expect(admin.get_by_role("heading", name="Update content", level=1)).to_be_visible(timeout=SLOW)
    notes = tmp_path / "notes.txt"
    notes.write_text("not content")
    with admin.expect_file_chooser() as chooser:  # from the keyboard: the button opens the file chooser
        admin.get_by_role("button", name="Choose files").press("Enter")
    chooser.value.set_files(str(notes))
    expect(admin.locator(".content-problem").first).to_have_text(
        "notes.txt: file: is not a .yaml content file (or a .zip of them)", timeout=SLOW
    )
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../../escape.yaml", "modules: []\n")
    choose(admin, [evil])
    expect(admin.locator(".content-problem").first).to_contain_text("leads outside the content folder", timeout=SLOW)
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (6 * 1024 * 1024))
    choose(admin, [big])  # refused by the browser before sending, said on the page like the server's problems
    expect(admin.locator(".content-problem").first).to_have_text(
        "big.yaml: file: is too large (the limit is 5 MB)", timeout=SLOW
    )
    # The control: a zip of the published content folder is read and previewed (it matches: nothing to do).
    folder = tmp_path / "content.zip"
    with zipfile.ZipFile(folder, "w") as archive:
        for file in sorted(PUBLISHED.glob("*")):
            archive.write(file, f"content/{file.name}")
    choose(admin, [folder])
    expect(admin.get_by_text("These files match the published content: nothing to do.")).to_be_visible(timeout=SLOW)
    expect(admin.locator(".content-problem")).to_have_count(0)
    admin.context.close()


def test_the_page_waits_for_its_load_before_it_takes_a_file(app_url: str, browser: Browser, tmp_path: Path) -> None:
    """A reload first shows the tab's restored state; a file chosen then was previewed and at once wiped by the load
    that answered after it (a flaky journey found it). Until the load has answered, there is nothing to drop on."""
    admin = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(admin, app_url, *ADMIN)
    admin.goto(app_url + routes.ADMIN_CONTENT)
    expect(admin.get_by_role("heading", name="Update content", level=1)).to_be_visible(timeout=SLOW)
    held = HeldSocket(after_snapshot=True)
    admin.route_web_socket("**/_event/**", held.route)
    admin.reload()
    deadline = time.monotonic() + SLOW / 1000
    while not held.held and time.monotonic() < deadline:  # the snapshot shown, the load's answer held back
        admin.wait_for_timeout(50)
    assert held.held, "the load's answer was not held back: the test proves nothing"
    expect(admin.locator("input[type=file]")).to_have_count(0)
    expect(admin.get_by_role("heading", name="Update content", level=1)).to_have_count(0)
    held.release()
    folder = tmp_path / "content.zip"
    with zipfile.ZipFile(folder, "w") as archive:
        for file in sorted(PUBLISHED.glob("*")):
            archive.write(file, f"content/{file.name}")
    expect(admin.get_by_role("heading", name="Update content", level=1)).to_be_visible(timeout=SLOW)
    choose(admin, [folder])
    expect(admin.get_by_text("These files match the published content: nothing to do.")).to_be_visible(timeout=SLOW)
    admin.context.close()
