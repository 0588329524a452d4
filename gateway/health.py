"""Per-section health of the upstream, as GetServiceStatus reports it.

Every SP-API exchange made on behalf of an MWS section is recorded here as a success or a
failure (the SP-API client does this; handlers do not). For each section the board keeps:

* a rolling window of recent outcomes (``window_seconds``), from which an error rate is
  computed once at least ``min_samples`` outcomes are in the window;
* a circuit breaker: it opens after ``open_after_failures`` consecutive failures, or when the
  windowed error rate reaches ``open_error_rate``; after ``cooldown_seconds`` it is half-open
  (one trial call is let through, see :meth:`HealthBoard.allow`); a success closes it, a failure
  re-opens it for another cool-down.

:meth:`HealthBoard.status` maps that state to the MWS service status:

* ``RED``: the circuit is open or half-open, or the last outcomes were connection failures
  (upstream unreachable);
* ``YELLOW``: the windowed error rate is at or above ``yellow_error_rate``;
* ``GREEN``: otherwise, including sections with no upstream traffic at all.

Throttling (429) is not an outage: a throttled call is recorded as ``throttled`` and counts
neither towards the error rate nor towards opening the circuit. The clock is injectable
(``clock=`` a zero-argument callable returning seconds, monotonic) so tests can move time.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

Status = Literal["GREEN", "YELLOW", "RED"]


class Outcome(Enum):
    SUCCESS = "success"
    FAILURE = "failure"  # 5xx, malformed body, timeout: upstream answered badly
    UNREACHABLE = "unreachable"  # connect error / reset: no answer at all
    THROTTLED = "throttled"  # 429: not a health problem


class CircuitState(Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class HealthConfig:
    window_seconds: float = 120.0
    min_samples: int = 5
    yellow_error_rate: float = 0.2
    open_error_rate: float = 0.5
    open_after_failures: int = 5
    cooldown_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.window_seconds <= 0 or self.cooldown_seconds < 0:
            raise ValueError("window_seconds must be > 0 and cooldown_seconds >= 0")
        if not 0 < self.yellow_error_rate <= self.open_error_rate <= 1:
            raise ValueError("need 0 < yellow_error_rate <= open_error_rate <= 1")
        if self.min_samples < 1 or self.open_after_failures < 1:
            raise ValueError("min_samples and open_after_failures must be >= 1")


@dataclass
class _SectionHealth:
    events: deque[tuple[float, Outcome]] = field(default_factory=deque)
    consecutive_failures: int = 0
    last_unreachable: bool = False
    state: CircuitState = CircuitState.CLOSED
    opened_at: float = 0.0
    trial_in_flight: bool = False


class HealthBoard:
    """Rolling outcome windows and a circuit breaker per MWS section."""

    def __init__(
        self,
        config: HealthConfig | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config or HealthConfig()
        self._clock = clock
        self._sections: dict[str, _SectionHealth] = {}

    # -- recording ------------------------------------------------------------------------

    def record(self, section: str, outcome: Outcome) -> None:
        now = self._clock()
        h = self._sections.setdefault(section, _SectionHealth())
        h.events.append((now, outcome))
        self._prune(h, now)
        h.trial_in_flight = False
        if outcome is Outcome.THROTTLED:
            return
        if outcome is Outcome.SUCCESS:
            h.consecutive_failures = 0
            h.last_unreachable = False
            h.state = CircuitState.CLOSED
            return
        h.consecutive_failures += 1
        h.last_unreachable = outcome is Outcome.UNREACHABLE
        if h.state is not CircuitState.CLOSED:
            # A failed trial (or a failure of a call admitted before opening) re-opens.
            h.state = CircuitState.OPEN
            h.opened_at = now
            return
        rate, samples = self._error_rate(h)
        cfg = self.config
        if h.consecutive_failures >= cfg.open_after_failures or (
            samples >= cfg.min_samples and rate >= cfg.open_error_rate
        ):
            h.state = CircuitState.OPEN
            h.opened_at = now

    def success(self, section: str) -> None:
        self.record(section, Outcome.SUCCESS)

    def failure(self, section: str, *, unreachable: bool = False) -> None:
        self.record(section, Outcome.UNREACHABLE if unreachable else Outcome.FAILURE)

    def throttled(self, section: str) -> None:
        self.record(section, Outcome.THROTTLED)

    # -- the breaker ----------------------------------------------------------------------

    def circuit(self, section: str) -> CircuitState:
        h = self._sections.get(section)
        if h is None:
            return CircuitState.CLOSED
        self._advance(h, self._clock())
        return h.state

    def allow(self, section: str) -> bool:
        """Whether a call for ``section`` may go upstream now.

        Closed: always. Open: never until the cool-down has passed. Half-open: one trial call
        at a time; its outcome (via :meth:`record`) closes or re-opens the circuit.
        """
        h = self._sections.get(section)
        if h is None:
            return True
        self._advance(h, self._clock())
        if h.state is CircuitState.CLOSED:
            return True
        if h.state is CircuitState.OPEN or h.trial_in_flight:
            return False
        h.trial_in_flight = True
        return True

    def release(self, section: str) -> None:
        """Give back a half-open trial slot taken by :meth:`allow` that made no call."""
        h = self._sections.get(section)
        if h is not None:
            h.trial_in_flight = False

    # -- reporting ------------------------------------------------------------------------

    def error_rate(self, section: str) -> tuple[float, int]:
        """(failure fraction, non-throttled samples) over the window."""
        h = self._sections.get(section)
        if h is None:
            return 0.0, 0
        self._prune(h, self._clock())
        return self._error_rate(h)

    def status(self, section: str) -> tuple[Status, str | None]:
        h = self._sections.get(section)
        if h is None:
            return "GREEN", None
        now = self._clock()
        self._prune(h, now)
        self._advance(h, now)
        if h.state is not CircuitState.CLOSED:
            if h.last_unreachable:
                return "RED", "The service cannot reach Amazon Selling Partner API."
            return (
                "RED",
                "The service is experiencing repeated upstream failures; requests are "
                "temporarily being refused.",
            )
        if h.last_unreachable and h.consecutive_failures > 0:
            return "RED", "The service cannot reach Amazon Selling Partner API."
        rate, samples = self._error_rate(h)
        if samples >= self.config.min_samples and rate >= self.config.yellow_error_rate:
            return (
                "YELLOW",
                f"The service is experiencing elevated error rates ({rate:.0%} of recent "
                "upstream calls failed).",
            )
        return "GREEN", None

    def sections(self) -> list[str]:
        return sorted(self._sections)

    # -- internals ------------------------------------------------------------------------

    def _prune(self, h: _SectionHealth, now: float) -> None:
        horizon = now - self.config.window_seconds
        while h.events and h.events[0][0] < horizon:
            h.events.popleft()

    def _advance(self, h: _SectionHealth, now: float) -> None:
        if h.state is CircuitState.OPEN and now - h.opened_at >= self.config.cooldown_seconds:
            h.state = CircuitState.HALF_OPEN
            h.trial_in_flight = False

    @staticmethod
    def _error_rate(h: _SectionHealth) -> tuple[float, int]:
        failures = samples = 0
        for _ts, outcome in h.events:
            if outcome is Outcome.THROTTLED:
                continue
            samples += 1
            if outcome is not Outcome.SUCCESS:
                failures += 1
        return (failures / samples if samples else 0.0), samples
