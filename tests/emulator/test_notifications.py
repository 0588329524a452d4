"""The emulated Notifications v1: grantless destinations, seller subscriptions, SP-API's errors,
bodies valid against Amazon's model, and notification JSON published to moto's SQS."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, EmulatorConfig
from gateway.emulator.events import emit, notifications_state
from gateway.emulator.notifications import flush
from tests.emulator.helpers import get_lwa_token
from tests.emulator.modelcheck import validate_against_model, validate_request_body
from tests.support.sqs import SqsProbe, unique

pytestmark = pytest.mark.anyio

MODEL = "notifications.json"
SCOPE = "sellingpartnerapi::notifications"


async def grantless_token(client: httpx.AsyncClient, scope: str = SCOPE) -> str:
    form = {
        "grant_type": "client_credentials",
        "scope": scope,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
    }
    response = await client.post("/auth/o2/token", data=form)
    response.raise_for_status()
    return str(response.json()["access_token"])


@pytest.fixture
async def api(sqs_endpoint: str) -> AsyncIterator[tuple[httpx.AsyncClient, Any, dict[str, str]]]:
    app = create_emulator_app(EmulatorConfig(sqs_endpoint=sqs_endpoint, rate_mode="off"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        tokens = {"seller": await get_lwa_token(client), "app": await grantless_token(client)}
        yield client, app.state.emulator, tokens
    from gateway.emulator.notifications import close

    await close(app.state.emulator)


def auth(token: str) -> dict[str, str]:
    return {"x-amz-access-token": token}


async def test_destinations_are_grantless_and_model_shaped(api: Any) -> None:
    client, _state, tokens = api
    body = {
        "name": "gw",
        "resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:q"}},
    }
    validate_request_body(MODEL, "createDestination", body)
    seller_try = await client.post(
        "/notifications/v1/destinations", json=body, headers=auth(tokens["seller"])
    )
    assert seller_try.status_code == 403  # a seller token does not do for a grantless call
    created = await client.post(
        "/notifications/v1/destinations", json=body, headers=auth(tokens["app"])
    )
    assert created.status_code == 200
    validate_against_model(MODEL, "createDestination", 200, created.json())
    destination_id = created.json()["payload"]["destinationId"]
    again = await client.post(
        "/notifications/v1/destinations", json=body, headers=auth(tokens["app"])
    )
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "StateConflict"
    listed = await client.get("/notifications/v1/destinations", headers=auth(tokens["app"]))
    validate_against_model(MODEL, "getDestinations", 200, listed.json())
    assert [d["destinationId"] for d in listed.json()["payload"]] == [destination_id]
    one = await client.get(
        f"/notifications/v1/destinations/{destination_id}", headers=auth(tokens["app"])
    )
    validate_against_model(MODEL, "getDestination", 200, one.json())
    bad = await client.post(
        "/notifications/v1/destinations",
        headers=auth(tokens["app"]),
        json={"name": "x", "resourceSpecification": {"sqs": {"arn": "q"}}},
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "InvalidInput"
    gone = await client.delete(
        f"/notifications/v1/destinations/{destination_id}", headers=auth(tokens["app"])
    )
    assert gone.status_code == 200
    validate_against_model(MODEL, "deleteDestination", 200, gone.json())


async def test_subscriptions_follow_spapi(api: Any) -> None:
    client, _state, tokens = api
    arn = "arn:aws:sqs:us-east-1:123456789012:q2"
    dest = (
        await client.post(
            "/notifications/v1/destinations",
            headers=auth(tokens["app"]),
            json={"name": "gw", "resourceSpecification": {"sqs": {"arn": arn}}},
        )
    ).json()["payload"]["destinationId"]
    path = "/notifications/v1/subscriptions/ANY_OFFER_CHANGED"
    missing = await client.get(path, headers=auth(tokens["seller"]))
    assert missing.status_code == 404
    unknown = await client.post(
        path,
        headers=auth(tokens["seller"]),
        json={"payloadVersion": "1.0", "destinationId": "nope"},
    )
    assert unknown.status_code == 400
    assert "No destination with id nope" in unknown.json()["errors"][0]["details"]
    body = {"payloadVersion": "1.0", "destinationId": dest}
    validate_request_body(MODEL, "createSubscription", body)
    created = await client.post(path, headers=auth(tokens["seller"]), json=body)
    assert created.status_code == 200
    validate_against_model(MODEL, "createSubscription", 200, created.json())
    sub_id = created.json()["payload"]["subscriptionId"]
    twice = await client.post(path, headers=auth(tokens["seller"]), json=body)
    assert twice.status_code == 409
    got = await client.get(path, headers=auth(tokens["seller"]))
    validate_against_model(MODEL, "getSubscription", 200, got.json())
    assert got.json()["payload"] == {
        "subscriptionId": sub_id,
        "payloadVersion": "1.0",
        "destinationId": dest,
    }
    listed = await client.get(
        "/notifications/v1/subscriptions",
        params={"notificationTypes": "ANY_OFFER_CHANGED,FEE_PROMOTION"},
        headers=auth(tokens["seller"]),
    )
    validate_against_model(MODEL, "getSubscriptions", 200, listed.json())
    assert [s["subscriptionId"] for s in listed.json()["payload"]["subscriptions"]] == [sub_id]
    by_id = await client.get(f"{path}/{sub_id}", headers=auth(tokens["app"]))
    validate_against_model(MODEL, "getSubscriptionById", 200, by_id.json())
    brazil_only = await client.post(
        "/notifications/v1/subscriptions/FBA_OUTBOUND_SHIPMENT_STATUS",
        headers=auth(tokens["seller"]),
        json=body,
    )
    assert brazil_only.status_code == 400 and "Brazil" in brazil_only.json()["errors"][0]["message"]
    in_use = await client.delete(
        f"/notifications/v1/destinations/{dest}", headers=auth(tokens["app"])
    )
    assert in_use.status_code == 409
    deleted = await client.delete(f"{path}/{sub_id}", headers=auth(tokens["app"]))
    assert deleted.status_code == 200
    validate_against_model(MODEL, "deleteSubscriptionById", 200, deleted.json())
    assert (await client.get(path, headers=auth(tokens["seller"]))).status_code == 404


async def test_events_are_published_as_spapi_json(api: Any, probe: SqsProbe) -> None:
    client, state, tokens = api
    queue = probe.create(unique("dest"))
    arn = probe.client.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    dest = (
        await client.post(
            "/notifications/v1/destinations",
            headers=auth(tokens["app"]),
            json={"name": "gw", "resourceSpecification": {"sqs": {"arn": arn}}},
        )
    ).json()["payload"]["destinationId"]
    for ntype, version in (
        ("FEED_PROCESSING_FINISHED", "2020-09-04"),
        ("ANY_OFFER_CHANGED", "1.0"),
    ):
        answer = await client.post(
            f"/notifications/v1/subscriptions/{ntype}",
            headers=auth(tokens["seller"]),
            json={"payloadVersion": version, "destinationId": dest},
        )
        assert answer.status_code == 200
    seller = state.config.seller_id
    assert not emit(state, seller, "REPORT_PROCESSING_FINISHED", {"reportId": "1"})  # no sub
    feed = {"sellerId": seller, "feedId": "1", "feedType": "X", "processingStatus": "DONE"}
    assert emit(state, seller, "FEED_PROCESSING_FINISHED", feed)
    sku = next(
        s
        for s, item in state.data.listings.items()
        if int(item.get("quantity", 0)) > 0
        and item.get("condition") == "new_new"
        and item.get("marketplace_id") == "ATVPDKIKX0DER"
    )
    asin = state.data.listings[sku]["asin"]
    changed = await client.post("/_emulator/notifications/offer-change", json={"asin": asin})
    assert changed.json()["queued"] is True
    await flush(state)
    docs = [json.loads(m["Body"]) for m in probe.drain(queue, expect=2, timeout=5)]
    by_type = {d.get("notificationType") or d.get("NotificationType"): d for d in docs}
    camel = by_type["FEED_PROCESSING_FINISHED"]
    assert camel["payloadVersion"] == "2020-09-04"
    assert camel["payload"]["feedProcessingFinishedNotification"] == feed
    assert camel["notificationMetadata"]["applicationId"] == state.config.application_id
    pascal = by_type["ANY_OFFER_CHANGED"]
    trigger = pascal["Payload"]["AnyOfferChangedNotification"]["OfferChangeTrigger"]
    assert trigger["ASIN"] == asin
    assert pascal["NotificationMetadata"]["NotificationId"]
    assert [p["type"] for p in notifications_state(state).published] == [
        "FEED_PROCESSING_FINISHED",
        "ANY_OFFER_CHANGED",
    ]


async def test_jobs_notify_when_they_finish_or_change(api: Any, probe: SqsProbe) -> None:
    """A report finishing and a fulfillment order moving on, with nobody polling them."""
    from gateway.emulator.events import tick
    from tests.outbound.test_emulator import new_order

    client, state, tokens = api
    queue = probe.create(unique("jobs"))
    arn = probe.client.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    created = await client.post(
        "/notifications/v1/destinations",
        headers=auth(tokens["app"]),
        json={"name": "gw", "resourceSpecification": {"sqs": {"arn": arn}}},
    )
    dest = created.json()["payload"]["destinationId"]
    for ntype, version in (
        ("REPORT_PROCESSING_FINISHED", "2020-09-04"),
        ("FULFILLMENT_ORDER_STATUS", "1.0"),
    ):
        answer = await client.post(
            f"/notifications/v1/subscriptions/{ntype}",
            headers=auth(tokens["seller"]),
            json={"payloadVersion": version, "destinationId": dest},
        )
        assert answer.status_code == 200
    report = await client.post(
        "/reports/2021-06-30/reports",
        headers=auth(tokens["seller"]),
        json={"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": ["ATVPDKIKX0DER"]},
    )
    assert report.status_code == 202
    sku = sorted(state.data.inventory)[0]
    order = await client.post(
        "/fba/outbound/2020-07-01/fulfillmentOrders",
        headers=auth(tokens["seller"]),
        json=new_order("MCF-NOTE-1", sku),
    )
    assert order.status_code == 200
    state.clock.advance(61)  # the report is done; the order reaches Planning
    tick(state)
    await flush(state)
    docs = [json.loads(m["Body"]) for m in probe.drain(queue, expect=3, timeout=5)]
    reports = [d for d in docs if d.get("notificationType") == "REPORT_PROCESSING_FINISHED"]
    assert [r["payload"]["reportProcessingFinishedNotification"]["reportId"] for r in reports] == [
        report.json()["reportId"]
    ]
    statuses = [
        d["Payload"]["FulfillmentOrderStatusNotification"]["FulfillmentOrderStatus"]
        for d in docs
        if d.get("NotificationType") == "FULFILLMENT_ORDER_STATUS"
    ]
    assert sorted(statuses) == ["Planning", "Received"]  # created, then moved on by the clock
