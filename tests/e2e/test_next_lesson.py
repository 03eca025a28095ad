"""Next and Previous: the new lesson's title at once (from the outline the tab has), its body when it arrives,
and nothing of the previous lesson under the new URL, even while the server's answer is held back."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from tests.e2e.helpers import LESSONS, TIMEOUT, completed_button, enroll, mark_complete, open_lesson, sign_up

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


class HeldSocket:
    """The event websocket, with the server's messages held back on demand (the server 'answers late')."""

    def __init__(self) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self._page_side: WebSocketRoute | None = None

    def route(self, socket: WebSocketRoute) -> None:
        server = socket.connect_to_server()
        self._page_side = socket
        server.on_message(self._from_server)

    def _from_server(self, message: str | bytes) -> None:
        if self.holding:
            self.held.append(message)
        elif self._page_side is not None:
            self._page_side.send(message)

    def release(self) -> None:
        self.holding = False
        for message in self.held:
            assert self._page_side is not None
            self._page_side.send(message)
        self.held.clear()


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
    old_words = page.locator(".lesson-body").inner_text()[:40].strip()

    held.holding = True  # the server's answer (the new lesson) now waits until we release it
    page.evaluate(SAMPLE_FRAMES, old_words)
    page.get_by_role("link", name=direction).click()
    expect(page.get_by_role("heading", name=there.title, level=1)).to_be_visible(timeout=1_000)
    page.wait_for_timeout(300)  # frames while the server "has not answered"
    frames = page.evaluate("() => { cancelAnimationFrame(window.__sampling); return window.__frames; }")
    assert held.held, "the server's answer was not held back: the test proves nothing"

    moved = [f for f in frames if f["path"].endswith(f"/lessons/{there.slug}")]
    assert len(moved) >= 5, frames[-3:]
    # React Router may change the URL a frame or two before React commits the page (sampled before each paint):
    # at most two frames (33 ms at 60 Hz), then the new title and nothing of the old lesson, server or not.
    stale = [i for i, f in enumerate(moved) if f["title"] != there.title or f["oldBody"] or f["completed"]]
    assert stale in ([], [0], [0, 1]), f"the previous lesson showed under the new URL: {[moved[i] for i in stale]}"

    held.release()  # the body arrives
    expect(page.locator(".lesson-body")).not_to_contain_text(old_words, timeout=TIMEOUT)
    expect(page.get_by_role("button", name="Mark as Complete", exact=True)).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("heading", name=there.title, level=1)).to_be_visible()
