"""UI: the tab's live progress (LearnerSync's vars) typed as the Vars they are on the class, for the pages."""

from __future__ import annotations

from typing import cast

from reflex.vars import ArrayVar, NumberVar, ObjectVar

from learnapp.ui.live.tab_state import LearnerSync

# LearnerSync annotates its vars with plain Python types; read on the class, each is the Var of that type.


def unread() -> NumberVar[int]:
    return cast(NumberVar[int], LearnerSync.unread)


def notices() -> ArrayVar[list[dict[str, str]]]:
    return cast(ArrayVar[list[dict[str, str]]], LearnerSync.notices)


def certificates() -> ObjectVar[dict[str, dict[str, str]]]:
    return cast(ObjectVar[dict[str, dict[str, str]]], LearnerSync.certificates)


def courses() -> ObjectVar[dict[str, dict[str, int]]]:
    return cast(ObjectVar[dict[str, dict[str, int]]], LearnerSync.courses)
