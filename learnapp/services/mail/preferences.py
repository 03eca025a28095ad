"""Services: which notices a learner gets by email, and the signed one-click unsubscribe link in each."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.persistence.mail_prefs import KINDS, Preferences, preferences, read_preferences, set_preference
from learnapp.services.errors import InvalidRequest
from learnapp.settings import public_url

# What the profile shows for each kind, and what a notice's footer says the learner signed up for.
LABELS = {
    "course_completed": "A course or pathway completed",
    "certificate_ready": "A certificate ready",
    "milestones": "Milestones (25%, 50%, 75% of a course)",
    "reminders": "A reminder after 7 days without studying",
}
REASONS = {
    "course_completed": "you asked to hear when you complete a course or pathway",
    "certificate_ready": "you asked to hear when a certificate is ready",
    "milestones": "you asked for milestone emails",
    "reminders": "you asked for a reminder when you have not studied for a week",
}


def _signature(prefs: Preferences, kind: str) -> str:
    return hmac.new(prefs.signing_key.encode(), f"{prefs.learner_id}:{kind}".encode(), hashlib.sha256).hexdigest()[:40]


def unsubscribe_url(prefs: Preferences, kind: str) -> str:
    """A link that turns `kind` off for this learner, signed with the learner's own key (no log-in needed)."""
    return f"{public_url()}/mail/unsubscribe?t={prefs.learner_id}.{kind}.{_signature(prefs, kind)}"


def read_token(db: Database, token: str) -> tuple[int, str] | None:
    """(learner id, kind) when the token is one we signed; None for anything else."""
    learner, _, rest = token.partition(".")
    kind, _, signature = rest.partition(".")
    if not learner.isdigit() or len(learner) > 18 or kind not in KINDS:
        return None
    with db.snapshot() as conn:
        prefs = read_preferences(conn, int(learner))
    if prefs is None or not hmac.compare_digest(_signature(prefs, kind), signature):
        return None
    return prefs.learner_id, kind


def unsubscribe(db: Database, token: str) -> str | None:
    """Turn off what the token names; the kind's label, or None when the token is not valid."""
    found = read_token(db, token)
    if found is None:
        return None
    with db.transaction() as conn:
        set_preference(conn, found[0], found[1], False, utcnow())
    return LABELS[found[1]]


def email_preferences(db: Database, learner_id: int) -> dict[str, bool]:
    with db.transaction() as conn:
        prefs = preferences(conn, learner_id, utcnow())
    return {kind: prefs.wants(kind) for kind in KINDS}


def set_email_preference(db: Database, learner_id: int, kind: str, on: bool, now: datetime | None = None) -> None:
    if kind not in KINDS:
        raise InvalidRequest(f"Unknown kind of email {kind!r}")
    with db.transaction() as conn:
        set_preference(conn, learner_id, kind, on, now or utcnow())
