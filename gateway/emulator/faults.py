"""Fault injection: per-operation fault table, fault draws and dropping connections.

A connection reset or a truncated body must look to the client like the real thing. Under a
server that exposes its transport (uvicorn: the `send` callable is a method of the request cycle
that owns `transport`), the emulator closes the socket itself. Elsewhere (httpx.ASGITransport)
it raises `EmulatedConnectionReset`, a subclass of `httpx.RemoteProtocolError`, which the
transport propagates to the client exactly where a real protocol error would appear.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from starlette.types import Message, Scope, Send

from gateway.emulator.config import FaultSpec

RAW_SEND_KEY = "emulator.raw_send"


class EmulatedConnectionReset(httpx.RemoteProtocolError):
    """The emulator dropped the connection (raised only where it cannot close a socket)."""


class EmulatedTruncatedBody(EmulatedConnectionReset):
    """The emulator closed the connection in the middle of a response body."""


@dataclass(frozen=True)
class FaultPlan:
    """What to do to one call (decided before the handler runs)."""

    latency_s: float = 0.0
    reset: bool = False
    throttle: bool = False
    error_status: int | None = None
    truncate: bool = False
    malformed: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.latency_s
            or self.reset
            or self.throttle
            or self.error_status
            or self.truncate
            or self.malformed
        )


def pattern_matches(pattern: str, operation: str) -> bool:
    if pattern == "*":
        return True
    if pattern.endswith(".*"):
        return operation.startswith(pattern[:-1])
    return pattern == operation


@dataclass
class FaultTable:
    """Faults keyed by operation name, `section.*` or `*`; the most specific key wins."""

    rng: random.Random
    clock: Callable[[], float] = time.monotonic
    specs: dict[str, FaultSpec] = field(default_factory=dict)
    installed: dict[str, float] = field(default_factory=dict)
    fired: Counter[str] = field(default_factory=Counter)
    """Counts of injected faults, keyed "<operation>:<kind>"."""

    def __setitem__(self, pattern: str, spec: FaultSpec) -> None:
        self.specs[pattern] = spec
        self.installed[pattern] = self.clock()

    def __getitem__(self, pattern: str) -> FaultSpec:
        return self.specs[pattern]

    def __contains__(self, pattern: object) -> bool:
        return pattern in self.specs

    def __len__(self) -> int:
        return len(self.specs)

    def set(self, pattern: str, spec: FaultSpec | None = None, **kwargs: Any) -> FaultSpec:
        """Install a spec (or build one from keyword arguments) for a pattern."""
        spec = spec if spec is not None else FaultSpec(**kwargs)
        self[pattern] = spec
        return spec

    def update_from_json(self, raw: Mapping[str, Any]) -> None:
        """Install specs from `{pattern: {field: value}}`; all-or-nothing on errors."""
        parsed: dict[str, FaultSpec] = {}
        for pattern, spec in raw.items():
            if not isinstance(pattern, str) or not pattern:
                raise ValueError("fault keys must be operation names or patterns")
            if not isinstance(spec, Mapping):
                raise ValueError(f"fault spec for {pattern!r} must be an object")
            parsed[pattern] = FaultSpec.from_json(spec)
        for pattern, spec in parsed.items():
            self[pattern] = spec

    def clear(self, pattern: str | None = None) -> None:
        if pattern is None:
            self.specs.clear()
            self.installed.clear()
        else:
            self.specs.pop(pattern, None)
            self.installed.pop(pattern, None)

    def to_json(self) -> dict[str, Any]:
        return {pattern: spec.to_json() for pattern, spec in self.specs.items()}

    def lookup(self, operation: str) -> tuple[str, FaultSpec] | None:
        if operation in self.specs:
            return operation, self.specs[operation]
        section_key = operation.split(".", 1)[0] + ".*"
        if section_key in self.specs:
            return section_key, self.specs[section_key]
        if "*" in self.specs:
            return "*", self.specs["*"]
        return None

    def plan(self, operation: str) -> FaultPlan:
        """Draw the faults for one call of `operation` (consumes `remaining`)."""
        found = self.lookup(operation)
        if found is None:
            return FaultPlan()
        pattern, spec = found
        if spec.duration_s is not None and (
            self.clock() - self.installed.get(pattern, self.clock()) >= spec.duration_s
        ):
            self.clear(pattern)
            return self.plan(operation)
        if spec.remaining is not None:
            if spec.remaining <= 0:
                self.clear(pattern)
                return self.plan(operation)
            spec.remaining -= 1
            if spec.remaining == 0:
                self.clear(pattern)
        rng = self.rng
        latency = spec.latency_ms / 1000.0
        if spec.latency_jitter_ms:
            latency += rng.random() * spec.latency_jitter_ms / 1000.0
        plan = FaultPlan(
            latency_s=latency,
            reset=_draw(rng, spec.reset_rate),
            throttle=_draw(rng, spec.throttle_rate),
            error_status=spec.error_status if _draw(rng, spec.error_rate) else None,
            truncate=_draw(rng, spec.truncate_rate),
            malformed=_draw(rng, spec.malformed_rate),
        )
        for kind in ("reset", "throttle", "truncate", "malformed"):
            if getattr(plan, kind):
                self.fired[f"{operation}:{kind}"] += 1
        if plan.error_status is not None:
            self.fired[f"{operation}:error"] += 1
        if latency:
            self.fired[f"{operation}:latency"] += 1
        return plan


def _draw(rng: random.Random, rate: float) -> bool:
    if rate <= 0.0:
        return False
    if rate >= 1.0:
        return True
    return rng.random() < rate


def malform(body: bytes) -> bytes:
    """A body that is not valid JSON (a cut-off document followed by junk)."""
    return body[: len(body) // 2] + b"\x00<!-- emulator: malformed -->"


def _server_cycle(scope: Scope) -> Any:
    raw_send = scope.get(RAW_SEND_KEY)
    cycle = getattr(raw_send, "__self__", None)
    if cycle is not None and hasattr(cycle, "transport") and hasattr(cycle, "disconnected"):
        return cycle
    return None


async def _wait_disconnected(cycle: Any) -> None:
    for _ in range(1000):
        if cycle.disconnected:
            return
        await asyncio.sleep(0.001)


async def drop_connection(scope: Scope) -> None:
    """Close the client's connection without a response (a connection reset)."""
    cycle = _server_cycle(scope)
    if cycle is None:
        raise EmulatedConnectionReset("Server disconnected without sending a response.")
    cycle.transport.abort()
    await _wait_disconnected(cycle)


async def send_truncated(scope: Scope, send: Send, start: Message, body: bytes) -> None:
    """Send headers announcing all of `body`, then half of it, then close the connection."""
    partial = body[: len(body) // 2]
    cycle = _server_cycle(scope)
    if cycle is None:
        raise EmulatedTruncatedBody(
            "peer closed connection without sending complete message body: "
            f"received {len(partial)} bytes, expected {len(body)}"
        )
    await send(start)
    await send({"type": "http.response.body", "body": partial, "more_body": True})
    cycle.transport.close()
    await _wait_disconnected(cycle)


async def truncate_stream(scope: Scope, send: Send, start: Message, chunks: Any) -> None:
    """Stream the first chunk of a streaming body, then close the connection."""
    cycle = _server_cycle(scope)
    if cycle is None:
        raise EmulatedTruncatedBody("peer closed connection without sending complete message body")
    await send(start)
    async for chunk in chunks:
        await send(
            {
                "type": "http.response.body",
                "body": chunk[: max(1, len(chunk) // 2)],
                "more_body": True,
            }
        )
        break
    cycle.transport.close()
    await _wait_disconnected(cycle)
