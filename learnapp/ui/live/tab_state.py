"""UI: the learner's progress as one tab holds it, and the one rule for showing a newer read of it."""

from __future__ import annotations

import time
from typing import Any

from learnapp.services.engine.live import ProgressRead, Scope
from learnapp.ui.session import SessionState


class LearnerSync(SessionState):
    """This tab's copy of the learner's progress; every change reaches it (learnapp/ui/live/channel.py).

    Per tab rather than one Reflex SharedState linked into every tab: a linked state is locked, patched into the
    tab and diffed on every event of the tab, which cost more than the rest of a click. Here a tab pays only when
    the learner's progress changes. Under SessionState, it is reset with the rest of the tab's private state when
    the session changes (learnapp/ui/binding.py).
    """

    done: dict[str, bool] = {}
    modules: dict[str, int] = {}
    courses: dict[str, dict[str, int]] = {}
    certificates: dict[str, dict[str, str]] = {}
    unread: int = 0
    notices: list[dict[str, str]] = []
    _learner: int = 0  # whose progress this tab holds
    _version: int = -1  # the progress version of the checkmarks and counts shown (services/engine/unit_of_work.py)
    _news_version: int = -1  # the progress version of the certificates and notices shown
    _listed_sid: str = ""  # the socket for which this tab was last listed as the learner's
    _refreshed_at: float = 0.0

    def _show(self, learner_id: int, read: ProgressRead) -> None:
        """Show a read of the learner's progress, part by part, unless the tab shows a newer one already.

        Reads cross (a push and a click's own read; two pushes): each part keeps the newest read that held it. A
        read of checkmarks and counts only (Scope.PROGRESS) comes from a change that announced nothing, so the
        certificates and notices shown, from an older read, are still right.
        """
        if learner_id != self._learner:  # signed in as someone else: nothing of the previous learner stays
            self._version = self._news_version = -1
            self._assign(certificates={}, unread=0, notices=[])
        snapshot = read.snapshot
        if not older_than_shown(self._learner, self._version, learner_id, read.version):
            self._version = read.version
            self._assign(done=snapshot.done, modules=snapshot.modules, courses=snapshot.courses)
        if read.scope is Scope.ALL and not older_than_shown(
            self._learner, self._news_version, learner_id, read.version
        ):
            self._news_version = read.version
            notices = [
                {"title": n.title, "link": n.link, "at": n.created_at.isoformat(), "read": "yes" if n.read else ""}
                for n in snapshot.notices
            ]
            self._assign(certificates=snapshot.certificates, unread=snapshot.unread, notices=notices)
        self._learner, self._refreshed_at = learner_id, time.time()  # wall clock: workers may be hosts

    def _assign(self, **values: Any) -> None:
        # Reflex sends each var that is assigned, changed or not: assign only the changes.
        for name, value in values.items():
            if getattr(self, name) != value:
                setattr(self, name, value)


def older_than_shown(shown_learner: int, shown_version: int, learner_id: int, version: int) -> bool:
    """Whether a read of the learner's progress at `version` predates what the tab shows: it is then ignored.

    Every change bumps the learner's version in its own transaction, so a read taken before a change carries a
    lower version than one taken after, whichever reaches the tab first. Another learner's read is never older.
    """
    return learner_id == shown_learner and version < shown_version
