"""Services: read content YAML files and validate them strictly into an import plan."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from learnapp.services.errors import LearnappError
from learnapp.services.learning.lesson_markdown import clean_markdown

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
KINDS = ("article", "video")
LESSON_KEYS = {"slug", "title", "description", "kind", "minutes", "preview", "video_url", "body"}
MODULE_KEYS = {"slug", "title", "description", "lessons"}
COURSE_KEYS = {"slug", "title", "description", "modules"}
PATHWAY_KEYS = {"slug", "title", "description", "courses"}
TOP_KEYS = {"modules", "courses", "pathways"}
MAX_FILE_BYTES = 1024 * 1024  # per content file: the whole demo catalog is a fraction of it


@dataclass(frozen=True)
class Problem:
    file: str
    item: str
    message: str
    line: int | None = None  # 1-based, where the item (or its offending key) starts in the file

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{where}: {self.item}: {self.message}"


class Lined(dict[Any, Any]):
    """A YAML mapping that remembers where it and each of its keys start, so problems can name the line."""

    line: int | None = None
    key_lines: dict[Any, int]
    repeated: list[tuple[Any, int]]  # keys written twice (YAML keeps the last one silently)


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are Lined: the same data, plus line numbers."""


def _lined_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[Lined]:
    data = Lined()
    data.line = node.start_mark.line + 1
    data.key_lines, data.repeated = {}, []
    for key_node, _ in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            line = key_node.start_mark.line + 1
            if key_node.value in data.key_lines:
                data.repeated.append((key_node.value, line))
            data.key_lines.setdefault(key_node.value, line)
    yield data  # two steps, like SafeLoader's own: a mapping may refer to itself through an alias
    data.update(loader.construct_mapping(node))


_LineLoader.add_constructor("tag:yaml.org,2002:map", _lined_mapping)


def line_of(raw: Any, key: str | None = None) -> int | None:
    """The line of `key` in a loaded mapping, else of the mapping itself; None for data without positions."""
    if not isinstance(raw, Lined):
        return None
    return raw.key_lines.get(key, raw.line) if key is not None else raw.line


class ContentError(LearnappError):
    code = "invalid_content"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in content files", [str(p) for p in problems])
        self.problems = problems


@dataclass
class LessonSpec:
    slug: str
    title: str
    description: str
    kind: str
    minutes: int
    preview: bool
    video_url: str | None
    body: str


@dataclass
class ModuleSpec:
    slug: str
    title: str
    description: str
    lessons: list[LessonSpec]


@dataclass
class ParentSpec:
    """A course (children are module slugs) or a pathway (children are course slugs)."""

    slug: str
    title: str
    description: str
    children: list[str]


@dataclass
class ContentPlan:
    modules: list[ModuleSpec] = field(default_factory=list)
    courses: list[ParentSpec] = field(default_factory=list)
    pathways: list[ParentSpec] = field(default_factory=list)


class _Reader:
    """Collects every problem across all files instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.plan = ContentPlan()
        self.origin: dict[tuple[str, str], str] = {}
        self.lines: dict[tuple[str, str], int | None] = {}  # where a course's modules (a pathway's courses) are

    def fail(self, file: str, item: str, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(file, item, message, line))

    def text(self, file: str, item: str, raw: dict[str, Any], key: str, required: bool) -> str:
        value = raw.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(file, item, f"{key} is empty or missing", line_of(raw, key))
            return ""
        if not isinstance(value, str):
            self.fail(file, item, f"{key} must be text", line_of(raw, key))
            return ""
        return value.strip() if key != "body" else value

    def keys(self, file: str, item: str, raw: Any, allowed: set[str]) -> bool:
        if not isinstance(raw, dict):
            self.fail(file, item, "must be a mapping of keys to values")
            return False
        for extra in sorted(set(raw) - allowed, key=str):
            self.fail(file, item, f"unknown key '{extra}'", line_of(raw, extra))
        for key, line in getattr(raw, "repeated", ()):
            self.fail(file, item, f"key '{key}' is written twice (the first would be ignored)", line)
        return True

    def slug(self, file: str, kind: str, raw: dict[str, Any], index: int) -> str | None:
        slug = raw.get("slug")
        line = line_of(raw, "slug")
        if not isinstance(slug, str) or not SLUG.match(slug):
            self.fail(file, f"{kind} #{index + 1}", f"slug {slug!r} must be lowercase letters, digits and dashes", line)
            return None
        seen = self.origin.get((kind, slug))
        if seen is not None:
            first = self.lines.get((kind, slug))
            self.fail(
                file,
                f"{kind} '{slug}'",
                f"duplicate slug: {kind} slug '{slug}' is used twice (first in {seen}"
                + (f" line {first})" if first else ")"),
                line,
            )
            return None
        self.origin[(kind, slug)] = file
        self.lines[(kind, slug)] = line
        return slug

    def lesson(self, file: str, raw: Any, index: int, module: str) -> LessonSpec | None:
        where = f"module '{module}' lesson #{index + 1}"
        if not self.keys(file, where, raw, LESSON_KEYS):
            return None
        slug = self.slug(file, "lesson", raw, index)
        if slug is None:
            return None
        where = f"lesson '{slug}'"
        kind = raw.get("kind", "article")
        if kind not in KINDS:
            self.fail(file, where, f"kind {kind!r} must be one of {', '.join(KINDS)}", line_of(raw, "kind"))
        minutes = raw.get("minutes", 0)
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes < 0:
            self.fail(file, where, "minutes must be a whole number, 0 or more", line_of(raw, "minutes"))
            minutes = 0
        preview = raw.get("preview", False)
        if not isinstance(preview, bool):
            self.fail(file, where, "preview must be true or false", line_of(raw, "preview"))
        video = self.text(file, where, raw, "video_url", required=kind == "video") or None
        if video and not video.startswith(("http://", "https://")):
            self.fail(file, where, "video_url must start with http:// or https://", line_of(raw, "video_url"))
        return LessonSpec(
            slug,
            self.text(file, where, raw, "title", True),
            self.text(file, where, raw, "description", False),
            str(kind),
            minutes,
            preview is True,
            video,
            clean_markdown(self.text(file, where, raw, "body", False)),  # stored without active HTML
        )

    def module(self, file: str, raw: Any, index: int) -> None:
        if not self.keys(file, f"module #{index + 1}", raw, MODULE_KEYS):
            return
        slug = self.slug(file, "module", raw, index)
        if slug is None:
            return
        where = f"module '{slug}'"
        title = self.text(file, where, raw, "title", True)
        lessons_raw = raw.get("lessons")
        if not isinstance(lessons_raw, list) or not lessons_raw:
            self.fail(file, where, "lessons must be a non-empty list", line_of(raw, "lessons"))
            lessons_raw = []
        lessons = [x for i, r in enumerate(lessons_raw) if (x := self.lesson(file, r, i, slug))]
        if lessons and all(lesson.preview for lesson in lessons):
            self.fail(
                file,
                where,
                "has no countable lesson (all are previews), so no course containing it could ever be complete",
                line_of(raw),
            )
        self.plan.modules.append(ModuleSpec(slug, title, self.text(file, where, raw, "description", False), lessons))

    def parent(self, file: str, raw: Any, index: int, kind: str, child_key: str, allowed: set[str]) -> None:
        if not self.keys(file, f"{kind} #{index + 1}", raw, allowed):
            return
        slug = self.slug(file, kind, raw, index)
        if slug is None:
            return
        where = f"{kind} '{slug}'"
        children = raw.get(child_key)
        line = line_of(raw, child_key)
        self.lines[(f"{kind} children", slug)] = line
        if not isinstance(children, list) or not children or not all(isinstance(c, str) for c in children):
            self.fail(file, where, f"{child_key} must be a non-empty list of slugs", line)
            children = []
        for twice in sorted({c for c in children if children.count(c) > 1}):
            self.fail(file, where, f"{child_key[:-1]} '{twice}' is listed twice", line)
        spec = ParentSpec(
            slug,
            self.text(file, where, raw, "title", True),
            self.text(file, where, raw, "description", False),
            list(children),
        )
        (self.plan.courses if kind == "course" else self.plan.pathways).append(spec)

    def references(self) -> None:
        pairs = ((self.plan.courses, "course", "module"), (self.plan.pathways, "pathway", "course"))
        for parents, kind, child in pairs:
            for spec in parents:
                for slug in spec.children:
                    if (child, slug) not in self.origin:
                        self.fail(
                            self.origin[(kind, spec.slug)],
                            f"{kind} '{spec.slug}'",
                            f"unknown {child} '{slug}'",
                            self.lines.get((f"{kind} children", spec.slug)),
                        )


@dataclass(frozen=True)
class ContentSource:
    """The bytes of the content files as read once: parsed from these, and what a preview's apply is bound to."""

    files: tuple[tuple[str, bytes], ...]

    @property
    def digest(self) -> str:
        hashed = hashlib.sha256()
        for name, data in self.files:
            hashed.update(f"{len(name)}:{name}:{len(data)}:".encode())
            hashed.update(data)
        return hashed.hexdigest()


def read_content(path: Path, root: Path | None = None) -> ContentPlan:
    """Parse and validate every *.yaml under path (or one file); raise ContentError listing all problems."""
    return parse_content(load_files(path, root))


def load_files(path: Path, root: Path | None = None) -> ContentSource:
    """Regular files only, each at most MAX_FILE_BYTES; with a root, only inside it (no `..`, no symlink out)."""
    reader = _Reader()
    base = root.resolve() if root is not None else None
    if base is not None and (".." in path.parts or not (base / path).resolve().is_relative_to(base)):
        reader.fail(str(path), "folder", f"is outside the content folder {root}")
        raise ContentError(reader.problems)
    target = (base / path) if base is not None else path
    files = sorted(target.glob("*.yaml")) if target.is_dir() else [target]
    if not files:
        reader.fail(str(path), "folder", "no *.yaml content files found")
    loaded = [(str(file), data) for file in files if (data := _read_bytes(reader, file, base)) is not None]
    if reader.problems:
        raise ContentError(reader.problems)
    return ContentSource(tuple(loaded))


def _read_bytes(reader: _Reader, file: Path, base: Path | None) -> bytes | None:
    name = str(file)
    real = file.resolve()
    if base is not None and not real.is_relative_to(base):
        reader.fail(name, "file", "is a link leading out of the content folder")
        return None
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):  # a FIFO would block, a device never end
            reader.fail(name, "file", "is not a regular file")
            return None
        # O_NONBLOCK: a file swapped for a FIFO since the check cannot hang the read; O_NOFOLLOW: nor for a link.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as error:
        reader.fail(name, "file", f"cannot be read: {error.strerror or error}")
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            reader.fail(name, "file", "is not a regular file")
            return None
        data = handle.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        reader.fail(name, "file", f"is larger than {MAX_FILE_BYTES // 1024} KiB")
        return None
    return data


def parse_content(source: ContentSource) -> ContentPlan:
    """Validate the files' bytes into a plan; raise ContentError listing every problem."""
    reader = _Reader()
    for name, data in source.files:
        _read_file(reader, name, data)
    reader.references()
    if reader.problems:
        raise ContentError(reader.problems)
    return reader.plan


def _read_file(reader: _Reader, name: str, raw: bytes) -> None:
    try:
        data = yaml.load(raw.decode("utf-8"), Loader=_LineLoader)  # noqa: S506  # nosec B506 - a SafeLoader subclass
    except UnicodeDecodeError:
        reader.fail(name, "file", "cannot be read as YAML: it is not UTF-8 text")
        return
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = "; ".join(str(part) for part in (exc.context, exc.problem) if part)
        reader.fail(name, "file", f"cannot be read as YAML: {what}", mark.line + 1 if mark else None)
        return
    except (yaml.YAMLError, RecursionError) as exc:
        reader.fail(name, "file", f"cannot be read as YAML: {type(exc).__name__}")
        return
    if data is None:
        return
    if not reader.keys(name, "file", data, TOP_KEYS):
        return
    for key, adder in (("modules", reader.module), ("courses", None), ("pathways", None)):
        items = data.get(key) or []
        if not isinstance(items, list):
            reader.fail(name, key, "must be a list", line_of(data, key))
            continue
        for index, raw in enumerate(items):
            if adder is not None:
                adder(name, raw, index)
            elif key == "courses":
                reader.parent(name, raw, index, "course", "modules", COURSE_KEYS)
            else:
                reader.parent(name, raw, index, "pathway", "courses", PATHWAY_KEYS)
