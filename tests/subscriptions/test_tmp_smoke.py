import pytest
pytestmark = pytest.mark.anyio
from tests.subscriptions.conftest import SUBS, destination, subscription
from tests.support.sqs import unique

async def test_smoke(subs, probe):
    url = probe.create(unique("legacy"))
    base = {"MarketplaceId": "ATVPDKIKX0DER"}
    r = await subs.call(*SUBS and SUBS[0:1] and SUBS[0], "RegisterDestination", SUBS[1], {**base, **destination(url)}) if False else None
    r = await subs.call(SUBS[0], "RegisterDestination", SUBS[1], {**base, **destination(url)})
    print(r.status_code, r.text)
    r = await subs.call(SUBS[0], "CreateSubscription", SUBS[1], {**base, **subscription(url, "AnyOfferChanged")})
    print(r.status_code, r.text)
    r = await subs.call(SUBS[0], "ListSubscriptions", SUBS[1], base)
    print(r.status_code, r.text)
    r = await subs.call(SUBS[0], "GetSubscription", SUBS[1], {**base, "NotificationType": "AnyOfferChanged", **destination(url)})
    print(r.status_code, r.text)
    r = await subs.call(SUBS[0], "UpdateSubscription", SUBS[1], {**base, **subscription(url, "AnyOfferChanged", False)})
    print(r.status_code, r.text)
    r = await subs.call(SUBS[0], "DeleteSubscription", SUBS[1], {**base, "NotificationType": "AnyOfferChanged", **destination(url)})
    print(r.status_code, r.text)
    r = await subs.call(SUBS[0], "SendTestNotificationToDestination", SUBS[1], {**base, **destination(url)})
    print(r.status_code, r.text)
    print(probe.drain(url, expect=1, timeout=3))
    r = await subs.call(SUBS[0], "DeregisterDestination", SUBS[1], {**base, **destination(url)})
    print(r.status_code, r.text)
    print(subs.emulator.counters()["calls"])
