"""The Subscriptions section through the app (ASGI) against the emulator and moto's SQS."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.catalog import load_catalog
from gateway.emulator.events import notifications_state
from gateway.schemas import notification_schema
from tests.subscriptions.conftest import SUBS, destination, subscription
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.sqs import SqsProbe, unique
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

pytestmark = pytest.mark.anyio

US, CA = {"MarketplaceId": "ATVPDKIKX0DER"}, {"MarketplaceId": "A2EUQ1WTGCTBG2"}
ERRORS = load_catalog(check_handlers=False).errors
MUTATING = {
    "RegisterDestination",
    "DeregisterDestination",
    "SendTestNotificationToDestination",
    "CreateSubscription",
    "DeleteSubscription",
    "UpdateSubscription",
}


async def call(mws: MwsClient, action: str, params: dict[str, str]) -> httpx.Response:
    return await mws.call(SUBS[0], action, SUBS[1], params)


async def ok(mws: MwsClient, action: str, params: dict[str, str]) -> ET.Element:
    response = await call(mws, action, params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/xml"
    return assert_valid_mws_xml(response.content, declaration=action not in MUTATING)


async def refused(mws: MwsClient, action: str, params: dict[str, str], code: str) -> str:
    response = await call(mws, action, params)
    root = assert_valid_mws_xml(response.content)
    assert find_text(root, "Error/Code") == code, response.text
    assert response.status_code == ERRORS[code].status
    assert find_text(root, "Error/Type") == ERRORS[code].type
    return find_text(root, "Error/Message") or ""


def keyed(url: str, ntype: str) -> dict[str, str]:
    """GetSubscription / DeleteSubscription parameters (US marketplace)."""
    return {**US, "NotificationType": ntype, **destination(url)}


def subscriptions_of(root: ET.Element) -> list[tuple[str, str, str]]:
    out = []
    for member in root.iter():
        if strip_ns(member.tag) != "member" or find_text(member, "NotificationType") is None:
            continue
        url = find_text(member, "Destination/AttributeList/member/Value")
        out.append((find_text(member, "NotificationType"), url, find_text(member, "IsEnabled")))
    return sorted(out)  # type: ignore[arg-type]


def upstream(mws: MwsClient) -> dict[str, Any]:
    """The emulated SP-API's subscriptions: notificationType -> subscription."""
    ns = notifications_state(mws.emulator)
    return {ntype: sub for (_seller, ntype), sub in ns.subscriptions.items()}


async def test_destination_and_subscription_lifecycle(subs: MwsClient, probe: SqsProbe) -> None:
    url = probe.create(unique("legacy"))
    await ok(subs, "RegisterDestination", {**US, **destination(url)})
    listed = await ok(subs, "ListRegisteredDestinations", US)
    values = [
        find_text(m, "AttributeList/member/Value")
        for m in listed.iter()
        if strip_ns(m.tag) == "member" and find_text(m, "DeliveryChannel") == "SQS"
    ]
    assert values == [url]
    assert (
        find_text(
            listed,
            "ListRegisteredDestinationsResult/DestinationList/member/AttributeList/member/Key",
        )
        == "sqsQueueUrl"
    )
    # the SP-API destination is the source queue, registered with a grantless token
    ns = notifications_state(subs.emulator)
    [dest] = ns.destinations.values()
    assert dest["resource"]["sqs"]["arn"].endswith(
        ":" + str(dest["resource"]["sqs"]["arn"]).split(":")[-1]
    )
    assert "sp-source-" in dest["resource"]["sqs"]["arn"]
    grantless = [t for t in subs.emulator.tokens._tokens.values() if t.kind == "grantless"]
    assert [t.scope for t in grantless] == ["sellingpartnerapi::notifications"]

    await ok(subs, "CreateSubscription", {**US, **subscription(url, "AnyOfferChanged")})
    await ok(subs, "CreateSubscription", {**US, **subscription(url, "FeedProcessingFinished")})
    assert sorted(upstream(subs)) == ["ANY_OFFER_CHANGED", "FEED_PROCESSING_FINISHED"]
    assert upstream(subs)["FEED_PROCESSING_FINISHED"]["payloadVersion"] == "2020-09-04"
    assert upstream(subs)["ANY_OFFER_CHANGED"]["destinationId"] == dest["destinationId"]

    got = await ok(subs, "GetSubscription", keyed(url, "AnyOfferChanged"))
    sub = got.find("./{*}GetSubscriptionResult/{*}Subscription")
    assert sub is not None
    assert [strip_ns(c.tag) for c in sub] == ["NotificationType", "Destination", "IsEnabled"]
    assert find_text(sub, "IsEnabled") == "true"
    listed = await ok(subs, "ListSubscriptions", US)
    assert subscriptions_of(listed) == [
        ("AnyOfferChanged", url, "true"),
        ("FeedProcessingFinished", url, "true"),
    ]
    assert subscriptions_of(await ok(subs, "ListSubscriptions", CA)) == []

    # IsEnabled=false: kept, but SP-API's subscription goes (nothing else wants the type)
    await ok(subs, "UpdateSubscription", {**US, **subscription(url, "AnyOfferChanged", False)})
    assert "ANY_OFFER_CHANGED" not in upstream(subs)
    assert ("AnyOfferChanged", url, "false") in subscriptions_of(
        await ok(subs, "ListSubscriptions", US)
    )
    await ok(subs, "UpdateSubscription", {**US, **subscription(url, "AnyOfferChanged", True)})
    assert "ANY_OFFER_CHANGED" in upstream(subs)

    await ok(subs, "DeleteSubscription", keyed(url, "AnyOfferChanged"))
    await ok(subs, "DeleteSubscription", keyed(url, "FeedProcessingFinished"))
    assert upstream(subs) == {}
    assert subscriptions_of(await ok(subs, "ListSubscriptions", US)) == []
    await ok(subs, "DeregisterDestination", {**US, **destination(url)})
    listed = await ok(subs, "ListRegisteredDestinations", US)
    assert find_text(listed, "ListRegisteredDestinationsResult/DestinationList/member") is None


async def test_one_spapi_subscription_serves_many_legacy_queues(
    subs: MwsClient, probe: SqsProbe
) -> None:
    a, b = probe.create(unique("a")), probe.create(unique("b"))
    for url in (a, b):
        await ok(subs, "RegisterDestination", {**US, **destination(url)})
        await ok(
            subs, "CreateSubscription", {**US, **subscription(url, "ReportProcessingFinished")}
        )
    first = upstream(subs)["REPORT_PROCESSING_FINISHED"]["subscriptionId"]
    await ok(subs, "DeleteSubscription", keyed(a, "ReportProcessingFinished"))
    assert upstream(subs)["REPORT_PROCESSING_FINISHED"]["subscriptionId"] == first  # b wants it
    await ok(subs, "DeleteSubscription", keyed(b, "ReportProcessingFinished"))
    assert "REPORT_PROCESSING_FINISHED" not in upstream(subs)
    # one grantless token served every grantless call (cached like the refresh token)
    assert subs.emulator.calls["lwa.token"] == 2


async def test_send_test_notification_puts_mws_xml_on_the_queue(
    subs: MwsClient, probe: SqsProbe
) -> None:
    url = probe.create(unique("legacy"))
    await refused(
        subs,
        "SendTestNotificationToDestination",
        {**US, **destination(url)},
        "InvalidInputFatalException",
    )
    await ok(subs, "RegisterDestination", {**US, **destination(url)})
    await ok(subs, "SendTestNotificationToDestination", {**US, **destination(url)})
    [message] = probe.drain(url, expect=1, timeout=5)
    notification_schema().validate(message["Body"])
    root = ET.fromstring(message["Body"])
    assert root.findtext("NotificationMetaData/NotificationType") == "Test"
    assert root.findtext("NotificationMetaData/SellerId") == "A1EXAMPLESELLER"
    assert root.find("NotificationPayload/TestNotification") is not None


async def test_bad_input_gets_mws_errors(subs: MwsClient, probe: SqsProbe) -> None:
    url = probe.create(unique("legacy"))
    message = await refused(
        subs,
        "RegisterDestination",
        {**US, **destination("https://sqs.us-east-1.amazonaws.com/12/q")},
        "InvalidParameterValue",
    )
    assert "12-digit" in message
    message = await refused(
        subs,
        "RegisterDestination",
        {**US, **destination("https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo")},
        "InvalidParameterValue",
    )
    assert "FIFO" in message
    bad_channel = {**destination(url), "Destination.DeliveryChannel": "SNS"}
    await refused(subs, "RegisterDestination", {**US, **bad_channel}, "InvalidParameterValue")
    await refused(subs, "RegisterDestination", US, "MissingParameter")
    await refused(subs, "RegisterDestination", destination(url), "MissingParameter")
    await refused(
        subs,
        "RegisterDestination",
        {"MarketplaceId": "A1F83G8C2ARO7P", **destination(url)},
        "InvalidParameterValue",
    )
    missing = url.rsplit("/", 1)[0] + "/" + unique("nowhere")
    message = await refused(
        subs, "RegisterDestination", {**US, **destination(missing)}, "DependencyFatalException"
    )
    assert "does not exist" in message
    # not registered yet
    message = await refused(
        subs,
        "CreateSubscription",
        {**US, **subscription(url, "AnyOfferChanged")},
        "InvalidInputFatalException",
    )
    assert "has not been registered" in message
    await ok(subs, "RegisterDestination", {**US, **destination(url)})
    message = await refused(
        subs, "RegisterDestination", {**US, **destination(url)}, "InvalidInputFatalException"
    )
    assert "already been registered" in message
    message = await refused(
        subs,
        "CreateSubscription",
        {**US, **subscription(url, "OrderChange")},
        "InvalidParameterValue",
    )
    assert "AnyOfferChanged" in message
    bad = {**subscription(url, "AnyOfferChanged"), "Subscription.IsEnabled": "yes"}
    await refused(subs, "CreateSubscription", {**US, **bad}, "InvalidParameterValue")
    # a type the seller cannot receive here: FBAOutboundShipmentStatus is Brazil-only
    message = await refused(
        subs,
        "CreateSubscription",
        {**US, **subscription(url, "FBAOutboundShipmentStatus")},
        "InvalidInputFatalException",
    )
    assert "A2Q3Y263D00KWC" in message
    await ok(subs, "CreateSubscription", {**US, **subscription(url, "AnyOfferChanged")})
    message = await refused(
        subs,
        "CreateSubscription",
        {**US, **subscription(url, "AnyOfferChanged")},
        "InvalidInputFatalException",
    )
    assert "already exists" in message
    message = await refused(
        subs, "DeregisterDestination", {**US, **destination(url)}, "InvalidInputFatalException"
    )
    assert "still has Subscriptions" in message
    message = await refused(
        subs, "GetSubscription", keyed(url, "FeePromotion"), "InvalidInputFatalException"
    )
    assert "has not been created" in message
    await refused(
        subs,
        "UpdateSubscription",
        {**US, **subscription(url, "FeePromotion")},
        "InvalidInputFatalException",
    )
    await refused(
        subs, "DeleteSubscription", keyed(url, "FeePromotion"), "InvalidInputFatalException"
    )


async def test_update_is_all_or_nothing(subs: MwsClient, probe: SqsProbe) -> None:
    url = probe.create(unique("legacy"))
    await ok(subs, "RegisterDestination", {**US, **destination(url)})
    await ok(subs, "CreateSubscription", {**US, **subscription(url, "FeePromotion", False)})
    assert "FEE_PROMOTION" not in upstream(subs)
    # SP-API refuses the subscription the update needs: the old one stays as it was
    subs.emulator.faults.update_from_json(
        {"notifications.createSubscription": {"error_rate": 1, "error_status": 503}}
    )
    response = await call(subs, "UpdateSubscription", {**US, **subscription(url, "FeePromotion")})
    assert response.status_code == 503
    assert "Nothing was changed" in (
        find_text(ET.fromstring(response.content), "Error/Message") or ""
    )
    subs.emulator.faults.clear(None)
    got = await ok(subs, "GetSubscription", keyed(url, "FeePromotion"))
    assert find_text(got, "GetSubscriptionResult/Subscription/IsEnabled") == "false"
    assert "FEE_PROMOTION" not in upstream(subs)
    await ok(subs, "UpdateSubscription", {**US, **subscription(url, "FeePromotion")})
    assert "FEE_PROMOTION" in upstream(subs)


async def test_without_notifications_configured_the_calls_say_so(tmp_path: Path) -> None:
    async with running_gateway(demo_settings(tmp_path)) as mws:
        url = "https://sqs.us-east-1.amazonaws.com/123456789012/legacy"
        message = await refused(
            mws, "RegisterDestination", {**US, **destination(url)}, "UnsupportedOperation"
        )
        assert "source_queue_url" in message
        status = await mws.call(SUBS[0], "GetServiceStatus", SUBS[1], {})
        assert find_text(assert_valid_mws_xml(status.content), "GetServiceStatusResult/Status")
