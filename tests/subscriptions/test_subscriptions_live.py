"""Real legacy clients drive the Subscriptions section of a live gateway (uvicorn, 127.0.0.1).

boto 2.49's ``MWSConnection`` has every Subscriptions call; python-amazon-mws 0.8.15 has none
(its ``MWS`` base class would need a hand-written subclass, which no legacy program had). The
ScaleLeap npm client (``@scaleleap/amazon-mws-api-sdk``) is not in the npm registry reachable
here; ``amazon-mws`` 0.0.27, whose ``subscriptions`` resource sends any Subscriptions action,
stands in for the Node side.
"""

from __future__ import annotations

import collections
import collections.abc
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from boto.mws.connection import MWSConnection

from gateway.app import create_app
from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.events import notifications_state
from tests.subscriptions.conftest import notification_settings
from tests.support.gateway import demo_settings
from tests.support.live import LiveServer, serve_in_thread
from tests.support.npm import NodeMws
from tests.support.sqs import SqsProbe, unique
from tests.support.xmlcheck import assert_valid_mws_xml

# boto 2.49.0 flattens Destination/Subscription with collections.Mapping/Iterable, which
# Python 3.10 removed; the aliases are restored for this test module only.
collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]

pytestmark = pytest.mark.live

US = "ATVPDKIKX0DER"


@pytest.fixture
def live(tmp_path: Path, sqs_endpoint: str) -> Iterator[LiveServer]:
    settings = demo_settings(tmp_path, notifications=notification_settings(sqs_endpoint))
    with serve_in_thread(create_app(settings)) as server:
        yield server


def upstream_types(server: LiveServer) -> set[str]:
    ns = notifications_state(server.app.state.emulator_app.state.emulator)
    return {ntype for (_seller, ntype) in ns.subscriptions}


def boto(server: LiveServer) -> MWSConnection:
    return MWSConnection(
        DEMO_ACCESS_KEY,
        DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=server.port,
        is_secure=False,
    )


def test_boto_registers_subscribes_updates_and_deletes(live: LiveServer, probe: SqsProbe) -> None:
    url = probe.create(unique("boto"))
    conn = boto(live)
    dest = {"DeliveryChannel": "SQS", "AttributeList": [{"Key": "sqsQueueUrl", "Value": url}]}
    conn.register_destination(MarketplaceId=US, Destination=dest)
    listed = conn.list_registered_destinations(MarketplaceId=US)
    [registered] = listed.ListRegisteredDestinationsResult.DestinationList
    assert registered.DeliveryChannel == "SQS"
    [attribute] = registered.AttributeList
    assert (attribute.Key, attribute.Value) == ("sqsQueueUrl", url)

    for ntype in ("FeedProcessingFinished", "AnyOfferChanged"):
        conn.create_subscription(
            MarketplaceId=US,
            Subscription={"NotificationType": ntype, "Destination": dest, "IsEnabled": True},
        )
    assert upstream_types(live) == {"FEED_PROCESSING_FINISHED", "ANY_OFFER_CHANGED"}
    got = conn.get_subscription(
        MarketplaceId=US, NotificationType="AnyOfferChanged", Destination=dest
    ).GetSubscriptionResult.Subscription
    assert (got.NotificationType, got.IsEnabled) == ("AnyOfferChanged", "true")
    assert got.Destination.AttributeList[0].Value == url
    members = conn.list_subscriptions(MarketplaceId=US).ListSubscriptionsResult.SubscriptionList
    assert sorted((m.NotificationType, m.IsEnabled) for m in members) == [
        ("AnyOfferChanged", "true"),
        ("FeedProcessingFinished", "true"),
    ]

    conn.update_subscription(
        MarketplaceId=US,
        Subscription={
            "NotificationType": "AnyOfferChanged",
            "Destination": dest,
            "IsEnabled": False,
        },
    )
    got = conn.get_subscription(
        MarketplaceId=US, NotificationType="AnyOfferChanged", Destination=dest
    ).GetSubscriptionResult.Subscription
    assert got.IsEnabled == "false"
    assert upstream_types(live) == {"FEED_PROCESSING_FINISHED"}

    conn.send_test_notification_to_destination(MarketplaceId=US, Destination=dest)
    [test] = probe.drain(url, expect=1, timeout=5)
    assert "<NotificationType>Test</NotificationType>" in test["Body"]

    for ntype in ("FeedProcessingFinished", "AnyOfferChanged"):
        conn.delete_subscription(MarketplaceId=US, NotificationType=ntype, Destination=dest)
    assert upstream_types(live) == set()
    assert conn.list_subscriptions(MarketplaceId=US).ListSubscriptionsResult.SubscriptionList == []
    conn.deregister_destination(MarketplaceId=US, Destination=dest)
    destinations = conn.list_registered_destinations(MarketplaceId=US)
    assert destinations.ListRegisteredDestinationsResult.DestinationList == []


def xml(answer: dict[str, Any]) -> ET.Element:
    assert answer["ok"], answer
    return assert_valid_mws_xml(str(answer["response"]).encode())


def text(node: ET.Element, path: str) -> str | None:
    found = node.find(path)
    return None if found is None else found.text


def test_node_amazon_mws_client(live: LiveServer, probe: SqsProbe, npm_clients: None) -> None:
    """amazon-mws 0.0.27: every call through its ``subscriptions`` resource. Its own XML-to-JSON
    step cannot take answers holding a ``<Value>`` element (its xml2js ``charkey`` is 'Value':
    "obj[charkey].match is not a function", with MWS's own answers as much as here), which every
    Get/List answer of this section has (AttributeList members); those reads use the client's
    documented XML response format, and the test reads the XML."""
    url = probe.create(unique("node"))
    client = NodeMws("127.0.0.1", live.port, DEMO_ACCESS_KEY, DEMO_SECRET)
    base = {"Version": "2013-07-01", "SellerId": DEMO_SELLER, "MarketplaceId": US}

    def dest(prefix: str) -> dict[str, str]:
        return {
            f"{prefix}.DeliveryChannel": "SQS",
            f"{prefix}.AttributeList.member.1.Key": "sqsQueueUrl",
            f"{prefix}.AttributeList.member.1.Value": url,
        }

    def sub(enabled: bool) -> dict[str, str]:
        return {
            "Subscription.NotificationType": "ReportProcessingFinished",
            "Subscription.IsEnabled": "true" if enabled else "false",
            **dest("Subscription.Destination"),
        }

    keyed = {"NotificationType": "ReportProcessingFinished", **dest("Destination")}

    def run(action: str, params: dict[str, str], **kw: Any) -> dict[str, Any]:
        return client.call("subscriptions", {**base, "Action": action, **params}, **kw)

    def read(action: str, params: dict[str, str]) -> ET.Element:
        return xml(run(action, params, response_format="XML"))

    registered = run("RegisterDestination", dest("Destination"), method="create")
    assert registered["ok"] and registered["response"]["ResponseMetadata"]["RequestId"]
    listed = read("ListRegisteredDestinations", {})
    assert (
        text(listed, ".//{*}DestinationList/{*}member/{*}AttributeList/{*}member/{*}Value") == url
    )
    assert run("CreateSubscription", sub(True), method="create")["ok"]
    assert upstream_types(live) == {"REPORT_PROCESSING_FINISHED"}
    got = read("GetSubscription", keyed).find(".//{*}Subscription")
    assert got is not None
    assert text(got, "{*}NotificationType") == "ReportProcessingFinished"
    assert text(got, "{*}IsEnabled") == "true"
    assert text(got, ".//{*}AttributeList/{*}member/{*}Value") == url
    member = read("ListSubscriptions", {}).find(".//{*}SubscriptionList/{*}member")
    assert member is not None
    assert (text(member, "{*}NotificationType"), text(member, "{*}IsEnabled")) == (
        "ReportProcessingFinished",
        "true",
    )
    assert run("UpdateSubscription", sub(False), method="create")["ok"]
    assert text(read("GetSubscription", keyed), ".//{*}Subscription/{*}IsEnabled") == "false"
    assert upstream_types(live) == set()
    assert run("DeleteSubscription", keyed, method="remove")["ok"]
    assert read("ListSubscriptions", {}).find(".//{*}SubscriptionList/{*}member") is None
    assert run("DeregisterDestination", dest("Destination"), method="remove")["ok"]
    again = run("DeleteSubscription", keyed, method="remove")
    assert not again["ok"]
    assert (again["error"]["code"], again["error"]["status"]) == ("InvalidInputFatalException", 400)
