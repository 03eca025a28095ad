"""UI: live progress expressions: the server state of the tab plus its unconfirmed clicks, in the browser."""

from __future__ import annotations

import reflex as rx
from reflex.experimental.client_state import ClientStateVar
from reflex.vars.base import VarData

from learnapp.ui.live.tab_state import LearnerSync

# The clicks the server has not confirmed yet, by lesson: {"course", "module", "done", "state"}, state "saving"
# (sent) or "queued" (offline). assets/clicks.js keeps it; rendering from it moves the checkmark, count and bar in
# the same frame as the click, and moves them back when the server refuses or fails.
Clicks = ClientStateVar.create("learnapp_clicks", default={})

# The last click that was not saved: {"lesson", "title", "message", "retry"} ("" lesson when none).
ClickProblem = ClientStateVar.create(
    "learnapp_click_problem", default={"lesson": "", "title": "", "message": "", "retry": False}
)


def _js(template: str, type_: type, **parts: rx.Var) -> rx.Var:
    """A JavaScript expression over Vars (which keep their hooks and imports)."""
    # Before its first render a client state var may still be unset: read it as {} then.
    expression = template.format(**{name: f"({var!s} ?? {{}})" for name, var in parts.items()})
    data = VarData.merge(*(var._get_all_var_data() for var in parts.values()))
    return rx.Var(_js_expr=f"({expression})", _var_data=data).to(type_)


def _as_var(value: rx.Var | str) -> rx.Var:
    return value if isinstance(value, rx.Var) else rx.Var.create(value)


def lesson_done(lesson: rx.Var | str) -> rx.Var:
    """Done as this tab shows it: an unconfirmed click's wish, else the server's state."""
    return _js(
        "({clicks}[{lesson}] ? {clicks}[{lesson}].done : !!{done}[{lesson}])",
        bool,
        clicks=Clicks.value,
        lesson=_as_var(lesson),
        done=LearnerSync.done,  # type: ignore[arg-type]  # LearnerSync's plain-typed vars are Vars on the class
    )


def click_state(lesson: rx.Var | str) -> rx.Var:
    """'saving', 'queued' or '' (nothing unconfirmed) for this lesson."""
    return _js("({clicks}[{lesson}]?.state ?? '')", str, clicks=Clicks.value, lesson=_as_var(lesson))


def _pending_delta(field: str, value: rx.Var | str) -> rx.Var:
    """What the unconfirmed clicks whose `field` is `value` add: +1 or -1 each, 0 once the server shows it."""
    return _js(
        "Object.entries({clicks}).reduce((n, [slug, c]) => n + (c." + field + " === {value}"
        " ? (c.done ? 1 : 0) - ({done}[slug] ? 1 : 0) : 0), 0)",
        int,
        clicks=Clicks.value,
        value=_as_var(value),
        done=LearnerSync.done,  # type: ignore[arg-type]  # LearnerSync's plain-typed vars are Vars on the class
    )


def module_count(module: rx.Var | str) -> rx.Var:
    stored = rx.cond(LearnerSync.modules[module], LearnerSync.modules[module], 0)  # type: ignore[index]  # LearnerSync's plain-typed vars are Vars on the class
    return stored + _pending_delta("module", module)


def course_completed(course: rx.Var | str) -> rx.Var:
    stored = LearnerSync.courses[course]  # type: ignore[index]  # LearnerSync's plain-typed vars are Vars on the class
    return rx.cond(stored, stored["completed"].to(int), 0) + _pending_delta("course", course)  # type: ignore[attr-defined]  # a Var, as above


def course_percent(course: rx.Var | str, total: rx.Var) -> rx.Var:
    """floor(100 × completed / total), reading 100 only when every lesson is done."""
    completed = course_completed(course)
    return rx.cond(total > 0, rx.cond(completed >= total, 100, (completed * 100) // total), 0)  # type: ignore[operator]  # NumberVars at run time, typed rx.Var


def unsaved_count() -> rx.Var:
    """Clicks waiting for a connection (queued while offline)."""
    return _js("Object.values({clicks}).filter((c) => c.state === 'queued').length", int, clicks=Clicks.value)
