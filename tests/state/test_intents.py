"""Durable intents on the real stores (SQLite and PostgreSQL): one worker at a time, a lease
that a retry waits out or takes over, and a finished intent answered as it is."""

from __future__ import annotations

import pytest

from gateway.mws.errors import MwsError
from gateway.translate.engine import intents as module
from gateway.translate.engine.intents import Intents
from tests.state.conftest import StoreFactory

pytestmark = [pytest.mark.anyio, pytest.mark.services]


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def replica(store: object, clock: Clock) -> Intents:
    return Intents(store, "test.intent", "A1", lease_seconds=30, wait_seconds=0.3, clock=clock)  # type: ignore[arg-type]


async def test_claim_wait_takeover_and_finish(store_factory: StoreFactory) -> None:
    clock = Clock()
    first_store, second_store = store_factory(), store_factory()
    await first_store.open()
    await second_store.open()
    try:
        one, two = replica(first_store, clock), replica(second_store, clock)
        mine = await one.claim("k", {"what": "feed"})
        assert mine.new and mine.data["what"] == "feed" and mine.data["attempt"] == 1
        # another replica's lease is running: the second call waits a little, then 503s
        other = dict(mine.data, holder="another-pod")
        await first_store.put("test.intent", "A1", "k", other)
        with pytest.raises(MwsError) as refused:
            await two.claim("k", {"what": "feed"})
        assert refused.value.code == "ServiceUnavailable"
        # the lease runs out: taken over, exactly once across replicas
        clock.now += 31
        taken = await two.claim("k", {"what": "feed"})
        assert not taken.new and taken.data["attempt"] == 2 and taken.data["what"] == "feed"
        await two.save(taken, step="uploaded")
        with pytest.raises(MwsError):
            await one.claim("k", {})
        await two.finish(taken, id="4711")
        done = await one.claim("k", {})
        assert done.done and done.data["id"] == "4711" and done.data["step"] == "uploaded"
    finally:
        await first_store.close()
        await second_store.close()


async def test_lease_of_an_ended_call_of_this_process_is_taken_over_at_once(
    store_factory: StoreFactory,
) -> None:
    """A call that failed while the store was down could not give its lease back."""
    clock = Clock()
    store = store_factory()
    await store.open()
    try:
        intents = replica(store, clock)
        first = await intents.claim("k", {})
        assert ("test.intent", "A1", "k") in module._WORKING
        module._WORKING.discard(("test.intent", "A1", "k"))  # the call ended, lease not released
        again = await intents.claim("k", {})
        assert again.data["attempt"] == first.data["attempt"] + 1
        await intents.release(again)
        after_release = await intents.claim("k", {})
        assert after_release.data["attempt"] == 3
    finally:
        await store.close()
