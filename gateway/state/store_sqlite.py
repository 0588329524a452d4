"""The embedded durable store: one SQLite file (WAL mode) under the data directory.

All database work runs on one dedicated worker thread that owns the connection, so the event
loop never blocks on disk and the connection is never shared between threads. Several processes
may open the same file (WAL plus a busy timeout); ``put_if_absent`` runs in an ``IMMEDIATE``
transaction so it stays atomic across them. Timestamps are stored as fixed-width UTC ISO-8601
text, whose text order is time order.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from gateway.state.base import BackendUnavailable, Record

T = TypeVar("T")

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS records (
        kind TEXT NOT NULL,
        seller_id TEXT NOT NULL,
        key TEXT NOT NULL,
        data TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, seller_id, key)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS records_by_time ON records (kind, seller_id, created_at)",
)
_COLUMNS = "kind, seller_id, key, data, created_at, updated_at"
_UPSERT = (
    "INSERT INTO records (kind, seller_id, key, data, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (kind, seller_id, key) DO UPDATE SET "
    "data = excluded.data, updated_at = excluded.updated_at "
    "RETURNING kind, seller_id, key, data, created_at, updated_at"
)
_INSERT_NEW = (
    "INSERT INTO records (kind, seller_id, key, data, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?) "
    "ON CONFLICT DO NOTHING RETURNING kind, seller_id, key, data, created_at, updated_at"
)
_SELECT_ONE = (
    "SELECT kind, seller_id, key, data, created_at, updated_at FROM records "
    "WHERE kind = ? AND seller_id = ? AND key = ?"
)
_CHUNK = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _record(row: Sequence[Any]) -> Record:
    kind, seller_id, key, data, created, updated = row
    return Record(
        kind=kind,
        seller_id=seller_id,
        key=key,
        data=json.loads(data),
        created_at=datetime.fromisoformat(created),
        updated_at=datetime.fromisoformat(updated),
    )


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class SqliteStore:
    name = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 5000,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._clock = clock
        self._conn: sqlite3.Connection | None = None
        self._executor: ThreadPoolExecutor | None = None

    # -- plumbing ------------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=0)
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                for statement in SCHEMA:
                    conn.execute(statement)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    async def _run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-store")
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, lambda: fn(self._connect()))
        except sqlite3.DatabaseError as exc:
            raise BackendUnavailable(f"sqlite {self.path}: {exc}") from exc
        except OSError as exc:
            raise BackendUnavailable(f"sqlite {self.path}: {exc.strerror}") from exc

    # -- lifecycle -----------------------------------------------------------------------------

    async def open(self) -> None:
        await self._run(lambda conn: None)

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is None:
            return

        def shut() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        await asyncio.get_running_loop().run_in_executor(executor, shut)
        executor.shutdown(wait=True)

    async def ping(self) -> None:
        await self._run(lambda conn: conn.execute("SELECT 1").fetchone())

    # -- records -------------------------------------------------------------------------------

    async def put(self, kind: str, seller_id: str, key: str, data: dict[str, Any]) -> Record:
        now = _ts(self._clock())
        body = _dump(data)

        def work(conn: sqlite3.Connection) -> Record:
            row = conn.execute(
                _UPSERT,
                (kind, seller_id, key, body, now, now),
            ).fetchone()
            return _record(row)

        return await self._run(work)

    async def put_if_absent(
        self, kind: str, seller_id: str, key: str, data: dict[str, Any]
    ) -> tuple[Record, bool]:
        now = _ts(self._clock())
        body = _dump(data)

        def work(conn: sqlite3.Connection) -> tuple[Record, bool]:
            conn.execute("BEGIN IMMEDIATE")
            try:
                row = conn.execute(
                    _INSERT_NEW,
                    (kind, seller_id, key, body, now, now),
                ).fetchone()
                created = row is not None
                if row is None:
                    row = conn.execute(
                        _SELECT_ONE,
                        (kind, seller_id, key),
                    ).fetchone()
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            return _record(row), created

        return await self._run(work)

    async def get(self, kind: str, seller_id: str, key: str) -> Record | None:
        def work(conn: sqlite3.Connection) -> Record | None:
            row = conn.execute(
                _SELECT_ONE,
                (kind, seller_id, key),
            ).fetchone()
            return None if row is None else _record(row)

        return await self._run(work)

    async def get_many(self, kind: str, seller_id: str, keys: list[str]) -> dict[str, Record]:
        wanted = list(dict.fromkeys(keys))

        def work(conn: sqlite3.Connection) -> dict[str, Record]:
            found: dict[str, Record] = {}
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                rows = conn.execute(
                    f"SELECT {_COLUMNS} FROM records "  # noqa: S608 - only '?' marks are formatted
                    f"WHERE kind = ? AND seller_id = ? AND key IN ({marks})",
                    (kind, seller_id, *chunk),
                ).fetchall()
                for row in rows:
                    record = _record(row)
                    found[record.key] = record
            return found

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
        where = ["kind = ?", "seller_id = ?"]
        params: list[Any] = [kind, seller_id]
        if since is not None:
            where.append("created_at >= ?")
            params.append(_ts(since))
        if until is not None:
            where.append("created_at <= ?")
            params.append(_ts(until))
        sql = (
            f"SELECT {_COLUMNS} FROM records WHERE {' AND '.join(where)} "  # noqa: S608
            "ORDER BY created_at DESC, key DESC"
        )
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)

        def work(conn: sqlite3.Connection) -> list[Record]:
            return [_record(row) for row in conn.execute(sql, params).fetchall()]

        return await self._run(work)

    async def delete(self, kind: str, seller_id: str, key: str) -> bool:
        def work(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "DELETE FROM records WHERE kind = ? AND seller_id = ? AND key = ?",
                (kind, seller_id, key),
            )
            return cur.rowcount > 0

        return await self._run(work)
