"""The durable stores (SQLite, PostgreSQL) pass the same behavioural suite."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest

from gateway.state.base import Store
from gateway.state.store_postgres import SCHEMA_VERSION, PostgresStore
from tests.state.conftest import POSTGRES_URL, FakeClock, StoreFactory

pytestmark = [pytest.mark.anyio, pytest.mark.services]

DOC = {"feed_type": "_POST_PRODUCT_DATA_", "ids": [1, 2, 3], "note": "Größe ✓", "n": None}


async def test_put_then_get(store: Store) -> None:
    put = await store.put("feed", "A1", "50001", DOC)
    got = await store.get("feed", "A1", "50001")
    assert got == put
    assert got.data == DOC
    assert got.created_at == got.updated_at
    assert got.created_at.utcoffset() == timedelta(0)
    assert await store.get("feed", "A1", "missing") is None
    assert await store.get("feed", "A2", "50001") is None
    assert await store.get("report-ack", "A1", "50001") is None


async def test_put_replaces_and_keeps_created_at(store: Store) -> None:
    first = await store.put("ack", "A1", "r1", {"acknowledged": False})
    second = await store.put("ack", "A1", "r1", {"acknowledged": True})
    assert second.data == {"acknowledged": True}
    assert second.created_at == first.created_at
    assert second.updated_at > first.updated_at
    assert (await store.get("ack", "A1", "r1")) == second


async def test_put_if_absent(store: Store) -> None:
    record, created = await store.put_if_absent("idem", "A1", "md5:abc", {"feed": "1"})
    assert created and record.data == {"feed": "1"}
    again, created_again = await store.put_if_absent("idem", "A1", "md5:abc", {"feed": "2"})
    assert not created_again
    assert again == record  # the first writer's record, untouched
    other, created_other = await store.put_if_absent("idem", "A2", "md5:abc", {"feed": "3"})
    assert created_other and other.data == {"feed": "3"}


async def test_get_many(store: Store) -> None:
    for key in ("a", "b", "c"):
        await store.put("ack", "A1", key, {"k": key})
    await store.put("ack", "A2", "d", {"k": "d"})
    found = await store.get_many("ack", "A1", ["a", "c", "d", "zz", "a"])
    assert sorted(found) == ["a", "c"]
    assert found["c"].data == {"k": "c"}
    assert await store.get_many("ack", "A1", []) == {}
    many = [f"k{i}" for i in range(1200)]  # more than one SQL chunk
    for key in many[:5]:
        await store.put("bulk", "A1", key, {})
    assert sorted(await store.get_many("bulk", "A1", many)) == sorted(many[:5])


async def test_list_newest_first_with_window_and_limit(store: Store, clock: FakeClock) -> None:
    stamps = []
    for i in range(5):
        clock.advance(minutes=10)
        stamps.append((await store.put("feed", "A1", f"f{i}", {"i": i})).created_at)
    await store.put("feed", "A2", "other-seller", {})
    await store.put("ack", "A1", "other-kind", {})
    everything = await store.list("feed", "A1")
    assert [r.key for r in everything] == ["f4", "f3", "f2", "f1", "f0"]
    window = await store.list("feed", "A1", since=stamps[1], until=stamps[3])
    assert [r.key for r in window] == ["f3", "f2", "f1"]
    assert [r.key for r in await store.list("feed", "A1", limit=2)] == ["f4", "f3"]
    assert [r.key for r in await store.list("feed", "A1", since=stamps[2], limit=1)] == ["f4"]
    assert await store.list("feed", "A1", limit=0) == []
    assert await store.list("feed", "nobody") == []


async def test_delete(store: Store) -> None:
    await store.put("ack", "A1", "r1", {})
    assert await store.delete("ack", "A1", "r1")
    assert not await store.delete("ack", "A1", "r1")
    assert await store.get("ack", "A1", "r1") is None


async def test_put_if_absent_has_exactly_one_winner(store_factory: StoreFactory) -> None:
    """Many tasks over two store instances ('replicas') race for one idempotency key."""
    replicas = [store_factory(), store_factory()]
    for replica in replicas:
        await replica.open()
    try:
        results = await asyncio.gather(
            *(
                replicas[i % 2].put_if_absent("idem", "A1", "feed-md5", {"writer": i})
                for i in range(40)
            )
        )
    finally:
        for replica in replicas:
            await replica.close()
    winners = [record for record, created in results if created]
    assert len(winners) == 1
    assert {record.data["writer"] for record, _ in results} == {winners[0].data["writer"]}


async def test_second_replica_and_restart_see_the_same_records(
    store_factory: StoreFactory,
) -> None:
    first = store_factory()
    await first.open()
    written = await first.put("feed", "A1", "77", DOC)
    second = store_factory()
    await second.open()
    try:
        assert await second.get("feed", "A1", "77") == written
        await second.put("ack", "A1", "r9", {"acknowledged": True})
        assert (await first.get("ack", "A1", "r9")) is not None
    finally:
        await first.close()
        await second.close()
    restarted = store_factory()
    await restarted.open()
    try:
        assert await restarted.get("feed", "A1", "77") == written
        assert [r.key for r in await restarted.list("ack", "A1")] == ["r9"]
    finally:
        await restarted.close()


async def test_store_pings(store: Store) -> None:
    await store.ping()


async def test_postgres_schema_is_versioned_and_migrations_are_idempotent(
    pg_schema: str, clock: FakeClock
) -> None:
    stores = [PostgresStore(POSTGRES_URL, schema=pg_schema, clock=clock) for _ in range(3)]
    await asyncio.gather(*(s.open() for s in stores))  # replicas starting together
    for s in stores:
        await s.close()
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        rows = conn.execute(f'SELECT version FROM "{pg_schema}".schema_version').fetchall()
        index = conn.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = %s AND tablename = 'records'",
            (pg_schema,),
        ).fetchall()
    assert [r[0] for r in rows] == list(range(1, SCHEMA_VERSION + 1))
    assert ("records_by_time",) in index
