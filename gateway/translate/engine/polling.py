"""Bounded waits for asynchronous SP-API work inside one synchronous MWS call.

Some SP-API operations only start work and hand back an operation to poll (Fulfillment
Inbound 2024-03-20). An MWS client expects one answer per call, so the handler waits -- but
never longer than a :class:`Budget` (a deadline for the whole MWS call, shared by every step
of it), well inside the pipeline's own handler timeout and the clients' socket timeouts.
:func:`wait_for` polls with a growing interval (``first``, times ``factor``, at most
``longest``); the interval never drops below ``first``, which a section picks to stay inside
the status operation's usage plan. When the budget cannot fit another poll it returns
``None``: the caller answers what MWS answered in that situation (503 ServiceUnavailable, or a
status such as ``CONFIRMING``), having recorded how to resume.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Budget:
    """A deadline on a monotonic clock."""

    seconds: float
    clock: Callable[[], float] = time.monotonic
    deadline: float = field(init=False)

    def __post_init__(self) -> None:
        self.deadline = self.clock() + max(0.0, self.seconds)

    def remaining(self) -> float:
        return max(0.0, self.deadline - self.clock())


@dataclass(frozen=True)
class PollPlan:
    first: float = 0.5
    factor: float = 1.5
    longest: float = 2.0


async def wait_for(
    check: Callable[[], Awaitable[T | None]],
    budget: Budget,
    plan: PollPlan | None = None,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T | None:
    """``check()`` until it returns a value, or ``None`` once the budget runs out."""
    plan = plan or PollPlan()
    delay = max(plan.first, 0.0)
    while True:
        result = await check()
        if result is not None:
            return result
        if budget.remaining() < delay:
            return None
        await sleep(delay)
        delay = min(max(plan.longest, plan.first), delay * max(plan.factor, 1.0))
