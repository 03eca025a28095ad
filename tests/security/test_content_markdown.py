"""Lesson markdown carries no active HTML: cleaned at import and for the player, rendered without raw HTML."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import reflex as rx
from sqlalchemy import select

from learnapp.persistence.db import Database
from learnapp.persistence.tables import LessonRow
from learnapp.services.content.apply import import_content
from learnapp.services.learning.lesson_markdown import clean_markdown
from learnapp.ui.pages.player import lesson_body

PAYLOADS = [
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=x OnError=alert(1)>",
    "<img/onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<script>alert(1)</script>",
    "<ScRiPt src=https://evil.example/x.js></ScRiPt>",
    "<script>\nalert(1)\n</script>",
    "<iframe src=https://evil.example></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    "<style>@import url(https://evil.example/x.css)</style>",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="  JaVaScRiPt:alert(1)">x</a>',
    "<details open ontoggle=alert(1)>x</details>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<base href=https://evil.example/>",
    "<!-- a comment --><img src=x onerror=alert(1)>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<div\nonmouseover=alert(1)>hover</div>",
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](java\tscript:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](javascript\\:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](data:image/svg+xml,<svg onload=alert(1)>)",
    "![x](javascript:alert(1))",
    "[x][evil]\n\n[evil]: javascript:alert(1)",
    "[x][evil]\n\n[evil]: <data:text/html,hi>",
    "<javascript:alert(1)>",
    "`x` <img src=x onerror=alert(1)> `y`",
    '<a title="`" onmouseover="alert(1)" x="`">hover</a>',
    "<div>\n\n```\n<img src=x onerror=alert(1)>\n```\n</div>",
    "```\n<img src=x onerror=alert(1)>\n```",
    "~~~\n<script>alert(1)</script>\n~~~",
    "`<img src=x onerror=alert(1)>`",
]

ACTIVE_TAG = re.compile(
    r"<\s*/?\s*(script|iframe|object|embed|svg|math|style|form|meta|base|link)\b|<[^>]*[\s/\"']on[a-z]+\s*=", re.I
)
ACTIVE_URL = re.compile(r"(javascript|vbscript|livescript):|\(data:|:data:|<data:")


def active(markdown: str) -> list[str]:
    """What could run, reading the text as HTML everywhere (code included) after markdown's own escapes."""
    readable = html.unescape(markdown.replace("\\<", "\x01"))  # a backslash-escaped `<` is a literal, never a tag
    found = [m.group(0) for m in ACTIVE_TAG.finditer(readable)]
    bare = re.sub(r"[\x00-\x20\x7f\\]+", "", readable).lower()
    return found + [m.group(0) for m in ACTIVE_URL.finditer(bare)]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_payload_leaves_nothing_active(payload: str) -> None:
    assert active(payload), "the payload itself must be active, or the check proves nothing"
    cleaned = clean_markdown(f"## Lesson\n\nBefore.\n\n{payload}\n\nAfter.\n")
    assert active(cleaned) == [], cleaned
    assert "Before." in cleaned and "After." in cleaned and "## Lesson" in cleaned


def test_ordinary_markdown_and_code_with_tags_stay_as_written() -> None:
    lesson = (
        "## Render HTML from data\n\n"
        "```html\n<ul>\n{% for book in books %}\n  <li>{{ book.title }}</li>\n{% endfor %}\n</ul>\n```\n"
        'Call `render_template("<b>")`; see [the docs](https://flask.palletsprojects.com/) or '
        "[a lesson](/courses/python-basics) and <https://example.com>.\n\n"
        "> a quote with a < b && c > d\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```python\ntype(x)  # <class 'str'>\n```\n"
    )
    assert clean_markdown(lesson) == lesson


def test_the_demo_content_is_unchanged_by_cleaning() -> None:
    import yaml

    from learnapp.settings import ROOT

    for file in sorted((ROOT / "content").glob("*.yaml")):
        for module in yaml.safe_load(file.read_text())["modules"] or []:
            for lesson in module["lessons"]:
                body = lesson.get("body") or ""
                assert clean_markdown(body) == body, (file.name, lesson["slug"])


def test_the_import_stores_lesson_bodies_without_active_html(db: Database, content_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "hostile"
    folder.mkdir()
    text = (content_dir / "catalog.yaml").read_text()
    bodies = {f"b{i}": "\n\n".join(PAYLOADS[i::3]) + "\n\nEnd of lesson." for i in (1, 2, 3)}
    for slug, body in bodies.items():
        literal = body.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
        text = text.replace(f"{{slug: {slug}, ", f'{{slug: {slug}, body: "{literal}", ')
    (folder / "catalog.yaml").write_text(text)
    import_content(db, folder)
    with db.transaction() as conn:
        stored = dict(conn.execute(select(LessonRow.slug, LessonRow.body).where(LessonRow.slug.in_(bodies))).all())  # type: ignore[attr-defined]
    assert set(stored) == set(bodies)
    for slug, body in stored.items():
        assert active(bodies[slug]) and active(body) == [], body
        assert body.endswith("End of lesson.")


def test_the_player_renders_markdown_without_raw_html() -> None:
    assert "rehypeRaw" in str(rx.markdown("x").render())  # the default parses raw HTML into elements
    assert "rehypeRaw" not in str(lesson_body().render())  # the player's shows it as text
