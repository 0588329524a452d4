"""The quota backends (memory, Redis) behave exactly like gateway.mws.quotas.take."""

from __future__ import annotations

import asyncio
import math
import random
import time

import pytest
import redis

from gateway.mws.quotas import BucketState, QuotaDecision, Throttle, take
from gateway.state.base import QuotaBackend
from gateway.state.quota_memory import MemoryQuotaBackend
from gateway.state.quota_redis import RedisQuotaBackend
from tests.state.conftest import REDIS_URL

pytestmark = [pytest.mark.anyio, pytest.mark.services]

T0 = 1_714_564_800.0 + 600.0  # ten minutes into a clock hour
BURST = Throttle(bucket="ListOrders", max=6, restore=1, period=60)
HOURLY = Throttle(bucket="RequestReport", max=100, restore=100, period=1, hourly=3)


async def test_burst_is_exhausted_then_throttled(quotas: QuotaBackend) -> None:
    decisions = [await quotas.acquire("k", BURST, now=T0) for _ in range(7)]
    assert [d.allowed for d in decisions] == [True] * 6 + [False]
    assert [d.tokens_left for d in decisions[:6]] == [5.0, 4.0, 3.0, 2.0, 1.0, 0.0]
    last = decisions[-1]
    assert last.reason == "burst"
    assert last.retry_after == pytest.approx(60.0)
    assert last.hourly_max is None and last.resets_on is None


async def test_tokens_are_restored_over_time(quotas: QuotaBackend) -> None:
    for _ in range(6):
        assert (await quotas.acquire("k", BURST, now=T0)).allowed
    half = await quotas.acquire("k", BURST, now=T0 + 30)
    assert not half.allowed
    assert half.tokens_left == pytest.approx(0.5)
    assert half.retry_after == pytest.approx(30.0)
    assert (await quotas.acquire("k", BURST, now=T0 + 60)).allowed
    assert not (await quotas.acquire("k", BURST, now=T0 + 60)).allowed
    # after a long pause the bucket is full again, never more than max
    later = [await quotas.acquire("k", BURST, now=T0 + 3000) for _ in range(7)]
    assert [d.allowed for d in later] == [True] * 6 + [False]


async def test_hourly_quota_exceeded_until_next_clock_hour(quotas: QuotaBackend) -> None:
    window_end = math.floor(T0 / 3600) * 3600 + 3600
    first = [await quotas.acquire("k", HOURLY, now=T0 + i) for i in range(3)]
    assert all(d.allowed for d in first)
    assert [d.hourly_remaining for d in first] == [2, 1, 0]
    denied = await quotas.acquire("k", HOURLY, now=T0 + 10)
    assert not denied.allowed
    assert denied.reason == "hourly"
    assert denied.hourly_max == 3 and denied.hourly_remaining == 0
    assert denied.resets_on == window_end
    assert denied.retry_after == pytest.approx(window_end - (T0 + 10))
    nxt = await quotas.acquire("k", HOURLY, now=window_end + 1)
    assert nxt.allowed and nxt.hourly_remaining == 2
    assert nxt.resets_on == window_end + 3600


async def test_keys_are_independent(quotas: QuotaBackend) -> None:
    for _ in range(6):
        assert (await quotas.acquire("seller-a", BURST, now=T0)).allowed
    assert not (await quotas.acquire("seller-a", BURST, now=T0)).allowed
    assert (await quotas.acquire("seller-b", BURST, now=T0)).allowed


async def test_cost_above_one(quotas: QuotaBackend) -> None:
    assert (await quotas.acquire("k", BURST, cost=4, now=T0)).allowed
    denied = await quotas.acquire("k", BURST, cost=3, now=T0)
    assert not denied.allowed and denied.reason == "burst"
    assert denied.retry_after == pytest.approx(60.0)


async def test_decisions_identical_to_reference_take(quotas: QuotaBackend) -> None:
    """A long random sequence gives bit-identical decisions to the pure function."""
    rng = random.Random(7)
    throttles = [
        Throttle("a", max=20, restore=1, period=1),
        Throttle("b", max=15, restore=1, period=60, hourly=40),
        Throttle("c", max=30, restore=0.5, period=1, hourly=80),
    ]
    states: dict[str, BucketState | None] = {t.bucket: None for t in throttles}
    now = T0
    for _ in range(300):
        now += rng.choice([0.0, 0.013, 0.25, 1.7, 9.0, 400.0])
        throttle = rng.choice(throttles)
        cost = rng.choice([1.0, 1.0, 1.0, 2.0])
        expected: QuotaDecision
        states[throttle.bucket], expected = take(states[throttle.bucket], throttle, now, cost)
        got = await quotas.acquire(throttle.bucket, throttle, cost=cost, now=now)
        assert got == expected


async def test_redis_uses_server_time_and_sets_ttl(redis_prefix: str) -> None:
    backend = RedisQuotaBackend(REDIS_URL, prefix=redis_prefix)
    try:
        decision = await backend.acquire("k", HOURLY)
        assert decision.allowed
        assert decision.resets_on is not None
        assert abs(decision.resets_on - (math.floor(time.time() / 3600) * 3600 + 3600)) <= 3600
        client = redis.Redis.from_url(REDIS_URL)
        try:
            ttl_ms = client.pttl(redis_prefix + "k")
        finally:
            client.close()
        # lives until the hourly window is over, and not much longer
        assert 0 < ttl_ms <= (3600 + 2) * 1000
        await backend.ping()
    finally:
        await backend.close()


async def test_memory_backend_stays_bounded() -> None:
    backend = MemoryQuotaBackend(max_buckets=50)
    for i in range(500):
        await backend.acquire(f"k{i}", BURST, now=T0)
    assert len(backend) == 50
    # the most recent buckets are kept with their state
    assert (await backend.acquire("k499", BURST, now=T0)).tokens_left == 4.0


async def test_memory_backend_forgets_buckets_at_rest() -> None:
    backend = MemoryQuotaBackend()
    for i in range(100):
        await backend.acquire(f"k{i}", BURST, now=T0)
    # an hour later every bucket is full again: forgetting them changes nothing
    for i in range(30):
        await backend.acquire(f"new{i}", BURST, now=T0 + 3600)
    assert len(backend) < 100
    busy = MemoryQuotaBackend()
    for i in range(100):
        await busy.acquire(f"k{i}", HOURLY, now=T0)
    for i in range(30):
        await busy.acquire(f"new{i}", HOURLY, now=T0 + 1)
    assert len(busy) == 130  # hourly counts still matter: nothing may be dropped


async def test_redis_burst_larger_than_the_pool_waits_instead_of_failing(
    redis_prefix: str,
) -> None:
    backend = RedisQuotaBackend(REDIS_URL, prefix=redis_prefix, max_connections=4)
    throttle = Throttle("Big", max=150, restore=1, period=3600)
    try:
        decisions = await asyncio.gather(
            *(backend.acquire("k", throttle, now=T0) for _ in range(200))
        )
    finally:
        await backend.close()
    assert sum(d.allowed for d in decisions) == 150
    assert {d.reason for d in decisions if not d.allowed} == {"burst"}
