"""UI: the course outline (modules, lessons, checkmarks, counts) used by the player and the course page."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from reflex.vars import ArrayVar, ObjectVar, StringVar

from learnapp.domain import routes
from learnapp.domain.content import Course
from learnapp.services.engine.shared_credit import SharedCredit
from learnapp.services.learning.lessons import module_totals
from learnapp.services.learning.views import NodeView
from learnapp.ui.live.expressions import lesson_done, module_count


@dataclass
class LessonItem:
    slug: str = ""
    title: str = ""
    kind: str = "article"
    minutes: int = 0
    preview: bool = False
    done_in: str = ""  # another course's title when this learner's completion was earned there (shared module)


@dataclass
class ModuleItem:
    slug: str = ""
    title: str = ""
    number: int = 0
    total: int = 0
    lessons: list[LessonItem] = field(default_factory=list)
    also_in: str = ""  # the other courses holding this module, e.g. "Python for the Web"


def outline_items(view: NodeView, credit: SharedCredit | None = None) -> list[ModuleItem]:
    """The learner's outline; with `credit`, shared modules name their other courses, lessons where they were done."""
    items = [_module_item(number, m.slug, m.title, m.total, m.lessons) for number, m in enumerate(view.modules, 1)]
    if credit is not None:
        for module in items:
            module.also_in = ", ".join(credit.also_in.get(module.slug, ()))
            for lesson in module.lessons:
                lesson.done_in = credit.done_in.get(lesson.slug, "")
    return items


def structure_items(course: Course) -> list[ModuleItem]:
    """The same outline from the published structure alone (the player takes the learner's ticks from live state)."""
    totals = module_totals(course)
    return [_module_item(n, m.slug, m.title, totals[n - 1], m.lessons) for n, m in enumerate(course.modules, 1)]


def _module_item(number: int, slug: str, title: str, total: int, lessons: Iterable[Any]) -> ModuleItem:
    items = [LessonItem(x.slug, x.title, x.kind, x.minutes, x.preview) for x in lessons]
    return ModuleItem(slug, title, number, total, items)


def lesson_icon(lesson: ObjectVar[LessonItem]) -> rx.Component:
    return rx.cond(
        lesson.preview,
        rx.icon("eye", size=16, color="var(--gray-10)", aria_label="Preview"),
        rx.cond(
            lesson_done(lesson.slug),
            rx.icon("circle-check", size=16, color="var(--grass-10)", aria_label="Completed"),
            rx.icon("circle", size=16, color="var(--gray-8)", aria_label="Not completed"),
        ),
    )


def lesson_row(course: rx.Var, lesson: ObjectVar[LessonItem], current: rx.Var | str) -> rx.Component:
    here = lesson.slug == current
    return rx.link(
        rx.hstack(
            lesson_icon(lesson),
            rx.vstack(
                rx.text(lesson.title, size="2", weight=rx.cond(here, "bold", "regular")),
                # Only while it is done: an undo in any tab takes the note away with the checkmark.
                rx.cond(
                    (lesson.done_in != "") & lesson_done(lesson.slug),
                    rx.text("Done in " + lesson.done_in.to(str), size="1", color_scheme="gray", class_name="done-in"),
                ),
                spacing="0",
            ),
            align="center",
            spacing="2",
        ),
        href=routes.lesson(course, lesson.slug),  # type: ignore[arg-type]  # routes builders join with +: a Var works
        aria_current=rx.cond(here, "page", "false"),
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding="0.35em 0.6em",
        border_radius="var(--radius-2)",
        background=rx.cond(here, "var(--accent-a4)", "transparent"),
        display="block",
    )


def module_block(course: rx.Var, module: ObjectVar[ModuleItem], current: rx.Var | str) -> rx.Component:
    count = module_count(module.slug).to(int)
    total = module.total.to(int)
    complete = count >= total
    return rx.accordion.item(
        header=rx.hstack(
            rx.text(
                module.number.to(int).to_string() + " " + module.title.to(str),
                size="2",
                weight="bold",
                text_align="left",
                color="var(--gray-12)",
            ),
            rx.spacer(),
            rx.text(count.to_string() + "/" + total.to_string(), size="1", color_scheme="gray"),
            rx.cond(complete, rx.icon("check", size=14, color="var(--grass-10)", aria_label="Module complete")),
            width="100%",
            align="center",
            padding_right="0.5em",
        ),
        content=rx.vstack(
            rx.cond(
                module.also_in != "",
                rx.text(
                    rx.icon("link", size=12),
                    " Shared with " + module.also_in.to(str) + ": a lesson done here counts there too",
                    size="1",
                    color_scheme="gray",
                    padding="0 0.6em 0.35em",
                    class_name="also-in",
                ),
            ),
            rx.foreach(module.lessons, lambda x: lesson_row(course, x, current)),
            spacing="0",
            width="100%",
        ),
        value=module.slug,
    )


def outline(
    course: StringVar,
    modules: ArrayVar[Sequence[ModuleItem]],
    open_modules: ArrayVar[Sequence[str]],
    current: StringVar | str,
) -> rx.Component:
    return rx.accordion.root(
        rx.foreach(modules, lambda m: module_block(course, m, current)),
        # The accordion reads default_value only when it mounts: remount it when the outline arrives or the modules to
        # open change (another module's lesson), not on every lesson: a remount measures every module's content
        # (Radix forces a layout per module), a long task right when the next lesson arrives.
        key=course + "-" + open_modules.join(","),
        type="multiple",
        default_value=open_modules,
        variant="ghost",
        color_scheme="gray",
        collapsible=True,
        width="100%",
    )
