"""UI: live progress expressions: the shared server state plus this tab's optimistic click, in the browser."""

from __future__ import annotations

import reflex as rx
from reflex.experimental.client_state import ClientStateVar

from learnapp.ui.sync import LearnerSync

# The click the server has not confirmed yet: {"lesson", "module", "done"}; "" lesson when none.
# Rendering from it makes the checkmark, count and bar move in the same frame as the click.
Optimistic = ClientStateVar.create("optimistic", default={"lesson": "", "module": "", "done": False})

NO_CLICK = {"lesson": "", "module": "", "done": False}


def _pending() -> tuple[rx.Var, rx.Var, rx.Var]:
    value = Optimistic.value
    return value["lesson"].to(str), value["module"].to(str), value["done"].to(bool)


def server_done(lesson: rx.Var | str) -> rx.Var:
    return rx.cond(LearnerSync.done[lesson], True, False)


def lesson_done(lesson: rx.Var | str) -> rx.Var:
    pending_lesson, _module, pending_done = _pending()
    return rx.cond(pending_lesson == lesson, pending_done, server_done(lesson))


def pending_delta() -> rx.Var:
    """+1, -1 or 0: what the unconfirmed click adds; 0 once the server state already shows it."""
    pending_lesson, _module, pending_done = _pending()
    change = rx.cond(pending_done, 1, 0) - rx.cond(server_done(pending_lesson), 1, 0)
    return rx.cond(pending_lesson == "", 0, change)


def module_count(module: rx.Var | str) -> rx.Var:
    _lesson, pending_module, _done = _pending()
    stored = rx.cond(LearnerSync.modules[module], LearnerSync.modules[module], 0)
    return stored + rx.cond(pending_module == module, pending_delta(), 0)


def course_completed(course: rx.Var | str) -> rx.Var:
    stored = LearnerSync.courses[course]
    return rx.cond(stored, stored["completed"].to(int), 0) + pending_delta()


def course_percent(course: rx.Var | str, total: rx.Var) -> rx.Var:
    """floor(100 × completed / total), reading 100 only when every lesson is done."""
    completed = course_completed(course)
    return rx.cond(total > 0, rx.cond(completed >= total, 100, (completed * 100) // total), 0)
