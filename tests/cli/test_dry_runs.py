"""Every dry run on a populated database leaves every table as it was (only the run log, operation_run, may grow).

The database has several learners with enrollments, completions, stored progress (some of it stale, so a
recalculation has work to do), certificates, notices, history, an earlier legacy import and its snapshots,
tokens, sessions and client events; each dry run is one that would change a lot if it wrote.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.services.accounts.learners import create_learner
from learnapp.services.accounts.sessions import start_session
from learnapp.services.accounts.tokens import create_token
from learnapp.services.content.updates import preview_content
from learnapp.services.engine.completion import record_completion
from learnapp.services.engine.enrollment import enroll_course, enroll_pathway
from learnapp.services.engine.events import ClientEventIn, apply_events
from learnapp.services.notices.certificates import issue_due
from learnapp.services.operations.legacy_import import import_progress
from learnapp.services.operations.recalculate import RecalcOptions, recalculate
from learnapp.settings import get_settings
from tests.conftest import ADMIN, ALICE, BOB, FIXTURE_CONTENT
from tests.dbdump import dump

RUN_LOG = ("operation_run",)
CAROL_EMAIL = "carol@example.com"
# Tables a populated database must fill, so "unchanged" is not trivially true of an empty table.
FILLED = {
    "enrollment",
    "pathway_enrollment",
    "lesson_completion",
    "progress_history",
    "notification",
    "certificate",
    "lesson_time",
    "activity_day",
    "client_event",
    "api_token",
    "login_session",
    "imported_fact",
    "learner_snapshot",
    "progress_sync",
}
# A content update with impact on everyone: w2 goes (Bob's course completes: a notice and a certificate would be
# queued), m-shared gains s3 (Alice's completed course-b and its certificate reopen), m-extra is renamed.
UPDATED_CONTENT = (
    FIXTURE_CONTENT.replace("      - {slug: w2, title: Wrap two}\n", "")
    .replace("{slug: s2, title: Shared two}\n", "{slug: s2, title: Shared two}\n      - {slug: s3, title: S3}\n")
    .replace("title: Extra\n", "title: Extra, renamed\n")
)
LEGACY = "email,pathway,module,completed_at\n" + "".join(
    f"{email},path,{module},{{when}}\n"
    for email, module in (("bob", "m-wrap"), ("carol", "m-core"), ("alice", "m-extra"), ("admin", "m-basics"))
).replace(",path", "@example.com,path")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def at(minute: int) -> datetime:
    """Minutes into the hour before now (backdated by the admin: a learner cannot date before their account)."""
    return datetime.now(UTC) - timedelta(minutes=60 - minute)


def populate(db: Database, runs: Path) -> None:
    """Four learners with every kind of row; then some stored progress made stale, as a bad import would."""
    carol = create_learner(db, CAROL_EMAIL, "Carol", "carol-password").id
    enroll_course(db, ALICE, "course-b")
    enroll_course(db, ALICE, "course-a")
    for day, lesson in enumerate(("s1", "s2", "e1"), start=1):  # course-b and course-a complete: certificates
        record_completion(db, ALICE, lesson, completed_at=at(day), actor_id=ADMIN)
    enroll_course(db, BOB, "ac-course")
    for day, lesson in enumerate(("b1", "b2", "b3", "c1", "c2", "c3", "c4", "c5", "w1"), start=1):
        record_completion(db, BOB, lesson, completed_at=at(day), actor_id=ADMIN)  # all but w2: milestones, not complete
    enroll_pathway(db, carol, "path")
    record_completion(db, carol, "c1", completed_at=at(2), actor_id=ADMIN)
    apply_events(db, carol, [ClientEventIn("ev-1", "lesson_viewed", "c2", seconds=120)])
    apply_events(db, carol, [ClientEventIn("ev-2", "lesson_completed", "c2", occurred_at=at(3))], ADMIN)
    enroll_course(db, ADMIN, "course-b")
    record_completion(db, ADMIN, "s1", completed_at=at(4), actor_id=ADMIN)
    while issue_due(db):
        pass
    start_session(db, ALICE)
    create_token(db, BOB, "grading script")
    runs.mkdir(parents=True, exist_ok=True)
    earlier = runs / "earlier.csv"
    earlier.write_text(f"email,pathway,module,completed_at\nadmin@example.com,path,m-extra,{at(50).isoformat()}\n")
    assert import_progress(db, earlier, "operator").written
    recalculate(db, RecalcOptions(), runs, "operator")  # progress_sync marks
    with db.transaction() as conn:  # stale stored progress: a recalculation would rewrite these rows
        conn.execute(text("UPDATE enrollment SET percent = 3, completed = 1, is_complete = false"))
        conn.execute(text("UPDATE pathway_enrollment SET percent = 99, courses_completed = 0"))


@pytest.fixture
def populated(cli_db: Database, tmp_path: Path) -> Database:
    populate(cli_db, tmp_path / "runs")
    empty = FILLED - {line.split(":", 1)[0] for line in dump(cli_db)}
    assert not empty, f"the populated database has no rows in {sorted(empty)}"
    return cli_db


def unchanged(db: Database, before: list[str]) -> None:
    after = dump(db, skip=RUN_LOG)
    assert after == before, "the dry run changed:\n" + "\n".join(
        [f"- {line}" for line in before if line not in after] + [f"+ {line}" for line in after if line not in before]
    )


def updated_content(tmp_path: Path) -> Path:
    folder = tmp_path / "update"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(UPDATED_CONTENT)
    return folder


def test_content_import_dry_run_changes_nothing(populated: Database, tmp_path: Path) -> None:
    folder = updated_content(tmp_path)
    before = dump(populated, skip=RUN_LOG)
    code, output = run("content", "import", str(folder), "--dry-run")
    assert code == 0 and "dry run" in output, output
    unchanged(populated, before)
    code, _ = run("content", "import", str(folder))  # the control: the same import for real changes rows
    assert code == 0 and dump(populated, skip=RUN_LOG) != before


def test_content_preview_changes_nothing(populated: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = updated_content(tmp_path)
    monkeypatch.setenv("LEARNAPP_CONTENT_DIR", str(tmp_path))
    get_settings.cache_clear()
    before = dump(populated, skip=RUN_LOG)
    impact = preview_content(populated, folder)
    assert impact.report.created["lesson"] == 1 and impact.report.progress_rows_changed > 0
    unchanged(populated, before)


@pytest.mark.parametrize(
    "scope",
    [
        (),
        ("--course", "course-b"),
        ("--course", "ac-course"),
        ("--learner", "bob@example.com"),
        ("--learner", CAROL_EMAIL),
    ],
    ids=["everyone", "course-b", "ac-course", "bob", "carol"],
)
def test_recalculate_dry_run_changes_nothing(populated: Database, tmp_path: Path, scope: tuple[str, ...]) -> None:
    runs = str(tmp_path / "runs")
    before = dump(populated, skip=RUN_LOG)
    code, output = run("recalculate", *scope, "--dry-run", "--batch-size", "2", "--runs-dir", runs)
    assert code == 0 and "dry run" in output, output
    assert " 0 updated" not in output, "the stale rows must give the dry run work to do"
    unchanged(populated, before)
    code, _ = run("recalculate", *scope, "--runs-dir", runs)  # the control: the same run for real writes
    assert code == 0 and dump(populated, skip=RUN_LOG) != before


@pytest.mark.parametrize("only", [None, "bob@example.com"], ids=["everyone", "bob"])
def test_legacy_import_dry_run_changes_nothing(populated: Database, tmp_path: Path, only: str | None) -> None:
    legacy = tmp_path / "legacy.csv"
    legacy.write_text(LEGACY.format(when=at(55).isoformat()))
    runs = str(tmp_path / "runs")
    scope = ("--learner", only) if only else ()
    before = dump(populated, skip=RUN_LOG)
    code, output = run("progress", "import", str(legacy), "--dry-run", *scope, "--runs-dir", runs)
    assert code == 0 and "nothing written" in output, output
    unchanged(populated, before)
    code, output = run("progress", "import", str(legacy), *scope, "--runs-dir", runs)  # the control
    assert code == 0 and "(written)" in output and dump(populated, skip=RUN_LOG) != before, output


def test_a_dry_run_leaves_the_run_log_only(populated: Database, tmp_path: Path) -> None:
    """The run log is the one table a dry run writes: it records the attempt (`learnapp runs` lists it)."""
    with populated.snapshot() as conn:
        runs_before = conn.execute(text("SELECT count(*) FROM operation_run")).scalar_one()
    run("recalculate", "--dry-run", "--runs-dir", str(tmp_path / "runs"))
    with populated.snapshot() as conn:
        kinds = conn.execute(text("SELECT count(*) FROM operation_run")).scalar_one()
    assert kinds == runs_before + 1
