"""The notification registry on both durable stores (SQLite and the real PostgreSQL)."""

from __future__ import annotations

import pytest

from gateway.notifications.registry import Registry, Subscription, Upstream
from gateway.state.base import Store
from tests.state.conftest import FakeClock

pytestmark = [pytest.mark.anyio, pytest.mark.services]

SELLER = "A1SELLER"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
A = "https://sqs.us-east-1.amazonaws.com/123456789012/a"
B = "https://sqs.us-east-1.amazonaws.com/123456789012/b"


async def test_destinations_subscriptions_and_targets(store: Store) -> None:
    registry = Registry(store)
    assert await registry.add_destination(SELLER, US, A)
    assert not await registry.add_destination(SELLER, US, A.replace("sqs.", "SQS."))  # same queue
    assert await registry.add_destination(SELLER, CA, A)  # per marketplace, as MWS kept them
    await registry.put_subscription(SELLER, Subscription(US, "AnyOfferChanged", A, True))
    await registry.put_subscription(SELLER, Subscription(CA, "AnyOfferChanged", A, True))
    await registry.put_subscription(SELLER, Subscription(US, "AnyOfferChanged", B, False))
    assert await registry.targets(SELLER, "AnyOfferChanged") == [A]  # once, though twice
    assert await registry.targets(SELLER, "AnyOfferChanged", [CA]) == [A]
    assert await registry.targets(SELLER, "FeePromotion") == []
    assert await registry.targets("OTHER", "AnyOfferChanged") == []
    got = await registry.subscription(SELLER, US, "AnyOfferChanged", B)
    assert got == Subscription(US, "AnyOfferChanged", B, False)
    assert [d.marketplace for d in await registry.destinations(SELLER)] == [CA, US]
    assert await registry.delete_subscription(SELLER, Subscription(US, "AnyOfferChanged", B, False))
    assert await registry.remove_destination(SELLER, CA, A)
    assert [d.marketplace for d in await registry.destinations(SELLER)] == [US]


async def test_spapi_side_and_deliveries(store: Store, clock: FakeClock) -> None:
    registry = Registry(store, clock=clock)
    await registry.put_app_destination("na", "dest-1", "arn:aws:sqs:us-east-1:123456789012:src")
    assert await registry.app_destination("na") == (
        "dest-1",
        "arn:aws:sqs:us-east-1:123456789012:src",
    )
    assert await registry.app_destination("eu") is None
    await registry.put_upstream(SELLER, "na", "ANY_OFFER_CHANGED", Upstream("s-1", "dest-1", "1.0"))
    assert await registry.upstream(SELLER, "na", "ANY_OFFER_CHANGED") == Upstream(
        "s-1", "dest-1", "1.0"
    )
    await registry.mark_delivered(SELLER, "n-1", A)
    assert await registry.delivered_to(SELLER, "n-1", [A, B]) == {A}
    assert not await registry.is_done(SELLER, "n-1")
    await registry.mark_done(SELLER, "n-1", 2)
    assert await registry.is_done(SELLER, "n-1")
    clock.advance(days=15)
    await registry.mark_done(SELLER, "n-2", 1)  # recent: kept
    assert await registry.prune(SELLER, keep_days=14) == 2
    assert not await registry.is_done(SELLER, "n-1")
    assert await registry.is_done(SELLER, "n-2")
