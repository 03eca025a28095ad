"""Services: test-only faults (LEARNAPP_TEST_FAULTS), honoured only at a local origin; a public start refuses them."""

from __future__ import annotations

import os
from pathlib import Path

from learnapp.services.operations.deployment import TEST_FAULTS, is_local
from learnapp.settings import allowed_origins


def injected_fault(point: str) -> str | None:
    """The fault a test asked for at `point` ("click"), or None.

    LEARNAPP_TEST_FAULTS names a file of `point=fault` lines that a test rewrites while the app runs (e.g.
    `click=error`, `click=hang:12`). Unset (production), this reads nothing. Set at a public origin, the app refuses
    to start (learnapp/services/operations/deployment.py); should it be set anyway, it is ignored here.
    """
    path = os.environ.get(TEST_FAULTS)
    if not path or not is_local(allowed_origins()[0]):
        return None
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, fault = line.partition("=")
        if name.strip() == point and fault.strip():
            return fault.strip()
    return None
