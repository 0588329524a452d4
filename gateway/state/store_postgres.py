"""The durable store in PostgreSQL, shared by every replica.

psycopg 3 in async mode with a small pool of autocommit connections kept here (no extra
dependency): at most ``pool_size`` connections, opened on demand, dropped when they fail. Every
statement is a single atomic SQL statement, ``put_if_absent`` being
``INSERT ... ON CONFLICT DO NOTHING RETURNING``. The schema is created or migrated by
:meth:`PostgresStore.open` under an advisory lock (replicas may start together), versions being
recorded in ``schema_version``.

When the server cannot be reached, or a statement takes longer than ``timeout`` seconds, the call
raises :class:`BackendUnavailable` and the connections are discarded; the next call connects
afresh, so the store recovers by itself once PostgreSQL is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import TupleRow
from psycopg.types.json import Jsonb

from gateway.state.base import BackendUnavailable, Record

T = TypeVar("T")
Conn = psycopg.AsyncConnection[TupleRow]

_LOCK_ID = 0x6D7773677731  # advisory lock key for migrations ("mwsgw1")

# Each migration is a list of statements; ``{schema}`` is replaced by the quoted schema prefix.
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE IF NOT EXISTS {records} (
            kind text NOT NULL,
            seller_id text NOT NULL,
            key text NOT NULL,
            data jsonb NOT NULL,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            PRIMARY KEY (kind, seller_id, key)
        )""",
        "CREATE INDEX IF NOT EXISTS records_by_time ON {records} "
        "(kind, seller_id, created_at DESC)",
    ],
]
SCHEMA_VERSION = len(MIGRATIONS)
_COLUMNS = sql.SQL("kind, seller_id, key, data, created_at, updated_at")


def utcnow() -> datetime:
    return datetime.now(UTC)


def _record(row: tuple[Any, ...]) -> Record:
    kind, seller_id, key, data, created, updated = row
    return Record(
        kind=kind,
        seller_id=seller_id,
        key=key,
        data=data,
        created_at=created.astimezone(UTC),
        updated_at=updated.astimezone(UTC),
    )


class _Pool:
    """A few autocommit connections, opened on demand and dropped on failure."""

    def __init__(self, url: str, size: int, connect_timeout: float) -> None:
        self._url = url
        self._connect_timeout = max(1, round(connect_timeout))
        self._idle: list[Conn] = []
        self._slots = asyncio.Semaphore(size)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[tuple[Conn, bool]]:
        """Yield ``(connection, reused)``; a connection that raised is closed, not kept."""
        async with self._slots:
            conn: Conn | None = None
            while self._idle and conn is None:
                candidate = self._idle.pop()
                if not candidate.closed:
                    conn = candidate
            reused = conn is not None
            if conn is None:
                conn = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=self._connect_timeout
                )
            try:
                yield conn, reused
            except BaseException:
                await self._discard(conn)
                raise
            if conn.closed or conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                await self._discard(conn)
            else:
                self._idle.append(conn)

    async def flush(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            await self._discard(conn)

    @staticmethod
    async def _discard(conn: Conn) -> None:
        with suppress(Exception):
            await conn.close()


class PostgresStore:
    name = "postgresql"

    def __init__(
        self,
        url: str,
        *,
        schema: str | None = None,
        pool_size: int = 5,
        timeout: float = 5.0,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._pool = _Pool(url, pool_size, timeout)
        self._timeout = timeout
        self._clock = clock
        self._schema = schema
        self._records = sql.Identifier(schema, "records") if schema else sql.Identifier("records")
        self._versions = (
            sql.Identifier(schema, "schema_version") if schema else sql.Identifier("schema_version")
        )
        self._opened = False

    # -- plumbing ------------------------------------------------------------------------------

    async def _run(self, fn: Callable[[Conn], Awaitable[T]], *, retry: bool = True) -> T:
        """Run ``fn`` on a pooled connection, mapping failures to BackendUnavailable.

        A failure on a connection taken from the idle list may only mean that connection went
        stale (the server restarted); with ``retry`` the call is tried once more on a new one.
        """
        if not self._opened:
            await self.open()
        attempt = 0
        while True:
            attempt += 1
            reused = False
            try:
                async with (
                    asyncio.timeout(self._timeout),
                    self._pool.connection() as (conn, reused),
                ):
                    return await fn(conn)
            except (psycopg.OperationalError, psycopg.InterfaceError, OSError) as exc:
                await self._pool.flush()
                if retry and reused and attempt == 1:
                    continue
                raise BackendUnavailable(f"postgresql: {type(exc).__name__}") from exc
            except TimeoutError as exc:
                await self._pool.flush()
                raise BackendUnavailable("postgresql: timed out") from exc

    async def _migrate(self, conn: Conn) -> None:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
            if self._schema:
                await conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self._schema))
                )
            await conn.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} (version integer PRIMARY KEY)").format(
                    self._versions
                )
            )
            cur = await conn.execute(
                sql.SQL("SELECT coalesce(max(version), 0) FROM {}").format(self._versions)
            )
            row = await cur.fetchone()
            current = int(row[0]) if row else 0
            if current > SCHEMA_VERSION:
                raise BackendUnavailable(
                    f"postgresql: schema version {current} is newer than this gateway "
                    f"({SCHEMA_VERSION}); upgrade the gateway"
                )
            for version in range(current + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[version - 1]:
                    await conn.execute(sql.SQL(statement).format(records=self._records))
                await conn.execute(
                    sql.SQL("INSERT INTO {} (version) VALUES (%s)").format(self._versions),
                    (version,),
                )

    # -- lifecycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        if self._opened:
            return
        self._opened = True
        try:
            await self._run(self._migrate, retry=False)
        except BaseException:
            self._opened = False
            raise

    async def close(self) -> None:
        await self._pool.flush()
        self._opened = False

    async def ping(self) -> None:
        async def work(conn: Conn) -> None:
            await conn.execute("SELECT 1")

        await self._run(work)

    # -- records -------------------------------------------------------------------------------

    async def put(self, kind: str, seller_id: str, key: str, data: dict[str, Any]) -> Record:
        now = self._clock()
        query = sql.SQL(
            "INSERT INTO {t} ({c}) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (kind, seller_id, key) DO UPDATE SET "
            "data = excluded.data, updated_at = excluded.updated_at RETURNING {c}"
        ).format(t=self._records, c=_COLUMNS)

        async def work(conn: Conn) -> Record:
            cur = await conn.execute(query, (kind, seller_id, key, Jsonb(data), now, now))
            row = await cur.fetchone()
            assert row is not None
            return _record(row)

        return await self._run(work)

    async def put_if_absent(
        self, kind: str, seller_id: str, key: str, data: dict[str, Any]
    ) -> tuple[Record, bool]:
        now = self._clock()
        insert = sql.SQL(
            "INSERT INTO {t} ({c}) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING {c}"
        ).format(t=self._records, c=_COLUMNS)
        select = sql.SQL(
            "SELECT {c} FROM {t} WHERE kind = %s AND seller_id = %s AND key = %s"
        ).format(t=self._records, c=_COLUMNS)

        async def work(conn: Conn) -> tuple[Record, bool]:
            while True:
                cur = await conn.execute(insert, (kind, seller_id, key, Jsonb(data), now, now))
                row = await cur.fetchone()
                if row is not None:
                    return _record(row), True
                cur = await conn.execute(select, (kind, seller_id, key))
                row = await cur.fetchone()
                if row is not None:
                    record = _record(row)
                    # A retried call whose first INSERT committed but whose reply was lost finds
                    # its own row: same data, created at this call's exact microsecond.
                    mine = record.created_at == now and record.data == data
                    return record, mine
                # deleted between the two statements: try again

        return await self._run(work)

    async def get(self, kind: str, seller_id: str, key: str) -> Record | None:
        query = sql.SQL(
            "SELECT {c} FROM {t} WHERE kind = %s AND seller_id = %s AND key = %s"
        ).format(t=self._records, c=_COLUMNS)

        async def work(conn: Conn) -> Record | None:
            cur = await conn.execute(query, (kind, seller_id, key))
            row = await cur.fetchone()
            return None if row is None else _record(row)

        return await self._run(work)

    async def get_many(self, kind: str, seller_id: str, keys: list[str]) -> dict[str, Record]:
        wanted = list(dict.fromkeys(keys))
        if not wanted:
            return {}
        query = sql.SQL(
            "SELECT {c} FROM {t} WHERE kind = %s AND seller_id = %s AND key = ANY(%s)"
        ).format(t=self._records, c=_COLUMNS)

        async def work(conn: Conn) -> dict[str, Record]:
            cur = await conn.execute(query, (kind, seller_id, wanted))
            return {r.key: r for r in map(_record, await cur.fetchall())}

        return await self._run(work)

    async def list(
        self,
        kind: str,
        seller_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        if limit is not None and limit < 0:
            raise ValueError("limit must not be negative")
        for value in (since, until):
            if value is not None and value.tzinfo is None:
                raise ValueError("timestamps must be timezone-aware")
        where = [sql.SQL("kind = %s"), sql.SQL("seller_id = %s")]
        params: list[Any] = [kind, seller_id]
        if since is not None:
            where.append(sql.SQL("created_at >= %s"))
            params.append(since)
        if until is not None:
            where.append(sql.SQL("created_at <= %s"))
            params.append(until)
        query = sql.SQL("SELECT {c} FROM {t} WHERE {w} ORDER BY created_at DESC, key DESC").format(
            c=_COLUMNS, t=self._records, w=sql.SQL(" AND ").join(where)
        )
        if limit is not None:
            query = query + sql.SQL(" LIMIT %s")
            params.append(limit)

        async def work(conn: Conn) -> list[Record]:
            cur = await conn.execute(query, params)
            return [_record(row) for row in await cur.fetchall()]

        return await self._run(work)

    async def delete(self, kind: str, seller_id: str, key: str) -> bool:
        query = sql.SQL("DELETE FROM {t} WHERE kind = %s AND seller_id = %s AND key = %s").format(
            t=self._records
        )

        async def work(conn: Conn) -> bool:
            cur = await conn.execute(query, (kind, seller_id, key))
            return cur.rowcount > 0

        return await self._run(work)
