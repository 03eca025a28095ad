"""Services: the published catalog written back as one content YAML file that imports to exactly the same catalog."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from learnapp.persistence.content_export import catalog_data
from learnapp.persistence.db import Database

EXPORT_NAME = "catalog.yaml"
HEADER = (
    "# The learnapp catalog as published, exported by learnapp. Format: content/README.md.\n"
    "# Importing this file unchanged changes nothing.\n"
)


class _Dumper(yaml.SafeDumper):
    """Lesson bodies as literal blocks (`|`), as authors write them; PyYAML quotes what a block cannot hold."""


# A reader folds these into "\n" (or keeps them as line breaks) outside double quotes: only escapes keep them exact.
_BREAKS = frozenset("\r\x85\u2028\u2029\ufeff")


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _BREAKS.intersection(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def export_catalog(db: Database) -> str:
    """The catalog as published (retired items left out), in import order, read in one snapshot."""
    with db.snapshot() as conn:
        data = catalog_data(conn)
    return HEADER + yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def catalog_digest(db: Database) -> str:
    """A fingerprint of the published catalog: equal digests, equal catalogs."""
    return hashlib.sha256(export_catalog(db).encode()).hexdigest()


def write_export(db: Database, target: Path) -> Path:
    """Into `target` (a file), or `target/catalog.yaml` when it is a folder; returns the file written."""
    path = target / EXPORT_NAME if target.is_dir() else target
    path.write_text(export_catalog(db), encoding="utf-8")
    return path
