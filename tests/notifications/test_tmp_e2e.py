import xml.etree.ElementTree as ET
from functools import partial
import anyio, httpx, pytest
from gateway.schemas import notification_schema
from tests.feeds.samples import envelope, price
from tests.feeds.test_app_feeds import submit, submission_id
from tests.subscriptions.conftest import SUBS, destination, subscription, notification_settings
from tests.support.gateway import demo_settings, running_gateway
from tests.support.sqs import unique

pytestmark = pytest.mark.anyio

async def test_e2e(tmp_path, sqs_endpoint, probe):
    settings = demo_settings(tmp_path, notifications=notification_settings(sqs_endpoint, in_process=True, wait_seconds=1))
    async with running_gateway(settings) as mws:
        url = probe.create(unique("legacy"))
        base = {"MarketplaceId": "ATVPDKIKX0DER"}
        for action, params in [("RegisterDestination", destination(url)), ("CreateSubscription", subscription(url, "FeedProcessingFinished")), ("CreateSubscription", subscription(url, "AnyOfferChanged"))]:
            r = await mws.call(SUBS[0], action, SUBS[1], {**base, **params})
            assert r.status_code == 200, r.text
        emu = mws.emulator
        sku = sorted(s for s, l in emu.data.listings.items() if l.get("marketplace_id") == "ATVPDKIKX0DER" and int(l.get("quantity",0))>0 and l.get("condition")=="new_new")[0]
        asin = emu.data.listings[sku]["asin"]
        root = await submit(mws, "_POST_PRODUCT_PRICING_DATA_", envelope("Price", price(1, sku, "19.99")))
        fid = submission_id(root)
        transport = httpx.ASGITransport(app=mws.app.state.emulator_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emu") as admin:
            r = await admin.post("/_emulator/notifications/offer-change", json={"asin": asin, "price": 18.5})
            print(r.status_code, r.text[:300])
        got = await anyio.to_thread.run_sync(partial(probe.drain, url, expect=2, timeout=20))
        for m in got:
            print(m["Body"][:600])
            notification_schema().validate(m["Body"])
        print("fid", fid, "asin", asin)
        print(mws.app.state.bridge.handled)
