"""Legacy import input: impossible times are rejected rows, a BOM is fine, a malformed file fails the run (exit 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.services.operations.legacy_import import import_progress
from learnapp.services.operations.legacy_rows import MalformedFile
from learnapp.services.operations.runs import list_runs
from learnapp.settings import get_settings
from tests.dbdump import dump

AUDIT = ("operation_run",)
GOOD = {"email": "alice@example.com", "pathway": "path", "module": "m-basics", "completed_at": "2026-03-01T10:00:00Z"}
IMPOSSIBLE: list[object] = [
    "0001-01-01T00:00:00Z",  # year 1
    "0001-01-01T00:00:00+05:00",  # year 1 shifted below datetime's range: OverflowError before
    "9999-12-31T23:59:59-05:00",  # shifted above it
    "9999-99-99T00:00:00Z",
    "2026-02-30T10:00:00Z",
    "2026-03-01T25:00:00Z",
    "1e400",
    1e400,  # JSON's 1e400 is a float infinity
    99999999999999999999999999,  # an epoch far past any datetime
    -1,
    "1969-12-31T23:59:59Z",
    "",
    "x" * 5000,
    ["2026-03-01T10:00:00Z"],
    {"at": "2026-03-01T10:00:00Z"},
]


@pytest.fixture
def cli_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("LEARNAPP_DATABASE_URL", db.url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def cli(tmp_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, "--runs-dir", str(tmp_path / "runs")])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, " ".join(result.output.split())  # rich wraps long lines


@pytest.mark.parametrize("moment", IMPOSSIBLE, ids=lambda m: repr(m)[:30])
def test_an_impossible_time_is_a_rejected_row_with_a_reason(db: Database, tmp_path: Path, moment: object) -> None:
    source = tmp_path / "legacy.json"
    # The bare 1e400 literal: json.dumps would write Infinity, which the file format allows too.
    text = json.dumps([{**GOOD, "completed_at": moment}, GOOD]).replace("Infinity", "1e400")
    source.write_text(text)
    before = dump(db, skip=AUDIT)
    report = import_progress(db, source, "tester")
    [rejected] = report.rejected
    assert rejected["number"] == 1
    assert "completed_at" in rejected["reason"] and len(rejected["reason"]) < 200
    assert not report.written and dump(db, skip=AUDIT) == before


def test_impossible_times_through_the_cli_are_listed_and_exit_1(cli_db: Database, tmp_path: Path) -> None:
    source = tmp_path / "legacy.csv"
    source.write_text(
        "email,pathway,module,completed_at\n"
        "alice@example.com,path,m-basics,0001-01-01T00:00:00+05:00\n"
        "alice@example.com,path,m-basics,9999-99-99\n"
        "alice@example.com,path,m-basics,1e400\n"
    )
    code, output = cli(tmp_path, "progress", "import", str(source))
    assert code == 1
    assert "row 1" in output and "out of range" in output
    assert "row 2" in output and "row 3" in output and "3 rejected" in output


def test_a_byte_order_mark_before_the_csv_header_is_accepted(cli_db: Database, tmp_path: Path) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes(
        b"\xef\xbb\xbfemail,pathway,module,completed_at\r\nalice@example.com,path,m-basics,2026-03-01T10:00:00Z\r\n"
    )
    code, output = cli(tmp_path, "progress", "import", str(source))
    assert code == 0, output
    assert "3 completions imported" in output and "0 rejected" in output


MALFORMED: dict[str, bytes] = {
    "binary.csv": bytes(range(256)) * 4,
    "nul.csv": b"email,pathway,module,completed_at\nalice@example.com,path\x00,m-basics,2026-03-01T10:00:00Z\n",
    "notes.txt": b"These are my notes, not an export.\nSecond line.\n",
    "wrong-columns.csv": b"name,course,date\nAlice,python,2026-03-01\n",
    "empty.csv": b"",
    "bad.json": b'[{"email": "alice@example.com",',
    "object.json": b'{"email": "alice@example.com"}',
    "huge-number.json": b"[" + b"9" * 5000 + b"]",
    "deep.json": b"[" * 100_000,
    "csv-as.json": b"email,pathway,module,completed_at\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_file_is_a_clear_error_exit_1_and_a_failed_run(cli_db: Database, tmp_path: Path, name: str) -> None:
    source = tmp_path / name
    source.write_bytes(MALFORMED[name])
    before = dump(cli_db, skip=AUDIT)
    code, output = cli(tmp_path, "progress", "import", str(source))
    assert code == 1, output
    assert name in output and "recorded as failed" in output and "Traceback" not in output
    [run] = [r for r in list_runs(cli_db) if r.kind == "progress-import"]
    assert run.status == "failed" and name in str(run.summary["error"])
    assert dump(cli_db, skip=AUDIT) == before
    code, listing = cli_runs()
    assert code == 0 and "failed" in listing


def cli_runs() -> tuple[int, str]:
    result = CliRunner().invoke(main, ["runs"])
    return result.exit_code, result.output


def test_the_service_raises_a_clear_error_and_records_the_failure(db: Database, tmp_path: Path) -> None:
    source = tmp_path / "bad.json"
    source.write_text("not json at all")
    with pytest.raises(MalformedFile, match="bad.json is not valid JSON") as caught:
        import_progress(db, source, "tester")
    [run] = list_runs(db)
    assert (run.status, run.id) == ("failed", caught.value.details["run"])
