"""In-process quota buckets: one replica's view, the default when no Redis is configured.

The arithmetic is :func:`gateway.mws.quotas.take`; this module only stores the states. The event
loop is single-threaded and ``acquire`` does not await between reading and writing a bucket, so
no lock is needed. Memory is bounded: buckets are kept in least-recently-used order, buckets that
are back at rest (full again, hourly window over) are dropped as they age, and beyond
``max_buckets`` the least recently used bucket is evicted.
"""

from __future__ import annotations

import time
from collections import OrderedDict

from gateway.mws.quotas import BucketState, QuotaDecision, Throttle, take

DEFAULT_MAX_BUCKETS = 100_000
_SWEEP_PER_CALL = 4


def at_rest(state: BucketState, throttle: Throttle, now: float) -> bool:
    """Whether forgetting ``state`` changes nothing: the bucket would be full and fresh again."""
    rate = throttle.restore_per_second
    full = state.tokens + max(0.0, now - state.updated) * rate >= throttle.max
    hour_over = throttle.hourly is None or state.hour_count == 0 or now >= state.hour_window + 3600
    return full and hour_over


class MemoryQuotaBackend:
    name = "memory"

    def __init__(self, *, max_buckets: int = DEFAULT_MAX_BUCKETS) -> None:
        if max_buckets < 1:
            raise ValueError("max_buckets must be at least 1")
        self._max = max_buckets
        self._buckets: OrderedDict[str, tuple[BucketState, Throttle]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    async def acquire(
        self, key: str, throttle: Throttle, *, cost: float = 1.0, now: float | None = None
    ) -> QuotaDecision:
        t = time.time() if now is None else now
        entry = self._buckets.pop(key, None)
        state, decision = take(entry[0] if entry else None, throttle, t, cost)
        self._buckets[key] = (state, throttle)
        self._sweep(t)
        return decision

    def _sweep(self, now: float) -> None:
        """Drop a few of the oldest buckets if they are at rest, and enforce the size bound."""
        for _ in range(_SWEEP_PER_CALL):
            if len(self._buckets) <= 1:
                break
            oldest_key, (state, throttle) = next(iter(self._buckets.items()))
            if not at_rest(state, throttle, now):
                break
            del self._buckets[oldest_key]
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._buckets.clear()
