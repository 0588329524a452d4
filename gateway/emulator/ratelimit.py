"""Token-bucket rate limiting per (operation, selling partner), like SP-API usage plans."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.emulator.config import RateLimit


@dataclass
class _Bucket:
    tokens: float
    updated: float


@dataclass
class RateLimiter:
    clock: Callable[[], float]
    _buckets: dict[tuple[str, str], _Bucket] = field(default_factory=dict)

    def try_acquire(self, operation: str, partner: str, limit: RateLimit) -> bool:
        """Take one token from the (operation, partner) bucket; False when it is empty."""
        now = self.clock()
        key = (operation, partner)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(tokens=float(limit.burst), updated=now)
            self._buckets[key] = bucket
        else:
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(limit.burst), bucket.tokens + elapsed * limit.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def reset(self) -> None:
        self._buckets.clear()
