"""Interfaces of the state backends.

* :class:`QuotaBackend` holds the MWS quota buckets (memory by default, Redis at scale). Both
  backends implement the same arithmetic, defined once in :mod:`gateway.mws.quotas`.
* :class:`Store` holds the few durable records SP-API has no equivalent for (report
  acknowledgements, feed submission records, idempotency keys), as JSON documents keyed by
  ``(kind, seller_id, key)`` (SQLite by default, PostgreSQL at scale).

Both raise :class:`BackendUnavailable` when their server cannot be reached; the pipeline turns
that into an MWS ``ServiceUnavailable`` and ``/readyz`` reports it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from gateway.mws.quotas import QuotaDecision, Throttle


class BackendUnavailable(Exception):
    """A backing service (Redis, PostgreSQL, the SQLite file) cannot be used right now."""


class QuotaBackend(Protocol):
    name: str

    async def acquire(
        self, key: str, throttle: Throttle, *, cost: float = 1.0, now: float | None = None
    ) -> QuotaDecision:
        """Take ``cost`` from the bucket ``key`` if the burst and hourly quotas allow it."""
        ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


@dataclass(frozen=True)
class Record:
    kind: str
    seller_id: str
    key: str
    data: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class Store(Protocol):
    name: str

    async def open(self) -> None:
        """Connect and create or migrate the schema."""
        ...

    async def close(self) -> None: ...

    async def ping(self) -> None: ...

    async def put(self, kind: str, seller_id: str, key: str, data: dict[str, Any]) -> Record:
        """Insert or replace a record."""
        ...

    async def put_if_absent(
        self, kind: str, seller_id: str, key: str, data: dict[str, Any]
    ) -> tuple[Record, bool]:
        """Insert unless the key exists; returns the stored record and whether it was new.

        Atomic across processes sharing the backend (the idempotency primitive)."""
        ...

    async def get(self, kind: str, seller_id: str, key: str) -> Record | None: ...

    async def get_many(self, kind: str, seller_id: str, keys: list[str]) -> dict[str, Record]: ...

    async def list(
        self,
        kind: str,
        seller_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
    ) -> list[Record]:
        """Records of one kind for one seller, newest first."""
        ...

    async def delete(self, kind: str, seller_id: str, key: str) -> bool: ...


class Cache(Protocol):
    """Short-lived copies of what SP-API answered (memory by default, Redis at scale).

    Best effort by contract: an unreachable backend behaves as an empty cache."""

    name: str

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]: ...

    async def put_many(self, items: Mapping[str, bytes], ttl_seconds: float) -> None: ...

    async def delete(self, keys: Iterable[str]) -> None: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
