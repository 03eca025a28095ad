"""The process-wide catalog cache never serves a tree that was read inside an import that rolled back."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Connection

from learnapp.persistence.catalog import current_catalog
from learnapp.persistence.db import Database
from learnapp.services.content.apply import import_plan
from learnapp.services.content.files import read_content
from tests.conftest import FIXTURE_CONTENT


def _titled(folder: Path, title: str) -> Path:
    path = folder / f"{title.replace(' ', '-')}.yaml"
    path.write_text(FIXTURE_CONTENT.replace("title: Extra one", f"title: {title}"))
    return path


def _title_of_e1(db: Database) -> str:
    with db.snapshot() as conn:
        found = current_catalog(conn).lesson("e1")
        assert found is not None
        return found[0].title


def test_a_tree_read_inside_a_dry_run_is_not_served_after_the_real_import(db: Database, tmp_path: Path) -> None:
    assert _title_of_e1(db) == "Extra one"
    seen: list[str] = []

    def read_inside(conn: Connection) -> None:  # as a consequence of the import might: the tree at the new version
        found = current_catalog(conn).lesson("e1")
        seen.append(found[0].title if found else "")

    import_plan(db, read_content(_titled(tmp_path, "Dry run title")), dry_run=True, inspect=read_inside)
    assert seen == ["Dry run title"]  # the dry run saw its own tree, then rolled back (read nothing here since)
    # Another process (here: the CLI) commits an import reaching the same version number the dry run reached;
    # this process's cache still holds the dry run's tree at that number.
    env = {**os.environ, "LEARNAPP_DATABASE_URL": db.url}
    cli = [str(Path(sys.executable).parent / "learnapp"), "content", "import", str(_titled(tmp_path, "Real title"))]
    subprocess.run(cli, env=env, check=True, capture_output=True, timeout=120)
    assert _title_of_e1(db) == "Real title"
