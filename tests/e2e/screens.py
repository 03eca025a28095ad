"""Screenshots at desktop and phone width, each width audited by axe-core (no violation allowed)."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

AXE_OPTIONS = {"resultTypes": ["violations"]}


def shoot(page: Page, folder: Path, name: str) -> None:
    """Full-page screenshots at 1280 and 390 px into `folder`, and no axe violation at either width."""
    folder.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_function("() => document.fonts.status === 'loaded'")  # laid out before the shot
        page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        violations = Axe().run(page, options=AXE_OPTIONS).response["violations"]
        found = [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
        assert not violations, f"{name} at {width} px: {found}"
    page.set_viewport_size({"width": 1280, "height": 900})
