"""Services: a registry that tells listeners (the learner's open tabs) a learner's progress changed."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("learnapp.live")

Listener = Callable[[int], Awaitable[None] | None]
_listeners: list[Listener] = []


def on_progress_changed(listener: Listener) -> Callable[[], None]:
    """Register a listener (sync or async) called with the learner id; returns a function that removes it."""
    _listeners.append(listener)

    def remove() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return remove


async def progress_changed(learner_id: int) -> None:
    """Call after a committed change; a failing listener is logged and never fails the caller's request."""
    listeners = list(_listeners)
    results = await asyncio.gather(*(_call(listener, learner_id) for listener in listeners), return_exceptions=True)
    for listener, result in zip(listeners, results, strict=True):
        if isinstance(result, BaseException):
            log.error(
                "progress listener failed",
                extra={
                    "learner": learner_id,
                    "listener": getattr(listener, "__name__", repr(listener)),
                    "error": repr(result),
                },
            )


async def _call(listener: Listener, learner_id: int) -> None:
    result = listener(learner_id)
    if inspect.isawaitable(result):
        await result
