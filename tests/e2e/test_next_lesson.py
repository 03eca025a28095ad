"""Next, Previous and Back: the new lesson's title at once (from the outline the tab has), its body when it arrives,
and nothing of the previous lesson under the new URL, not even for one frame, while the server's answer is held back."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.helpers import (
    LESSONS,
    TIMEOUT,
    HeldSocket,
    Lesson,
    completed_button,
    enroll,
    mark_button,
    mark_complete,
    open_lesson,
    sign_up,
)

pytestmark = pytest.mark.e2e

# Every animation frame from now on: the path, the h1, whether the old lesson's body or a Completed button shows.
SAMPLE_FRAMES = """
(old) => {
  window.__frames = [];
  const sample = () => {
    const heading = document.querySelector("main h1");
    window.__frames.push({
      path: location.pathname,
      title: heading ? heading.textContent : "",
      oldBody: (document.querySelector(".lesson-body")?.textContent ?? "").includes(old),
      completed: [...document.querySelectorAll("main button")].some((b) => b.textContent.startsWith("Completed")),
    });
    window.__sampling = requestAnimationFrame(sample);
  };
  sample();
}
"""


MOVED_FRAMES = 12  # about 200 ms of painting at 60 Hz
FRAMES_AT = "([path, count]) => window.__frames.filter((f) => f.path.endsWith(path)).length >= count"


def leave(page: Page, held: HeldSocket, there: Lesson, old_words: str, move: Callable[[], object]) -> None:
    """Hold the server's answers, `move` to `there`, and check every frame painted meanwhile; then let the body in."""
    held.holding = True  # the server's answer (the new lesson) now waits until we release it
    page.evaluate(SAMPLE_FRAMES, old_words)
    move()
    expect(page.get_by_role("heading", name=there.title, level=1)).to_be_visible(timeout=1_000)
    # Frames while the server "has not answered": enough of them at the new address, and its answer already held.
    page.wait_for_function(FRAMES_AT, arg=[f"/lessons/{there.slug}", MOVED_FRAMES], timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT / 1000
    while not held.held and time.monotonic() < deadline:
        page.wait_for_timeout(20)  # polling: route callbacks run while Playwright waits
    frames = page.evaluate("() => { cancelAnimationFrame(window.__sampling); return window.__frames; }")
    assert held.held, "the server's answer was not held back: the test proves nothing"

    moved = [f for f in frames if f["path"].endswith(f"/lessons/{there.slug}")]
    assert len(moved) >= 5, frames[-3:]
    # Sampled before each paint: from the first frame whose URL names the new lesson, its title and nothing of the
    # old lesson (React Router's own re-render of the page comes frames later; the player follows the URL itself).
    stale = [f for f in moved if f["title"] != there.title or f["oldBody"] or f["completed"]]
    assert not stale, f"the previous lesson showed under the new URL: {stale[:3]}"

    held.release()  # the body arrives
    expect(page.locator(".lesson-body")).not_to_contain_text(old_words, timeout=TIMEOUT)


def body_words(page: Page) -> str:
    return page.locator(".lesson-body").inner_text()[:40].strip()


@pytest.mark.parametrize("direction", ["Next", "Previous"])
def test_the_new_title_paints_at_once_and_nothing_of_the_old_lesson_stays(
    page: Page, app_url: str, direction: str
) -> None:
    held = HeldSocket()
    page.route_web_socket("**/_event/**", held.route)
    sign_up(page, app_url)
    enroll(page, app_url)
    here, there = (LESSONS[1], LESSONS[2]) if direction == "Next" else (LESSONS[2], LESSONS[1])
    open_lesson(page, app_url, here)
    mark_complete(page, here)
    expect(completed_button(page)).to_be_visible(timeout=TIMEOUT)
    old_words = body_words(page)

    leave(page, held, there, old_words, page.get_by_role("link", name=direction).click)
    expect(page.get_by_role("button", name="Mark as Complete", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=there.title, level=1)).to_be_visible()


def test_back_paints_the_earlier_lesson_at_once_and_nothing_of_the_one_left(page: Page, app_url: str) -> None:
    """The browser's Back button (a popstate, no click on our links): the same promise as Next."""
    held = HeldSocket()
    page.route_web_socket("**/_event/**", held.route)
    sign_up(page, app_url)
    enroll(page, app_url)
    first, second = LESSONS[1], LESSONS[2]
    open_lesson(page, app_url, first)
    first_words = body_words(page)
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".lesson-body")).not_to_contain_text(first_words, timeout=TIMEOUT)
    mark_complete(page, second)
    expect(completed_button(page)).to_be_visible(timeout=TIMEOUT)

    leave(page, held, first, body_words(page), page.go_back)
    expect(page.get_by_role("heading", name=first.title, level=1)).to_be_visible()
    expect(page.locator(".lesson-body")).to_contain_text(first_words, timeout=TIMEOUT)


# algorithms-in-depth: 11 modules of 20 lessons, over OPEN_ALL_UP_TO: the player opens only the current module.
LONG_COURSE, LONG_TITLE = "algorithms-in-depth", "Algorithms in Depth"
SORTING_LAST = (
    Lesson("algo-sorting-sorting-linked-lists", "Sorting Linked Lists", 1),
    Lesson("algo-sorting-choosing-a-sort-in-practice", "Choosing a Sort in Practice", 1),
)
SEARCHING_FIRST = Lesson("algo-searching-linear-search", "Linear Search", 2)


def long_module(page: Page, number: int, title: str) -> Locator:
    """A module's header in the outline (a button that folds and opens it)."""
    return page.get_by_role("button", name=f"{number} {title}")


def next_lesson(page: Page, lesson: Lesson) -> None:
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_role("heading", name=lesson.title, level=1)).to_be_visible(timeout=TIMEOUT)
    expect(mark_button(page)).to_be_visible(timeout=TIMEOUT)  # the server's answer is in
    expect(page.locator(f'a[aria-current="page"][href$="/lessons/{lesson.slug}"]')).to_be_visible(timeout=TIMEOUT)


def test_a_long_outline_stays_as_it_is_within_a_module_and_opens_the_next_module(page: Page, app_url: str) -> None:
    """Next within a module keeps the outline (no remount: the modules the learner opened stay open); Next into
    another module opens that one."""
    sign_up(page, app_url)
    enroll(page, app_url, LONG_COURSE, LONG_TITLE)
    open_lesson(page, app_url, SORTING_LAST[0], LONG_COURSE)
    sorting, searching = long_module(page, 1, "Sorting Algorithms"), long_module(page, 2, "Searching")
    graphs = long_module(page, 3, "Graph Algorithms")
    expect(sorting).to_have_attribute("aria-expanded", "true", timeout=TIMEOUT)
    expect(graphs).to_have_attribute("aria-expanded", "false")
    graphs.click()  # the learner opens another module
    expect(graphs).to_have_attribute("aria-expanded", "true")
    page.evaluate("() => { window.__outline = document.querySelector('.AccordionItem').parentElement; }")

    next_lesson(page, SORTING_LAST[1])
    assert page.evaluate("() => document.contains(window.__outline)"), "the outline was rebuilt for a lesson"
    expect(graphs).to_have_attribute("aria-expanded", "true")
    expect(sorting).to_have_attribute("aria-expanded", "true")

    next_lesson(page, SEARCHING_FIRST)
    expect(searching).to_have_attribute("aria-expanded", "true")
