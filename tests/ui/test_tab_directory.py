"""The list of a learner's open tabs, in memory and in a real Redis (Debian's, started on loopback)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from learnapp.ui.live.tab_directory import MemoryTabs, RedisTabs, TabDirectory
from tests.backing import redis_server


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(Path(tmp_path_factory.mktemp("redis"))) as url:
        yield url


@pytest.mark.parametrize("kind", ["memory", "redis"])
def test_tabs_are_listed_per_learner_once_each_and_removed(kind: str, redis_url: str) -> None:
    async def run() -> None:
        tabs: TabDirectory = MemoryTabs() if kind == "memory" else RedisTabs(redis_url)
        await tabs.add(1, "tab-a")
        await tabs.add(1, "tab-a")  # every page load lists the tab again: still one
        await tabs.add(1, "tab-b")
        await tabs.add(2, "tab-c")
        assert await tabs.tokens(1) == {"tab-a", "tab-b"}
        assert await tabs.tokens(2) == {"tab-c"}
        await tabs.remove(1, "tab-a")
        await tabs.remove(1, "never-listed")  # a closed tab found twice: a quiet no-op
        assert await tabs.tokens(1) == {"tab-b"}
        await tabs.remove(1, "tab-b")
        assert await tabs.tokens(1) == set()
        assert await tabs.tokens(3) == set()

    asyncio.run(run())


def test_every_worker_sees_the_same_list_through_redis(redis_url: str) -> None:
    async def run() -> None:
        first, second = RedisTabs(redis_url), RedisTabs(redis_url)  # two workers
        await first.add(7, "tab-on-worker-1")
        await second.add(7, "tab-on-worker-2")
        assert await first.tokens(7) == await second.tokens(7) == {"tab-on-worker-1", "tab-on-worker-2"}
        await second.remove(7, "tab-on-worker-1")  # found closed by the other worker
        assert await first.tokens(7) == {"tab-on-worker-2"}

    asyncio.run(run())


def test_a_forgotten_list_expires_in_redis(redis_url: str) -> None:
    async def run() -> None:
        tabs = RedisTabs(redis_url)
        await tabs.add(9, "tab")
        ttl = await tabs._redis.ttl("learnapp:tabs:9")
        assert 0 < ttl <= 7 * 24 * 3600

    asyncio.run(run())
