"""The UI's typing aids say what is true at run time: `event` is Reflex's, live_vars' casts are honest."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ArrayVar, NumberVar, ObjectVar

from learnapp.ui.events import event
from learnapp.ui.live import vars as live_vars
from learnapp.ui.live.tab_state import LearnerSync
from learnapp.ui.pages.course import CourseState


def test_the_typed_event_decorator_is_reflexs_own() -> None:
    assert event is rx.event
    assert isinstance(CourseState.enroll, rx.EventHandler)  # what mypy is told a decorated handler is on the class


def test_live_vars_are_learner_syncs_vars_of_the_types_they_are_cast_to() -> None:
    assert live_vars.unread() is LearnerSync.unread
    assert isinstance(live_vars.unread(), NumberVar)
    assert live_vars.notices() is LearnerSync.notices
    assert isinstance(live_vars.notices(), ArrayVar)
    assert live_vars.certificates() is LearnerSync.certificates
    assert isinstance(live_vars.certificates(), ObjectVar)
    assert live_vars.courses() is LearnerSync.courses
    assert isinstance(live_vars.courses(), ObjectVar)
