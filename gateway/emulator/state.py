"""The emulator's mutable state (`app.state.emulator`): data, tokens, counters, faults."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from gateway.emulator.auth import TokenStore
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.data import SeedData
from gateway.emulator.documents import DocumentStore
from gateway.emulator.faults import FaultTable
from gateway.emulator.ratelimit import RateLimiter

T = TypeVar("T")


class _Clock:
    """Monotonic clock that tests can move forward (`advance`) without sleeping."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class EmulatorState:
    """Everything tests may inspect or change on a running emulator."""

    config: EmulatorConfig
    clock: _Clock
    rng: random.Random
    data: SeedData
    documents: DocumentStore
    tokens: TokenStore
    limiter: RateLimiter
    faults: FaultTable
    lwa_exchanges: int = 0
    """Successful LWA token exchanges (refresh_token and client_credentials grants)."""
    lwa_exchanges_by_seller: Counter[str] = field(default_factory=Counter)
    lwa_failures: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    """Calls per operation name (counted before auth, rate limit and faults)."""
    responses: Counter[str] = field(default_factory=Counter)
    """Responses per "<operation>:<status>"."""
    throttled: Counter[str] = field(default_factory=Counter)
    """429 QuotaExceeded answers per operation (rate limiter and 429 storms)."""
    sections: dict[str, Any] = field(default_factory=dict)
    """Free slots for section modules (orders/reports/feeds) to keep their own state."""

    @classmethod
    def create(cls, config: EmulatorConfig | None = None) -> EmulatorState:
        config = config or EmulatorConfig()
        clock = _Clock()
        rng = random.Random(config.seed)
        faults = FaultTable(rng=random.Random(config.seed + 1), clock=clock)
        for pattern, spec in config.faults.items():
            faults[pattern] = spec
        return cls(
            config=config,
            clock=clock,
            rng=rng,
            data=SeedData.generate(
                seed=config.seed,
                seller_id=config.seller_id,
                order_count=config.order_count,
                listing_count=config.listing_count,
                anchor=config.data_anchor,
            ),
            documents=DocumentStore(
                signing_key=config.signing_key,
                url_ttl=config.document_url_ttl,
                spill_bytes=config.document_spill_bytes,
                clock=time.time,
                base_url=config.public_base_url or "http://127.0.0.1",
            ),
            tokens=TokenStore(clock=clock),
            limiter=RateLimiter(clock=clock),
            faults=faults,
        )

    def section(self, name: str, factory: Callable[[], T]) -> T:
        """The section module's own state object, created on first use."""
        if name not in self.sections:
            self.sections[name] = factory()
        value: T = self.sections[name]
        return value

    def counters(self) -> dict[str, Any]:
        """A JSON-friendly snapshot of the counters (served at GET /_emulator/stats)."""
        return {
            "lwa_exchanges": self.lwa_exchanges,
            "lwa_exchanges_by_seller": dict(self.lwa_exchanges_by_seller),
            "lwa_failures": self.lwa_failures,
            "calls": dict(self.calls),
            "responses": dict(self.responses),
            "throttled": dict(self.throttled),
            "faults_fired": dict(self.faults.fired),
            "live_tokens": len(self.tokens),
            "documents": len(self.documents),
        }

    def reset_counters(self) -> None:
        self.lwa_exchanges = 0
        self.lwa_exchanges_by_seller.clear()
        self.lwa_failures = 0
        self.calls.clear()
        self.responses.clear()
        self.throttled.clear()
        self.faults.fired.clear()
