"""Uploaded content: YAML files or one zip, refused clearly when hostile or too big; apply exactly the preview."""

from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path

import pytest

from learnapp.persistence.db import Database
from learnapp.services.content.apply import import_content
from learnapp.services.content.bundles import BundleGone, bundles_folder, load_bundle
from learnapp.services.content.export import catalog_digest, export_catalog
from learnapp.services.content.files import ContentError
from learnapp.services.content.updates import CatalogChanged, apply_upload, preview_upload
from learnapp.services.content.upload import MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, upload_source
from tests.conftest import ADMIN, FIXTURE_CONTENT
from tests.dbdump import dump

NEW_COURSE = """courses:
  - slug: course-new
    title: A new course
    modules: [m-extra]
"""
CATALOG = FIXTURE_CONTENT.encode()


def zipped(*entries: tuple[str, bytes], link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def problems(files: list[tuple[str, bytes]]) -> list[str]:
    with pytest.raises(ContentError) as caught:
        upload_source(files)
    return [str(p) for p in caught.value.problems]


def test_several_yaml_files_are_read_in_name_order() -> None:
    source = upload_source([("b.yaml", NEW_COURSE.encode()), ("a.yaml", CATALOG)])
    assert [name for name, _ in source.files] == ["a.yaml", "b.yaml"]


def test_a_zip_of_the_folder_gives_its_yaml_files() -> None:
    archive = zipped(
        ("content/", b""),
        ("content/README.md", b"# not content"),
        ("content/10-a.yaml", CATALOG),
        ("__MACOSX/content/._10-a.yaml", b"\x00\x05\x16\x07"),
        ("content/20-b.yaml", NEW_COURSE.encode()),
    )
    source = upload_source([("content.zip", archive)])
    assert source.files == (("content/10-a.yaml", CATALOG), ("content/20-b.yaml", NEW_COURSE.encode()))


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ([], "choose one or more .yaml files"),
        ([("notes.txt", b"hello")], "notes.txt: file: is not a .yaml content file"),
        ([("a.yaml", CATALOG), ("a.yaml", CATALOG)], "a.yaml: file: is uploaded twice"),
        ([("a.yaml", b"x" * (MAX_UPLOAD_BYTES + 1))], "the limit is 5.0 MB"),
        ([(f"{n:03}.yaml", b"") for n in range(MAX_UPLOAD_FILES + 1)], "201 files: the limit is 200"),
        ([("c.zip", zipped(("a.yaml", CATALOG))), ("b.yaml", CATALOG)], "c.zip: file: a .zip must be uploaded alone"),
        ([("c.zip", b"PK not really")], "c.zip: file: is not a readable .zip archive"),
        ([("c.zip", zipped(("README.md", b"#")))], "holds no .yaml content files"),
        ([("c.zip", zipped(("../evil.yaml", CATALOG)))], "c.zip: ../evil.yaml: leads outside the content folder"),
        ([("c.zip", zipped(("/etc/evil.yaml", CATALOG)))], "c.zip: /etc/evil.yaml: leads outside"),
        ([("c.zip", zipped(("a\\..\\..\\evil.yaml", CATALOG)))], "leads outside the content folder"),
        ([("c.zip", zipped(("a.yaml", CATALOG), link="content/x.yaml"))], "is a symbolic link"),
        ([("c.zip", zipped(("big.yaml", b"#" * (1024 * 1024 + 1))))], "c.zip: big.yaml: is larger than 1024 KiB"),
    ],
)
def test_bad_uploads_are_refused_with_the_reason(files: list[tuple[str, bytes]], expected: str) -> None:
    found = problems(files)
    assert any(expected in problem for problem in found), found


def test_a_zip_bomb_is_refused_before_it_is_unpacked() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n in range(6):
            archive.writestr(f"{n}.yaml", b"#" * (1024 * 1024))  # 6 MB unpacked from a few KB
    assert len(buffer.getvalue()) < 100_000
    assert any("unpacks to 6.0 MB: the limit is 5.0 MB" in p for p in problems([("bomb.zip", buffer.getvalue())]))


def test_errors_name_file_and_line(db: Database) -> None:
    broken = NEW_COURSE + "  - slug: course-new\n    title: Again\n    modules: [ghost]\n"
    before = dump(db)
    with pytest.raises(ContentError) as caught:
        preview_upload(db, upload_source([("a.yaml", CATALOG), ("b.yaml", broken.encode())]))
    found = [str(p) for p in caught.value.problems]
    assert "b.yaml line 5: course 'course-new': duplicate slug: course slug 'course-new' is used twice" in found[0]
    assert dump(db) == before
    assert not bundles_folder(db).exists() or not list(bundles_folder(db).iterdir())  # invalid uploads are not kept


def test_apply_applies_exactly_the_previewed_upload(db: Database) -> None:
    source = upload_source([("a.yaml", CATALOG), ("b.yaml", NEW_COURSE.encode())])
    impact = preview_upload(db, source)
    assert impact.report.created["course"] == 1
    assert load_bundle(db, impact.digest) == source
    applied = apply_upload(db, impact.previewed, ADMIN)
    assert applied.report.created == impact.report.created and applied.digest == impact.digest
    assert "course-new" in export_catalog(db)


def test_apply_refuses_when_the_catalog_changed_since_the_preview(db: Database, tmp_path: Path) -> None:
    impact = preview_upload(db, upload_source([("a.yaml", CATALOG), ("b.yaml", NEW_COURSE.encode())]))
    other = tmp_path / "other.yaml"
    other.write_text(FIXTURE_CONTENT.replace("title: Extra one", "title: Extra renamed"))
    import_content(db, other)  # someone else applies meanwhile
    before, digest = dump(db), catalog_digest(db)
    with pytest.raises(CatalogChanged):
        apply_upload(db, impact.previewed, ADMIN)
    assert dump(db) == before and catalog_digest(db) == digest


def test_apply_refuses_when_the_same_files_were_applied_meanwhile(db: Database) -> None:
    source = upload_source([("a.yaml", CATALOG), ("b.yaml", NEW_COURSE.encode())])
    first, second = preview_upload(db, source), preview_upload(db, source)
    apply_upload(db, first.previewed, ADMIN)
    before = dump(db)
    with pytest.raises(CatalogChanged):
        apply_upload(db, second.previewed, ADMIN)
    assert dump(db) == before


def test_a_bundle_gone_or_altered_is_refused(db: Database) -> None:
    impact = preview_upload(db, upload_source([("a.yaml", CATALOG), ("b.yaml", NEW_COURSE.encode())]))
    stored = bundles_folder(db) / f"{impact.digest}.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(bundles_folder(db).stat().st_mode) == 0o700
    stored.write_text(stored.read_text().replace('"a.yaml"', '"z.yaml"'))
    before = dump(db)
    for digest in (impact.digest, "../" + impact.digest, "0" * 64):
        with pytest.raises(BundleGone):
            load_bundle(db, digest)
    with pytest.raises(BundleGone):
        apply_upload(db, impact.previewed, ADMIN)
    assert dump(db) == before


def test_yaml_tags_that_build_objects_are_refused(db: Database, tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    hostile = f'modules: !!python/object/apply:os.system ["touch {marker}"]\n'.encode()
    with pytest.raises(ContentError) as caught:
        preview_upload(db, upload_source([("a.yaml", hostile)]))
    assert "a.yaml line 1: file: cannot be read as YAML" in str(caught.value.problems[0])
    assert not marker.exists()
