"""MWS throttling arithmetic, free of I/O.

Each (access key, seller, section, bucket) has a leaky bucket of ``max`` requests restored at
``restore / period`` per second, plus an optional hourly cap counted in fixed clock-hour
windows. The memory and Redis backends both apply exactly this function (the Redis script is a
transcription of :func:`take`), so the semantics cannot drift.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

HOUR = 3600.0


@dataclass(frozen=True)
class Throttle:
    """An MWS leaky bucket: ``max`` requests at once, ``restore`` per ``period`` seconds."""

    bucket: str  # bucket key: the operation name or the shared group's name
    max: int
    restore: float
    period: float
    hourly: int | None = None

    @property
    def restore_per_second(self) -> float:
        return self.restore / self.period


@dataclass(frozen=True)
class BucketState:
    tokens: float
    updated: float  # epoch seconds
    hour_window: float  # epoch seconds of the current hourly window's start
    hour_count: int


@dataclass(frozen=True)
class QuotaDecision:
    allowed: bool
    reason: str | None  # None | "burst" (RequestThrottled) | "hourly" (QuotaExceeded)
    tokens_left: float
    retry_after: float  # seconds until one request would be admitted
    hourly_max: int | None = None
    hourly_remaining: int | None = None
    resets_on: float | None = None  # epoch seconds of the hourly window's end


def initial_state(throttle: Throttle, now: float) -> BucketState:
    return BucketState(
        tokens=float(throttle.max), updated=now, hour_window=_window(now), hour_count=0
    )


def _window(now: float) -> float:
    return math.floor(now / HOUR) * HOUR


def take(
    state: BucketState | None, throttle: Throttle, now: float, cost: float = 1.0
) -> tuple[BucketState, QuotaDecision]:
    """Apply one request of ``cost`` to ``state``; return the new state and the decision."""
    if state is None:
        state = initial_state(throttle, now)
    rate = throttle.restore_per_second
    elapsed = max(0.0, now - state.updated)
    tokens = min(float(throttle.max), state.tokens + elapsed * rate)
    window = _window(now)
    hour_count = state.hour_count if state.hour_window == window else 0
    hourly_remaining = None if throttle.hourly is None else throttle.hourly - hour_count
    resets_on = window + HOUR if throttle.hourly is not None else None

    units = max(1, int(cost))  # the hourly quota counts items where the bucket does (Products)
    if throttle.hourly is not None and hour_count + units > throttle.hourly:
        new = BucketState(tokens, now, window, hour_count)
        return new, QuotaDecision(
            False, "hourly", tokens, (window + HOUR) - now, throttle.hourly, 0, resets_on
        )
    if tokens + 1e-9 < cost:
        new = BucketState(tokens, now, window, hour_count)
        return new, QuotaDecision(
            False,
            "burst",
            tokens,
            (cost - tokens) / rate,
            throttle.hourly,
            hourly_remaining,
            resets_on,
        )
    tokens -= cost
    hour_count += units
    new = BucketState(tokens, now, window, hour_count)
    remaining = None if throttle.hourly is None else throttle.hourly - hour_count
    return new, QuotaDecision(True, None, tokens, 0.0, throttle.hourly, remaining, resets_on)
