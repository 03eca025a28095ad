"""UI: which open tabs show which learner, so a change reaches all of them (in memory, or in Redis for workers)."""

from __future__ import annotations

import os
from collections.abc import Awaitable
from functools import lru_cache
from typing import Protocol, cast

import redis.asyncio as redis

# In Redis, a learner's list expires this long after any of their tabs was last listed (a new socket lists it):
# the lists of learners who have gone do not stay forever.
KEEP_SECONDS = 7 * 24 * 3600


class TabDirectory(Protocol):
    async def add(self, learner_id: int, token: str) -> None: ...
    async def remove(self, learner_id: int, token: str) -> None: ...
    async def tokens(self, learner_id: int) -> set[str]: ...


class MemoryTabs:
    """One process serves every socket: a dict is the whole truth."""

    def __init__(self) -> None:
        self._tabs: dict[int, set[str]] = {}

    async def add(self, learner_id: int, token: str) -> None:
        self._tabs.setdefault(learner_id, set()).add(token)

    async def remove(self, learner_id: int, token: str) -> None:
        tabs = self._tabs.get(learner_id)
        if tabs is not None:
            tabs.discard(token)
            if not tabs:
                del self._tabs[learner_id]

    async def tokens(self, learner_id: int) -> set[str]:
        return set(self._tabs.get(learner_id, ()))


class RedisTabs:
    """Several workers: a Redis set per learner, next to Reflex's own state in the same Redis."""

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url)

    @staticmethod
    def _key(learner_id: int) -> str:
        return f"learnapp:tabs:{learner_id}"

    async def add(self, learner_id: int, token: str) -> None:
        key = self._key(learner_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            await pipe.sadd(key, token).expire(key, KEEP_SECONDS).execute()  # type: ignore[union-attr]  # a pipeline's command returns the pipeline

    async def remove(self, learner_id: int, token: str) -> None:
        await cast(Awaitable[int], self._redis.srem(self._key(learner_id), token))

    async def tokens(self, learner_id: int) -> set[str]:
        members = await cast(Awaitable[set[bytes]], self._redis.smembers(self._key(learner_id)))
        return {member.decode() for member in members}


@lru_cache(maxsize=1)
def directory() -> TabDirectory:
    """Redis when Reflex keeps its state there (REFLEX_REDIS_URL, as rxconfig.py does), memory otherwise."""
    url = os.environ.get("REFLEX_REDIS_URL")
    return RedisTabs(url) if url else MemoryTabs()
