"""Services: content files uploaded in the browser (several YAML files or one zip) checked into a content source."""

from __future__ import annotations

import io
import posixpath
import re
import stat
import zipfile

from learnapp.services.content.files import MAX_FILE_BYTES, ContentError, ContentSource, Problem

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # all files together (a zip: unpacked); the demo catalog is about 100 KB
MAX_UPLOAD_FILES = 200  # YAML files in one upload (in a zip: entries of any kind, at most MAX_ZIP_ENTRIES)
MAX_ZIP_ENTRIES = 1000
_DRIVE = re.compile(r"^[A-Za-z]:")


def upload_source(files: list[tuple[str, bytes]]) -> ContentSource:
    """The uploaded YAML files (or the YAML files of one zip) in file-name order; ContentError names every problem.

    Nothing here touches the disk: a zip is read in memory, so its paths never become ours, but a path that would
    lead out of the folder (zip-slip) still marks the archive as hostile and it is refused whole.
    """
    if not files:
        raise ContentError([Problem("upload", "files", "choose one or more .yaml files, or one .zip of them")])
    total = sum(len(data) for _, data in files)
    if total > MAX_UPLOAD_BYTES:
        raise ContentError(
            [Problem("upload", "files", f"{_size(total)} in all: the limit is {_size(MAX_UPLOAD_BYTES)}")]
        )
    zips = [name for name, _ in files if name.lower().endswith(".zip")]
    if zips:
        if len(files) > 1:
            raise ContentError([Problem(zips[0], "file", "a .zip must be uploaded alone (one zip of the folder)")])
        return _from_zip(*files[0])
    return _from_yaml(files)


def _from_yaml(files: list[tuple[str, bytes]]) -> ContentSource:
    problems: list[Problem] = []
    if len(files) > MAX_UPLOAD_FILES:
        problems.append(Problem("upload", "files", f"{len(files)} files: the limit is {MAX_UPLOAD_FILES}"))
    seen: set[str] = set()
    for name, data in files:
        if not name.endswith(".yaml"):
            problems.append(Problem(name, "file", "is not a .yaml content file (or a .zip of them)"))
        elif len(data) > MAX_FILE_BYTES:
            problems.append(Problem(name, "file", f"is larger than {MAX_FILE_BYTES // 1024} KiB"))
        if name in seen:
            problems.append(Problem(name, "file", "is uploaded twice"))
        seen.add(name)
    if problems:
        raise ContentError(problems)
    return ContentSource(tuple(sorted(files)))


def _from_zip(name: str, data: bytes) -> ContentSource:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError):
        raise ContentError([Problem(name, "file", "is not a readable .zip archive")]) from None
    if len(entries) > MAX_ZIP_ENTRIES:
        raise ContentError([Problem(name, "file", f"holds {len(entries)} entries: the limit is {MAX_ZIP_ENTRIES}")])
    problems = [Problem(name, entry.filename, why) for entry in entries if (why := _hostile(entry))]
    if problems:
        raise ContentError(problems)
    wanted = sorted((e for e in entries if _is_content(e)), key=lambda e: e.filename)
    declared = sum(e.file_size for e in wanted)
    if not wanted:
        problems.append(Problem(name, "file", "holds no .yaml content files"))
    if len(wanted) > MAX_UPLOAD_FILES:
        problems.append(Problem(name, "file", f"holds {len(wanted)} .yaml files: the limit is {MAX_UPLOAD_FILES}"))
    if declared > MAX_UPLOAD_BYTES:
        problems.append(Problem(name, "file", f"unpacks to {_size(declared)}: the limit is {_size(MAX_UPLOAD_BYTES)}"))
    problems += [
        Problem(name, e.filename, f"is larger than {MAX_FILE_BYTES // 1024} KiB")
        for e in wanted
        if e.file_size > MAX_FILE_BYTES
    ]
    if problems:
        raise ContentError(problems)
    return ContentSource(tuple((e.filename, _read(archive, name, e)) for e in wanted))


def _hostile(entry: zipfile.ZipInfo) -> str | None:
    """Why an entry makes the whole archive unacceptable, if it does."""
    path = entry.filename
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "\\")) or _DRIVE.match(path) or ".." in parts or "\\" in path or "\x00" in path:
        return "leads outside the content folder (absolute path or '..'): the archive is refused"
    if stat.S_ISLNK(entry.external_attr >> 16):
        return "is a symbolic link: the archive is refused"
    if entry.flag_bits & 0x1:
        return "is encrypted: upload the files unencrypted"
    return None


def _is_content(entry: zipfile.ZipInfo) -> bool:
    """YAML files of the folder; directories, other files and macOS metadata (`__MACOSX/`, `._x.yaml`) are skipped."""
    base = posixpath.basename(entry.filename)
    hidden = base.startswith(".") or entry.filename.startswith("__MACOSX/")
    return not entry.is_dir() and not hidden and base.endswith(".yaml")


def _read(archive: zipfile.ZipFile, name: str, entry: zipfile.ZipInfo) -> bytes:
    """At most the limit, whatever the entry's header claims: a lying header cannot unpack a bomb."""
    try:
        with archive.open(entry) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError) as error:
        raise ContentError([Problem(name, entry.filename, f"cannot be unpacked: {error}")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise ContentError([Problem(name, entry.filename, f"is larger than {MAX_FILE_BYTES // 1024} KiB")])
    return data


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{count / 1024:.0f} KB"
