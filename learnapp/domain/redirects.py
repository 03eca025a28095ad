"""Where a link from user input may send a signed-in learner: a path on this site, nothing else."""

from __future__ import annotations

import re
from urllib.parse import unquote

from learnapp.domain import routes

DEFAULT_AFTER_SIGN_IN = routes.MY_LEARNING
# A path on this site: one leading slash, then printable characters other than whitespace and backslash.
_SAME_SITE_PATH = re.compile(r"/(?![/\\])[!-~]*")


def safe_redirect(target: str | None, default: str = DEFAULT_AFTER_SIGN_IN) -> str:
    """`target` when it is a same-origin path, else `default`: one rule for every redirect taken from input.

    Refused: schemes (`javascript:`, `data:`, `https:`), protocol-relative `//host`, backslashes (browsers read
    `/\\host` as `//host`), whitespace and control characters anywhere (browsers strip them from `java\\tscript:`),
    and any of those hidden behind percent-encoding (`/%2F/evil`, `%5C`), which some servers decode before routing.
    """
    if not target or not _SAME_SITE_PATH.fullmatch(target):
        return default
    decoded = unquote(target)  # may hold letters beyond ASCII (/courses/caf%C3%A9), which are fine
    hidden = decoded.startswith("//") or "\\" in decoded or any(c.isspace() or not c.isprintable() for c in decoded)
    return default if hidden else target
