"""Services: a registry that tells listeners (the learner's open tabs) a learner's progress changed."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable

import anyio.from_thread

log = logging.getLogger("learnapp.live")

# Called with the learner id and the tab that made the change (None: made elsewhere, e.g. the API or a job).
Listener = Callable[[int, str | None], Awaitable[None] | None]
_listeners: list[Listener] = []
_loop: asyncio.AbstractEventLoop | None = None  # the serving loop, for changes committed in worker threads
_running: set[asyncio.Task[None]] = set()


def on_progress_changed(listener: Listener) -> Callable[[], None]:
    """Register a listener (sync or async) called with the learner id; returns a function that removes it."""
    _listeners.append(listener)

    def remove() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return remove


async def bind_loop() -> None:
    """Run once in the serving event loop (a lifespan task): publish() reaches it from worker threads."""
    global _loop
    _loop = asyncio.get_running_loop()


def publish(learner_ids: Iterable[int], origin: str | None = None) -> None:
    """After a commit, from any thread: tell the listeners, without waiting for them (a unit of work calls it).

    From the loop's own thread, or an AnyIO worker thread (the API's), the loop is known; from another thread,
    the one bound at start. With none (a command in its own process) there is no tab here to tell: tabs reload
    on their own (learnapp/ui/sync.py FRESH_FOR).
    """
    learners = sorted(set(learner_ids))
    if not learners or not _listeners:
        return
    try:
        asyncio.get_running_loop()
        _spawn(learners, origin)
        return
    except RuntimeError:
        pass
    try:
        anyio.from_thread.run_sync(_spawn, learners, origin)
        return
    except RuntimeError:  # not a thread AnyIO started
        pass
    if _loop is not None and not _loop.is_closed():
        _loop.call_soon_threadsafe(_spawn, learners, origin)


def _spawn(learners: list[int], origin: str | None) -> None:
    for learner_id in learners:
        task = asyncio.get_running_loop().create_task(progress_changed(learner_id, origin))
        _running.add(task)
        task.add_done_callback(_running.discard)


async def progress_changed(learner_id: int, origin: str | None = None) -> None:
    """Call after a committed change; a failing listener is logged and never fails the caller's request."""
    listeners = list(_listeners)
    results = await asyncio.gather(
        *(_call(listener, learner_id, origin) for listener in listeners), return_exceptions=True
    )
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


async def _call(listener: Listener, learner_id: int, origin: str | None) -> None:
    result = listener(learner_id, origin)
    if inspect.isawaitable(result):
        await result
