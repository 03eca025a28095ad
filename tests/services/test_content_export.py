"""Content export: the published catalog as one YAML file; import → export → import changes nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.api.content_file import EXPORT_PATH
from learnapp.cli import main
from learnapp.persistence.db import Database
from learnapp.services.content.apply import import_content
from learnapp.services.content.export import catalog_digest, export_catalog, write_export
from learnapp.settings import ROOT
from tests.api.test_admin_files import get
from tests.conftest import ADMIN, ALICE
from tests.dbdump import dump

DEMO = ROOT / "content"


def assert_round_trip(db: Database, tmp_path: Path) -> str:
    """Export, import the export: no change at all (rows, history, version), and the same export again."""
    exported = write_export(db, tmp_path)
    digest, before = catalog_digest(db), dump(db)
    report = import_content(db, exported)
    assert not report.changed, (report.created, report.updated, report.retired)
    assert dump(db) == before  # no row differs: no history entry, no catalog version bump
    assert catalog_digest(db) == digest
    assert export_catalog(db) == exported.read_text()
    return exported.read_text()


def test_the_fixture_catalog_round_trips(db: Database, tmp_path: Path) -> None:
    text = assert_round_trip(db, tmp_path)
    data = yaml.safe_load(text)
    assert [m["slug"] for m in data["modules"]] == ["m-basics", "m-core", "m-wrap", "m-shared", "m-extra"]
    assert data["courses"][0] == {
        "slug": "ac-course",
        "title": "Three modules",
        "description": "",
        "modules": ["m-basics", "m-core", "m-wrap"],
    }
    assert data["pathways"][0]["courses"] == ["ac-course", "course-a", "course-b"]
    assert data["modules"][0]["lessons"][0]["preview"] is True


def test_the_demo_catalog_round_trips(db: Database, tmp_path: Path) -> None:
    import_content(db, DEMO)
    text = assert_round_trip(db, tmp_path)
    # Every lesson of the demo files is there, bodies as literal blocks an author can edit.
    authored = [yaml.safe_load(p.read_text()) for p in sorted(DEMO.glob("*.yaml"))]
    lessons = [x["slug"] for doc in authored for m in doc.get("modules") or [] for x in m["lessons"]]
    exported = yaml.safe_load(text)
    assert [x["slug"] for m in exported["modules"] for x in m["lessons"]] == lessons
    assert "body: |" in text


def test_retired_items_are_left_out(db: Database, tmp_path: Path) -> None:
    smaller = tmp_path / "smaller"
    smaller.mkdir()
    data = yaml.safe_load(export_catalog(db))
    data["pathways"] = []
    data["courses"] = [c for c in data["courses"] if c["slug"] != "course-b"]
    (smaller / "catalog.yaml").write_text(yaml.safe_dump(data))
    assert import_content(db, smaller).retired == {"course": 1, "pathway": 1}
    exported = yaml.safe_load(export_catalog(db))
    assert [c["slug"] for c in exported["courses"]] == ["ac-course", "course-a"] and exported["pathways"] == []
    assert_round_trip(db, tmp_path)


def test_export_into_a_folder_or_a_file(db: Database, tmp_path: Path) -> None:
    assert write_export(db, tmp_path) == tmp_path / "catalog.yaml"
    assert write_export(db, tmp_path / "mine.yaml") == tmp_path / "mine.yaml"
    assert (tmp_path / "mine.yaml").read_text() == (tmp_path / "catalog.yaml").read_text()


# Generated catalogs: awkward text (quotes, colons, `#`, unicode, leading spaces, newlines) in every field.
SLUGS = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,4})?", fullmatch=True)
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t\r\x85\u2028\u2029\ufeff"),
    max_size=40,
)
TITLE = TEXT.map(str.strip).filter(bool)


@st.composite
def catalogs(draw: st.DrawFn) -> dict[str, Any]:
    slugs = draw(st.lists(SLUGS, min_size=3, max_size=14, unique=True))
    lesson_slugs, module_slugs = slugs[: len(slugs) // 2 + 1], slugs[len(slugs) // 2 + 1 :]
    modules: list[dict[str, Any]] = []
    for index, lesson in enumerate(lesson_slugs):
        entry = {
            "slug": f"l-{lesson}",
            "title": draw(TITLE),
            "description": draw(TEXT).strip(),
            "kind": draw(st.sampled_from(["article", "video"])),
            "minutes": draw(st.integers(0, 500)),
            "preview": False,
            "body": draw(TEXT),
        }
        if entry["kind"] == "video":
            entry["video_url"] = "https://videos.example/" + lesson
        if index < len(module_slugs) or not modules:
            modules.append({"slug": f"m-{module_slugs[index % len(module_slugs)]}", "title": draw(TITLE)})
            modules[-1]["lessons"] = [entry]
        else:
            modules[draw(st.integers(0, len(modules) - 1))]["lessons"].append(dict(entry, preview=draw(st.booleans())))
    names = [m["slug"] for m in modules]
    courses = [
        {
            "slug": f"c-{n}",
            "title": draw(TITLE),
            "modules": draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True)),
        }
        for n in range(draw(st.integers(1, 3)))
    ]
    pathways = [{"slug": "p-all", "title": draw(TITLE), "courses": [c["slug"] for c in courses]}]
    return {"modules": modules, "courses": courses, "pathways": pathways}


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(catalog=catalogs())
def test_generated_catalogs_round_trip(db: Database, tmp_path: Path, catalog: dict[str, Any]) -> None:
    source = tmp_path / "generated.yaml"
    source.write_text(yaml.safe_dump(catalog, default_style='"'))  # every string escaped: stored exactly
    import_content(db, source)
    assert_round_trip(db, tmp_path)


@pytest.mark.parametrize("body", ["trailing spaces  \nnext", "tab\there\n", "ends without newline\nx", "  indented\n"])
def test_bodies_an_author_might_write_round_trip(db: Database, tmp_path: Path, body: str) -> None:
    data = yaml.safe_load(export_catalog(db))
    data["modules"][0]["lessons"][1]["body"] = body
    source = tmp_path / "edited.yaml"
    source.write_text(yaml.safe_dump(data))
    assert import_content(db, source).updated["lesson"] == 1
    assert_round_trip(db, tmp_path)


def test_the_cli_exports_what_imports_unchanged(cli_db: Database, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["content", "export", str(tmp_path)])
    assert result.exit_code == 0 and "catalog.yaml" in result.output, result.output
    assert (tmp_path / "catalog.yaml").read_text() == export_catalog(cli_db)
    before = dump(cli_db)
    result = runner.invoke(main, ["content", "import", str(tmp_path / "catalog.yaml")])
    assert result.exit_code == 0 and "content unchanged" in result.output, result.output
    assert dump(cli_db) == before
    result = runner.invoke(main, ["content", "export", str(tmp_path / "missing" / "x.yaml")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_the_download_is_for_admins_only(db: Database) -> None:
    response = get(db, EXPORT_PATH, ADMIN)
    assert response.status_code == 200 and response.text == export_catalog(db)
    assert 'filename="catalog.yaml"' in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    for learner in (ALICE, None):
        refused = get(db, EXPORT_PATH, learner)
        assert refused.status_code == 404 and "m-basics" not in refused.text


def test_the_page_links_the_route() -> None:
    from learnapp.ui.pages.admin_content import EXPORT_PATH as LINKED

    assert LINKED == EXPORT_PATH
