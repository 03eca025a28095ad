"""Admin content preview: regular files under the content root only, each capped; apply uses exactly the preview."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.content.files import MAX_FILE_BYTES, ContentError
from learnapp.services.content.updates import ContentChanged, apply_content, preview_content
from learnapp.settings import get_settings
from tests.conftest import ADMIN, FIXTURE_CONTENT
from tests.dbdump import dump

NEW_LESSON = FIXTURE_CONTENT.replace(
    "      - {slug: e1, title: Extra one}\n",
    "      - {slug: e1, title: Extra one}\n      - {slug: e2, title: Extra two}\n",
)


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The configured content root (LEARNAPP_CONTENT_DIR) with an updated catalog in `update/`."""
    folder = tmp_path / "content"
    (folder / "update").mkdir(parents=True)
    (folder / "update" / "catalog.yaml").write_text(NEW_LESSON)
    monkeypatch.setenv("LEARNAPP_CONTENT_DIR", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


def problems(db: Database, path: Path) -> str:
    with pytest.raises(ContentError) as caught:
        preview_content(db, path)
    return " ".join(str(p) for p in caught.value.problems)


def test_a_folder_under_the_root_previews(db: Database, root: Path) -> None:
    for path in (root / "update", Path("update"), Path("update/catalog.yaml")):
        impact = preview_content(db, path)
        assert impact.report.created["lesson"] == 1 and len(impact.digest) == 64


def test_paths_outside_the_root_are_refused(db: Database, root: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "catalog.yaml").write_text(NEW_LESSON)
    for path in (
        outside,
        Path("../elsewhere"),
        Path("update/../../elsewhere"),
        Path("/etc"),
        root / ".." / "elsewhere",
    ):
        assert "outside the content folder" in problems(db, path), path


def test_a_link_leading_out_of_the_root_is_refused(db: Database, root: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("modules: []\n")
    (root / "update" / "zz-secret.yaml").symlink_to(secret)
    assert "link leading out of the content folder" in problems(db, root / "update")
    (root / "linked").symlink_to(tmp_path)  # a folder link out of the root
    assert "outside the content folder" in problems(db, root / "linked")


def test_a_link_inside_the_root_is_followed(db: Database, root: Path) -> None:
    (root / "alias").symlink_to(root / "update")
    assert preview_content(db, root / "alias").report.created["lesson"] == 1


def test_a_fifo_or_a_device_is_refused_without_blocking(db: Database, root: Path) -> None:
    os.mkfifo(root / "update" / "pipe.yaml")
    result: list[str] = []
    reader = threading.Thread(target=lambda: result.append(problems(db, root / "update")), daemon=True)
    reader.start()
    reader.join(timeout=20)
    assert result and "pipe.yaml: file: is not a regular file" in result[0]  # a blocking open would hang here
    os.unlink(root / "update" / "pipe.yaml")
    (root / "update" / "null.yaml").symlink_to("/dev/null")  # a device, through a link (outside the root too)
    assert "null.yaml" in problems(db, root / "update")


def test_a_file_over_the_size_cap_is_refused(db: Database, root: Path) -> None:
    big = NEW_LESSON + "#" * (MAX_FILE_BYTES - len(NEW_LESSON.encode()) + 1) + "\n"
    (root / "update" / "catalog.yaml").write_text(big)
    assert "is larger than 1024 KiB" in problems(db, root / "update")
    (root / "update" / "catalog.yaml").write_text(NEW_LESSON + "#" * 1000 + "\n")  # well under: fine
    preview_content(db, root / "update")


def test_apply_uses_exactly_what_was_previewed(db: Database, root: Path) -> None:
    impact = preview_content(db, root / "update")
    applied = apply_content(db, root / "update", ADMIN, impact.digest)
    assert applied.report.created["lesson"] == 1 and not applied.report.dry_run


@pytest.mark.parametrize("change", ["edit", "add", "remove"])
def test_files_changed_after_the_preview_are_refused(db: Database, root: Path, change: str) -> None:
    impact = preview_content(db, root / "update")
    if change == "edit":
        (root / "update" / "catalog.yaml").write_text(NEW_LESSON.replace("Extra two", "Something else"))
    elif change == "add":
        (root / "update" / "more.yaml").write_text("modules: []\n")
    else:
        (root / "update" / "catalog.yaml").rename(root / "update" / "catalog.yml")
        (root / "update" / "other.yaml").write_text(NEW_LESSON)
    before = dump(db)
    with pytest.raises(ContentChanged, match="changed since the preview"):
        apply_content(db, root / "update", ADMIN, impact.digest)
    assert dump(db) == before
