"""Structured logs: JSON lines carry the record's fields."""

from __future__ import annotations

import json
import logging

from learnapp.logs import JsonFormatter, KeyValueFormatter


def make_record() -> logging.LogRecord:
    record = logging.LogRecord("learnapp.progress", logging.INFO, __file__, 1, "lesson completed", None, None)
    record.__dict__.update({"learner": 7, "lesson": "b1", "old_percent": 10, "new_percent": 20})
    return record


def test_json_lines_hold_event_and_fields() -> None:
    entry = json.loads(JsonFormatter().format(make_record()))
    assert entry["event"] == "lesson completed" and entry["learner"] == 7 and entry["new_percent"] == 20


def test_key_value_lines_hold_the_fields() -> None:
    line = KeyValueFormatter().format(make_record())
    assert "lesson completed" in line and "learner=7" in line and "old_percent=10" in line
