"""Fixtures for the state backends, against the real Redis and PostgreSQL on this machine.

Every run uses its own Redis key prefix and its own PostgreSQL schema, so parallel runs on the
shared machine never see each other's data.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis

from gateway.state.base import QuotaBackend, Store
from gateway.state.quota_memory import MemoryQuotaBackend
from gateway.state.quota_redis import RedisQuotaBackend
from gateway.state.store_postgres import PostgresStore
from gateway.state.store_sqlite import SqliteStore
from tests.state.servers import TcpProxy, ThrowawayRedis

REDIS_URL = "redis://127.0.0.1:6379/0"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    prefix = f"mwsgw-test:{uuid.uuid4().hex}:"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(match=prefix + "*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
def pg_schema() -> Iterator[str]:
    schema = f"mwsgw_test_{uuid.uuid4().hex[:16]}"
    yield schema
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


class FakeClock:
    """A clock the test moves by hand: each reading advances it by one millisecond."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2024, 5, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(params=["memory", "redis"])
async def quotas(request: pytest.FixtureRequest, redis_prefix: str) -> AsyncIterator[QuotaBackend]:
    backend: QuotaBackend
    if request.param == "memory":
        backend = MemoryQuotaBackend()
    else:
        backend = RedisQuotaBackend(REDIS_URL, prefix=redis_prefix)
    yield backend
    await backend.close()


StoreFactory = Callable[[], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path, pg_schema: str, clock: FakeClock
) -> StoreFactory:
    """Builds store instances sharing one database: each call is another 'replica'."""
    if request.param == "sqlite":
        return lambda: SqliteStore(tmp_path / "gateway.sqlite3", clock=clock)
    return lambda: PostgresStore(POSTGRES_URL, schema=pg_schema, clock=clock)


@pytest.fixture
async def store(store_factory: StoreFactory) -> AsyncIterator[Store]:
    instance = store_factory()
    await instance.open()
    yield instance
    await instance.close()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
async def pg_proxy() -> AsyncIterator[TcpProxy]:
    proxy = TcpProxy("127.0.0.1", 5432)
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.cut()


def proxied_url(proxy: TcpProxy) -> str:
    return f"postgresql://postgres@127.0.0.1:{proxy.port}/test"
