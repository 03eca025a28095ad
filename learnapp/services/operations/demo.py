"""Services: demo content, accounts and a believable learning history for a first run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner, find_account
from learnapp.services.content.apply import ImportReport, import_content
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.learning.progress import course_outline, record_access, record_time_spent

DEMO_ACCOUNTS = (
    ("learner@example.com", "Ada Learner", "learner-demo-2026", "learner"),
    ("admin@example.com", "Grace Admin", "admin-demo-2026", "admin"),
)
# (course, how many of its countable lessons the demo learner has finished)
DEMO_PROGRESS = (("algorithms-in-depth", 12), ("sql-foundations", None), ("python-basics", 5))


def load_demo(db: Database, content_dir: Path) -> ImportReport:
    """Idempotent: running it again changes nothing, and never undoes what the demo learner did since."""
    report = import_content(db, content_dir)
    created = [
        create_learner(db, email, name, password, role, time_zone="Europe/London")
        for email, name, password, role in DEMO_ACCOUNTS
        if find_account(db, email) is None
    ]
    learner = next((a for a in created if a.email == DEMO_ACCOUNTS[0][0]), None)
    if learner is not None:
        _seed_history(db, learner.id)
    return report


def _seed_history(db: Database, learner_id: int) -> None:
    enroll_pathway(db, learner_id, "python-developer")
    done = 0
    for course_slug, count in DEMO_PROGRESS:
        enroll_course(db, learner_id, course_slug)
        outline = course_outline(db, learner_id, course_slug)
        countable = [x.slug for m in outline.modules for x in m.lessons if not x.preview]
        minutes = {x.slug: x.minutes for m in outline.modules for x in m.lessons}
        finished = countable[: count if count is not None else len(countable)]
        for slug in finished:
            # About a lesson a day over the last weeks, with one break, so streaks look like real use.
            days_ago = 22 - done + (2 if done < 8 else 0)
            when = utcnow() - timedelta(days=days_ago, hours=done % 5)
            record_completion(db, learner_id, slug, source="import", completed_at=when)
            record_time_spent(db, learner_id, slug, minutes.get(slug, 5) * 60)
            done += 1
        record_access(db, learner_id, course_slug, countable[min(len(countable) - 1, len(finished))])
