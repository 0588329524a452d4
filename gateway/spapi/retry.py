"""Retry policy: exponential backoff with full jitter inside a bounded time budget.

What is retried (see the exception tree in :mod:`gateway.spapi.errors`):

* anything that provably did not reach SP-API (``not_sent``: connect error/timeout, 429,
  LWA endpoint trouble) -- for every call;
* other transient failures (read timeout, reset after sending, 5xx, malformed body) -- only
  for idempotent calls. A POST such as createFeed, createReport or createFeedDocument that
  may have reached SP-API is never sent twice: a duplicate feed or report is worse than an
  MWS ``ServiceUnavailable`` the client can act on.

Delays follow "full jitter": ``uniform(0, min(cap, base * 2**n))`` for the n-th retry, and no
retry starts when its delay would cross the deadline.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from gateway.spapi.errors import UpstreamError

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


def default_idempotent(method: str) -> bool:
    return method.upper() in IDEMPOTENT_METHODS


@dataclass
class RetryPolicy:
    max_attempts: int = 4
    budget_seconds: float = 20.0
    base_delay: float = 0.2
    max_delay: float = 5.0
    rng: Callable[[], float] = field(default=random.random)

    def delay(self, retry_number: int) -> float:
        """Full-jitter delay before retry ``retry_number`` (1 for the first retry)."""
        ceiling = min(self.max_delay, self.base_delay * (2.0 ** (retry_number - 1)))
        return float(self.rng()) * ceiling

    def should_retry(self, error: UpstreamError, *, idempotent: bool, attempts: int) -> bool:
        if attempts >= self.max_attempts:
            return False
        if error.not_sent and error.transient:
            return True
        return error.transient and idempotent
