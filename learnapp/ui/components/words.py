"""UI: words that follow a number the browser knows only at run time ("1 lesson", "3 lessons")."""

from __future__ import annotations

import reflex as rx
from reflex.vars import StringVar


def plural_var(count: rx.Var, word: str) -> StringVar:
    """'1 course', '3 courses' for a number known only in the browser (live counts, loaded state)."""
    return count.to_string() + rx.cond(count == 1, f" {word}", f" {word}s")
