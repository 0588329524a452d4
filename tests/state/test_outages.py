"""A backing service going away: BackendUnavailable, then recovery without a restart and without
losing accepted state.

Redis: a private ``redis-server`` on a free port that the test stops and starts again.
PostgreSQL: the shared server behind an in-process TCP proxy that the test cuts and restores.
"""

from __future__ import annotations

import pytest

from gateway.mws.quotas import Throttle
from gateway.state.base import BackendUnavailable
from gateway.state.quota_redis import RedisQuotaBackend
from gateway.state.store_postgres import PostgresStore
from tests.state.conftest import FakeClock, proxied_url
from tests.state.servers import TcpProxy, ThrowawayRedis

pytestmark = [pytest.mark.anyio, pytest.mark.services]

THROTTLE = Throttle("Op", max=100, restore=1, period=1)


async def test_redis_outage_and_recovery(private_redis: ThrowawayRedis) -> None:
    backend = RedisQuotaBackend(private_redis.url, timeout=1.0)
    try:
        assert (await backend.acquire("k", THROTTLE)).allowed
        private_redis.stop()
        with pytest.raises(BackendUnavailable):
            await backend.acquire("k", THROTTLE)
        with pytest.raises(BackendUnavailable):
            await backend.ping()
        private_redis.start()  # same port, empty (the script cache is gone too)
        await backend.ping()
        decision = await backend.acquire("k", THROTTLE)
        assert decision.allowed and decision.tokens_left == pytest.approx(99.0, abs=0.01)
    finally:
        await backend.close()


async def test_postgres_outage_and_recovery_loses_nothing(
    pg_proxy: TcpProxy, pg_schema: str, clock: FakeClock
) -> None:
    store = PostgresStore(proxied_url(pg_proxy), schema=pg_schema, timeout=2.0, clock=clock)
    await store.open()
    try:
        accepted = await store.put("feed", "A1", "1001", {"state": "accepted"})
        await pg_proxy.cut()
        with pytest.raises(BackendUnavailable):
            await store.get("feed", "A1", "1001")
        with pytest.raises(BackendUnavailable):
            await store.put_if_absent("idem", "A1", "md5", {"feed": "1002"})
        with pytest.raises(BackendUnavailable):
            await store.ping()
        await pg_proxy.restore()
        await store.ping()
        assert await store.get("feed", "A1", "1001") == accepted
        record, created = await store.put_if_absent("idem", "A1", "md5", {"feed": "1002"})
        assert created and record.data == {"feed": "1002"}
    finally:
        await store.close()


async def test_postgres_stale_pooled_connections_are_replaced(
    pg_proxy: TcpProxy, pg_schema: str, clock: FakeClock
) -> None:
    """Connections dropped while idle (server restart, failover) do not fail the next call."""
    store = PostgresStore(proxied_url(pg_proxy), schema=pg_schema, timeout=2.0, clock=clock)
    await store.open()
    try:
        await store.put("feed", "A1", "1", {})
        await pg_proxy.cut()
        await pg_proxy.restore()
        assert (await store.get("feed", "A1", "1")) is not None
    finally:
        await store.close()


async def test_postgres_down_at_open_then_up(
    pg_proxy: TcpProxy, pg_schema: str, clock: FakeClock
) -> None:
    await pg_proxy.cut()
    store = PostgresStore(proxied_url(pg_proxy), schema=pg_schema, timeout=2.0, clock=clock)
    with pytest.raises(BackendUnavailable):
        await store.open()
    await pg_proxy.restore()
    try:
        await store.put("feed", "A1", "1", {"ok": True})  # opens (and migrates) on first use
        assert (await store.get("feed", "A1", "1")) is not None
    finally:
        await store.close()
