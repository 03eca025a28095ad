"""Services: demo content, accounts and a believable learning history for a first run."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from learnapp.persistence.db import Database
from learnapp.persistence.tables import utcnow
from learnapp.services.accounts import create_learner, find_account
from learnapp.services.completion import record_completion
from learnapp.services.content_import import ImportReport, import_content
from learnapp.services.enrollment import enroll_course, enroll_pathway
from learnapp.services.progress import course_outline, record_access

DEMO_ACCOUNTS = (
    ("learner@example.com", "Ada Learner", "learner-demo-2026", "learner"),
    ("admin@example.com", "Grace Admin", "admin-demo-2026", "admin"),
)
# (course, how many of its countable lessons the demo learner has finished)
DEMO_PROGRESS = (("python-basics", 5), ("sql-foundations", None), ("algorithms-in-depth", 12))


def load_demo(db: Database, content_dir: Path) -> ImportReport:
    """Idempotent: running it again changes nothing."""
    report = import_content(db, content_dir)
    for email, name, password, role in DEMO_ACCOUNTS:
        if find_account(db, email) is None:
            create_learner(db, email, name, password, role, time_zone="Europe/London")
    learner = find_account(db, DEMO_ACCOUNTS[0][0])
    assert learner is not None
    enroll_pathway(db, learner.id, "python-developer")
    for course_slug, count in DEMO_PROGRESS:
        enroll_course(db, learner.id, course_slug)
        outline = course_outline(db, learner.id, course_slug)
        countable = [x.slug for m in outline.modules for x in m.lessons if not x.preview]
        # Spread the history over recent days so streaks and activity look like real use.
        for index, slug in enumerate(countable[: count if count is not None else len(countable)]):
            when = utcnow() - timedelta(days=len(countable) - index, hours=index % 5)
            record_completion(db, learner.id, slug, source="import", completed_at=when)
        record_access(db, learner.id, course_slug, countable[min(len(countable) - 1, count or 0)])
    return report
