"""Durable intents: multi-call work that a client's retry resumes instead of repeating.

An intent is one JSON record in the durable store, keyed by an idempotency key the caller
derives from the request (seller + canonical request, or whatever makes two calls "the same
call"). It is written *before* the first upstream effect and updated after each step, so a
retry after a lost answer, a crash or a store outage finds where the work stopped.

One call at a time works on an intent: the worker holds a *lease* (renewed by every save).
A second call for the same key while the lease runs waits a little for the first to finish,
then answers ``ServiceUnavailable`` (legacy clients retry it). Once a lease has expired (its
holder died or gave up), the next call takes the intent over; taking over is atomic across
replicas (``put_if_absent`` on a lease record of the next attempt number). A lease held by a
call of this same process that has already ended (it failed while the store was down, so it
could not give the lease back) is taken over at once: only other replicas' leases are waited out.

States: ``open`` (being worked on) and ``done`` (finished: ``data`` holds what to answer).
An open intent may be *answered* already (:meth:`Intents.answer`): the client has its answer
and the rest of the work goes on in the background; a retry gets that answer at once. What
the steps record in between is the caller's.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gateway.mws.errors import MwsError
from gateway.state.base import BackendUnavailable, Store

OPEN = "open"
DONE = "done"

HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this process
_WORKING: set[tuple[str, str, str]] = set()  # (kind, seller, key) this process works on now


@dataclass
class Intent:
    key: str
    data: dict[str, Any]
    new: bool  # created by this call (False: resumed, or found done)

    @property
    def done(self) -> bool:
        return self.data.get("state") == DONE

    @property
    def answered(self) -> bool:
        """Done, or answered with the rest of the work in the background."""
        return self.done or bool(self.data.get("answered"))


class Intents:
    """The intents of one kind for one seller."""

    def __init__(
        self,
        store: Store,
        kind: str,
        seller_id: str,
        *,
        lease_seconds: float = 60.0,
        wait_seconds: float = 5.0,
        poll_seconds: float = 0.1,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.kind = kind
        self.seller_id = seller_id
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.clock = clock

    async def claim(self, key: str, initial: Mapping[str, Any]) -> Intent:
        """The intent ``key``: new, taken over from a holder whose lease ran out, or done."""
        deadline = time.monotonic() + self.wait_seconds
        while True:
            now = self.clock()
            lease = now + self.lease_seconds
            fresh = {**initial, "state": OPEN, "attempt": 1, "lease": lease, "holder": HOLDER}
            record, new = await self.store.put_if_absent(self.kind, self.seller_id, key, fresh)
            if new:
                return self._working(Intent(key, dict(record.data), True))
            data = dict(record.data)
            if data.get("state") == DONE or data.get("answered"):
                return Intent(key, data, False)
            if float(data.get("lease", 0)) <= now or self._abandoned_here(key, data):
                attempt = int(data.get("attempt", 1)) + 1
                _, won = await self.store.put_if_absent(
                    f"{self.kind}.lease", self.seller_id, f"{key}#{attempt}", {"at": now}
                )
                if won:
                    data.update(attempt=attempt, lease=lease, holder=HOLDER)
                    await self.store.put(self.kind, self.seller_id, key, data)
                    return self._working(Intent(key, data, False))
            if time.monotonic() > deadline:
                raise MwsError(
                    "ServiceUnavailable",
                    "The same request is being processed right now; retry in a few seconds.",
                )
            await asyncio.sleep(self.poll_seconds)

    def _working(self, intent: Intent) -> Intent:
        _WORKING.add((self.kind, self.seller_id, intent.key))
        return intent

    def _abandoned_here(self, key: str, data: Mapping[str, Any]) -> bool:
        return data.get("holder") == HOLDER and (self.kind, self.seller_id, key) not in _WORKING

    async def save(self, intent: Intent, **changes: Any) -> None:
        """Record progress durably (and renew the lease) before the next upstream effect."""
        intent.data.update(changes)
        intent.data["lease"] = self.clock() + self.lease_seconds
        await self.store.put(self.kind, self.seller_id, intent.key, intent.data)

    async def answer(self, intent: Intent, **answer: Any) -> None:
        """Record the client's answer; the work goes on (the caller keeps the lease)."""
        await self.save(intent, answered=True, **answer)

    async def finish(self, intent: Intent, **answer: Any) -> None:
        intent.data.update(answer)
        intent.data["state"] = DONE
        intent.data.pop("lease", None)
        await self.store.put(self.kind, self.seller_id, intent.key, intent.data)
        _WORKING.discard((self.kind, self.seller_id, intent.key))

    async def release(self, intent: Intent) -> None:
        """Give the lease up after a failure, so the client's retry resumes at once.

        Best effort: when the store itself is what failed, the lease simply runs out."""
        _WORKING.discard((self.kind, self.seller_id, intent.key))
        if intent.answered:
            return
        intent.data["lease"] = 0
        with contextlib.suppress(BackendUnavailable):
            await self.store.put(self.kind, self.seller_id, intent.key, intent.data)
