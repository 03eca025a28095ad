"""The profile form keeps what the learner typed unless the stored values changed under it."""

from __future__ import annotations

import asyncio

from reflex.state import State

from learnapp.services.accounts.learners import Account
from learnapp.ui.pages.profile import ProfileState

ZOE = Account(id=7, email="zoe@example.com", name="Zoe Zone", role="learner", time_zone="Asia/Kolkata")


def profile_state() -> ProfileState:
    async def make() -> ProfileState:
        return await State(_reflex_internal_init=True).get_state(ProfileState)

    return asyncio.run(make())


def test_the_first_load_mounts_the_form_with_the_stored_values() -> None:
    state = profile_state()
    before = state.form_version
    state._show(ZOE)
    assert state.form_version == before + 1
    assert (state.name, state.time_zone, state.loaded) == ("Zoe Zone", "Asia/Kolkata", True)


def test_a_reload_whose_load_answers_the_values_already_shown_does_not_remount_the_form() -> None:
    """A remount would wipe what the learner typed between the tab's restored state and the load's answer (a
    journey lost its typed time zone that way under load)."""
    state = profile_state()
    state._show(ZOE)
    shown = state.form_version
    state._show(ZOE)
    assert state.form_version == shown


def test_stored_values_that_changed_remount_the_form() -> None:
    state = profile_state()
    state._show(ZOE)
    for changed in (
        Account(id=7, email=ZOE.email, name="Zoe Q. Zone", role="learner", time_zone=ZOE.time_zone),
        Account(id=7, email=ZOE.email, name="Zoe Q. Zone", role="learner", time_zone="Europe/Paris"),
    ):
        shown = state.form_version
        state._show(changed)
        assert state.form_version == shown + 1
        assert (state.name, state.time_zone) == (changed.name, changed.time_zone)
