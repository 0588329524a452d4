"""Client-side pacing: a token bucket per (seller, SP-API operation).

SP-API meters each application-seller pair with a token bucket per operation (``rate``
tokens per second, ``burst`` bucket size; ``mappings/spapi/rate_limits.yaml``). Keeping our
own copy of that bucket lets short waits happen here instead of provoking 429s, and refuses
at once (:class:`PacingExceeded` -> MWS ``RequestThrottled``) when the wait would not fit the
call's time budget, so an MWS client backs off as it did against MWS.

Reservation style: :meth:`Pacer.reserve` takes a token immediately (the balance may go
negative) and returns how long the caller must sleep before using it, so concurrent callers
queue fairly without polling. A 429 from SP-API empties the bucket (:meth:`Pacer.drain`):
SP-API's bucket is evidently empty, whatever our estimate said.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RateLimit:
    rate: float  # tokens per second
    burst: int
    method: str | None = None
    path: str | None = None


class RateTable:
    """``mappings/spapi/rate_limits.yaml`` indexed by operation (with short-name aliases)."""

    def __init__(self, table: Mapping[str, Any]) -> None:
        self.operations: dict[str, RateLimit] = {}
        for key, row in (table.get("operations") or {}).items():
            try:
                limit = RateLimit(
                    rate=float(row["rate"]),
                    burst=int(row["burst"]),
                    method=row.get("method"),
                    path=row.get("path"),
                )
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"spapi/rate_limits {key}: needs rate and burst ({exc})") from None
            if limit.rate <= 0 or limit.burst < 1:
                raise ValueError(f"spapi/rate_limits {key}: rate and burst must be positive")
            self.operations[str(key)] = limit
        self.aliases: dict[str, str] = {
            str(k): str(v) for k, v in (table.get("aliases") or {}).items()
        }
        sandbox = table.get("sandbox")
        self.sandbox = RateLimit(float(sandbox["rate"]), int(sandbox["burst"])) if sandbox else None

    def canonical(self, operation: str) -> str:
        api, dot, op_id = operation.partition(".")
        if dot and api in self.aliases:
            return f"{self.aliases[api]}.{op_id}"
        return operation

    def get(self, operation: str, *, sandbox: bool = False) -> RateLimit | None:
        if sandbox and self.sandbox is not None:
            return self.sandbox
        return self.operations.get(self.canonical(operation))


@dataclass
class _Bucket:
    tokens: float
    updated: float


class Pacer:
    """Token buckets per (seller, operation); unknown operations are not paced."""

    def __init__(
        self,
        table: RateTable,
        *,
        sandbox: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.table = table
        self.sandbox = sandbox
        self._clock = clock
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def _bucket(self, key: tuple[str, str], limit: RateLimit) -> _Bucket:
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(limit.burst), updated=now)
            self._buckets[key] = bucket
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(limit.burst), bucket.tokens + elapsed * limit.rate)
            bucket.updated = now
        return bucket

    def reserve(self, seller_id: str, operation: str, *, max_wait: float) -> float | None:
        """Take a token; return the wait before it may be used, or None if over ``max_wait``.

        When None is returned nothing was taken.
        """
        limit = self.table.get(operation, sandbox=self.sandbox)
        if limit is None:
            return 0.0
        bucket = self._bucket((seller_id, operation), limit)
        bucket.tokens -= 1.0
        if bucket.tokens >= 0:
            return 0.0
        wait = -bucket.tokens / limit.rate
        if wait > max_wait:
            bucket.tokens += 1.0
            return None
        return wait

    def available(self, seller_id: str, operation: str) -> float:
        """The tokens the bucket holds now (the operation's burst when it is not metered)."""
        limit = self.table.get(operation, sandbox=self.sandbox)
        if limit is None:
            return float("inf")
        return self._bucket((seller_id, operation), limit).tokens

    def wait_needed(self, seller_id: str, operation: str) -> float:
        """How long until one token is available (without taking it)."""
        limit = self.table.get(operation, sandbox=self.sandbox)
        if limit is None:
            return 0.0
        bucket = self._bucket((seller_id, operation), limit)
        return 0.0 if bucket.tokens >= 1 else (1.0 - bucket.tokens) / limit.rate

    def refund(self, seller_id: str, operation: str) -> None:
        """Give back a reserved token that was not used (the call was abandoned)."""
        limit = self.table.get(operation, sandbox=self.sandbox)
        if limit is None:
            return
        bucket = self._bucket((seller_id, operation), limit)
        bucket.tokens = min(float(limit.burst), bucket.tokens + 1.0)

    def drain(self, seller_id: str, operation: str) -> None:
        """SP-API answered 429: its bucket is empty, so is ours from now on."""
        limit = self.table.get(operation, sandbox=self.sandbox)
        if limit is None:
            return
        bucket = self._bucket((seller_id, operation), limit)
        bucket.tokens = min(bucket.tokens, 0.0)
