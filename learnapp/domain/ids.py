"""Domain: a row id taken from input (address, search box, form): decimal digits within the id columns' range."""

from __future__ import annotations

# Every id column is a 32-bit INTEGER (PostgreSQL refuses a larger value, SQLite's driver cannot bind past 64 bits).
MAX_ID = 2**31 - 1


def parse_id(raw: object) -> int | None:
    """The id, or None when it is not one: not ASCII digits (`²` is a digit to Python), 0, negative, or too large."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        text = raw.strip()
        # The length check first: int() of a very long string is slow, and no id has more than 10 digits.
        if not text or len(text) > 10 or not (text.isascii() and text.isdecimal()):
            return None
        raw = int(text)
    if not isinstance(raw, int):
        return None
    return raw if 1 <= raw <= MAX_ID else None
