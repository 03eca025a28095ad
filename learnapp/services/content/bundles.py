"""Services: uploaded content kept server-side between preview and apply, in a private folder, named by its digest."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from pathlib import Path

from learnapp.persistence.db import Database
from learnapp.services.content.files import ContentSource
from learnapp.services.errors import Conflict
from learnapp.services.operations.runs import runs_folder

KEEP_SECONDS = 24 * 3600  # a preview left open longer than a day is previewed again
_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class BundleGone(Conflict):
    code = "content_upload_gone"


def bundles_folder(db: Database) -> Path:
    """Beside this database's run files (so two databases never share bundles), readable by this user only."""
    runs = runs_folder(db)
    return runs.with_name(runs.name.removesuffix("-runs") + "-content-uploads")


def store_bundle(db: Database, source: ContentSource) -> str:
    """Keep the files as uploaded; their digest names them. Bundles older than KEEP_SECONDS are removed."""
    folder = bundles_folder(db)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    _sweep(folder)
    digest = source.digest
    target = folder / f"{digest}.json"
    if not target.exists():
        body = json.dumps([[name, base64.b64encode(data).decode()] for name, data in source.files])
        partial = folder / f".{digest}.{os.getpid()}.tmp"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(body)
        partial.replace(target)  # whole or absent: another worker never reads half a bundle
    else:
        target.touch()  # previewed again: kept another day
    return digest


def load_bundle(db: Database, digest: str) -> ContentSource:
    """Exactly the files previewed: the digest names the file and is checked again against what it holds."""
    gone = BundleGone("The uploaded files are no longer on the server: nothing was applied. Upload them again.")
    if not _DIGEST.match(digest):
        raise gone
    try:
        stored = json.loads((bundles_folder(db) / f"{digest}.json").read_text())
        source = ContentSource(tuple((str(name), base64.b64decode(data)) for name, data in stored))
    except (OSError, ValueError, TypeError):
        raise gone from None
    if source.digest != digest:
        raise gone
    return source


def _sweep(folder: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for old in folder.iterdir():
        try:
            if old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            continue  # another worker swept it first
