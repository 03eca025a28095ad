"""Services: the "progress changed" event a unit of work publishes after commit, carrying what the tabs show."""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import Enum

import anyio.from_thread

from learnapp.domain.clock import utcnow
from learnapp.persistence.db import Connection, Database
from learnapp.persistence.live_sessions import live_session_digests
from learnapp.services.accounts.sessions import idle_limit
from learnapp.services.learning.snapshot import LearnerSnapshot, read_snapshot

log = logging.getLogger("learnapp.live")


class Scope(Enum):
    """How much of a learner's progress picture a read holds."""

    PROGRESS = "progress"  # checkmarks and counts: the change announced nothing (no notice, certificate, bell)
    ALL = "all"  # with certificates, the bell's unread count and its notices


@dataclass(frozen=True)
class ProgressRead:
    """A learner's progress as their tabs show it, read in one transaction at `snapshot.version`."""

    snapshot: LearnerSnapshot
    scope: Scope

    @property
    def version(self) -> int:
        return self.snapshot.version


@dataclass(frozen=True)
class ProgressChanged:
    """A committed change of one learner's progress, as the unit of work that made it publishes it.

    `read` is the learner's progress read in the change's own transaction, with `sessions`, the digests of their
    sign-in sessions live in that transaction (a tab whose session is not among them is told nothing). A unit that
    changed too many learners to read each of them publishes `read` None: a listener reads what it needs.
    """

    learner_id: int
    origin: str | None  # the tab that made the change (it shows it already), None when made elsewhere
    read: ProgressRead | None
    sessions: frozenset[str] = frozenset()


def read_progress(conn: Connection, learner_id: int, scope: Scope) -> ProgressRead:
    """The learner's progress inside the caller's transaction (a unit of work, before it commits)."""
    return ProgressRead(read_snapshot(conn, learner_id, extras=scope is Scope.ALL), scope)


def live_sessions(conn: Connection, learner_id: int) -> frozenset[str]:
    return live_session_digests(conn, learner_id, utcnow(), idle_limit())


def read_now(db: Database, learner_id: int) -> ProgressRead:
    """All of the learner's progress, in one read transaction (a page that shows it)."""
    with db.snapshot() as conn:
        return read_progress(conn, learner_id, Scope.ALL)


def read_change(db: Database, change: ProgressChanged) -> ProgressChanged:
    """A change published without its read (a bulk change), read now: once for all of the learner's tabs."""
    with db.snapshot() as conn:
        read = read_progress(conn, change.learner_id, Scope.ALL)
        return ProgressChanged(change.learner_id, change.origin, read, live_sessions(conn, change.learner_id))


@dataclass
class TabWrite:
    """A change being made from one tab: its unit of work names the tab as origin and hands it what it read."""

    origin: str
    scope: Scope
    heard: list[ProgressChanged] = field(default_factory=list)


_writing: ContextVar[TabWrite | None] = ContextVar("learnapp_tab_write", default=None)


@contextmanager
def writing_from(origin: str, scope: Scope) -> Iterator[TabWrite]:
    """Around a change made from the tab `origin`, in the thread that makes it: the changes it publishes are heard."""
    write = TabWrite(origin, scope)
    reset = _writing.set(write)
    try:
        yield write
    finally:
        _writing.reset(reset)


def tab_writing() -> TabWrite | None:
    """The tab this change is made from, if any (see writing_from)."""
    return _writing.get()


# Called with each change after commit.
Listener = Callable[[ProgressChanged], Awaitable[None] | None]
_listeners: list[Listener] = []
_loop: asyncio.AbstractEventLoop | None = None  # the serving loop, for changes committed in worker threads
_running: set[asyncio.Task[None]] = set()


def on_progress_changed(listener: Listener) -> Callable[[], None]:
    """Register a listener (sync or async); returns a function that removes it."""
    _listeners.append(listener)

    def remove() -> None:
        if listener in _listeners:
            _listeners.remove(listener)

    return remove


def wanted() -> bool:
    """Whether anyone hears changes here: a unit of work reads its learners' progress for them only then."""
    return bool(_listeners) or _writing.get() is not None


async def bind_loop() -> None:
    """Run once in the serving event loop (a lifespan task): publish() reaches it from worker threads."""
    global _loop
    _loop = asyncio.get_running_loop()


def publish(changes: list[ProgressChanged]) -> None:
    """After a commit, from any thread: hand the changes to the tab making them, tell the listeners without waiting.

    From the loop's own thread, or an AnyIO worker thread (the API's), the loop is known; from another thread,
    the one bound at start. With none (a command in its own process) there is no tab here to tell: a tab shows
    such changes when its page loads again.
    """
    writing = _writing.get()
    if writing is not None:
        writing.heard.extend(changes)
    if not changes or not _listeners:
        return
    try:
        asyncio.get_running_loop()
        _spawn(changes)
        return
    except RuntimeError:
        pass
    try:
        anyio.from_thread.run_sync(_spawn, changes)
        return
    except RuntimeError:  # not a thread AnyIO started
        pass
    if _loop is not None and not _loop.is_closed():
        _loop.call_soon_threadsafe(_spawn, changes)


def _spawn(changes: list[ProgressChanged]) -> None:
    for change in changes:
        task = asyncio.get_running_loop().create_task(progress_changed(change))
        _running.add(task)
        task.add_done_callback(_running.discard)


async def progress_changed(change: ProgressChanged) -> None:
    """Tell every listener; a failing listener is logged and never fails the caller's request."""
    listeners = list(_listeners)
    results = await asyncio.gather(*(_call(listener, change) for listener in listeners), return_exceptions=True)
    for listener, result in zip(listeners, results, strict=True):
        if isinstance(result, BaseException):
            log.error(
                "progress listener failed",
                extra={
                    "learner": change.learner_id,
                    "listener": getattr(listener, "__name__", repr(listener)),
                    "error": repr(result),
                },
            )


async def _call(listener: Listener, change: ProgressChanged) -> None:
    result = listener(change)
    if inspect.isawaitable(result):
        await result
