"""The Subscriptions section's pure parts against MWS's own recorded exchanges."""

from __future__ import annotations

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.mws.render import render_success
from gateway.notifications.registry import Subscription
from gateway.notifications.render import NotificationTables
from gateway.schemas import schema_for
from gateway.translate.subscriptions import (
    check_available,
    parse_destination,
    parse_enabled,
    parse_type,
    subscription_children,
)
from tests.support.recordings import Exchange, load_exchanges

NS = "http://mws.amazonservices.com/schema/Subscriptions/2013-07-01"
CATALOG = load_catalog()
SECTION = CATALOG.sections["Subscriptions"]
TABLES = NotificationTables.from_catalog(CATALOG)


def recorded() -> list[Exchange]:
    found = [
        ex for ex in load_exchanges() if ex.path_section == "Subscriptions" and ex.status == 200
    ]
    assert {ex.action for ex in found} >= {
        "RegisterDestination", "CreateSubscription", "DeleteSubscription", "DeregisterDestination",
    }  # fmt: skip
    return found


@pytest.mark.parametrize("ex", recorded(), ids=lambda ex: str(ex.action))
def test_the_xsd_takes_what_mws_sent(ex: Exchange) -> None:
    schema_for(NS, ("Subscriptions",)).validate(ex.body)


@pytest.mark.parametrize(
    "ex", [e for e in recorded() if e.action != "GetServiceStatus"], ids=lambda ex: str(ex.action)
)
def test_mutating_answers_are_shaped_like_the_recordings(ex: Exchange) -> None:
    """No XML declaration and an empty Result, as the real answers (request ids aside)."""
    assert SECTION.operations[str(ex.action)].spec["xml_declaration"] is False
    ours = render_success(str(ex.action), NS, "rid", [], declaration=False).decode()
    assert ours.startswith(f'<{ex.action}Response xmlns="{NS}">')
    assert ex.body.startswith(f'<{ex.action}Response xmlns="{NS}">')
    squeeze = "".join(ex.body.split())
    rid = squeeze.split("<RequestId>")[1].split("</RequestId>")[0]
    assert "".join(ours.split()) == squeeze.replace(rid, "rid")


@pytest.mark.parametrize("ex", recorded(), ids=lambda ex: str(ex.action))
def test_recorded_requests_parse(ex: Exchange) -> None:
    params = ex.params
    if ex.action in ("RegisterDestination", "DeregisterDestination", "DeleteSubscription"):
        url = parse_destination(params, "Destination", SECTION.tables, "us-east-1")
        assert url == "https://sqs.us-east-1.amazonaws.com/304786922662/mws-sub-testw"
    if ex.action == "CreateSubscription":
        prefix = "Subscription.Destination"
        assert parse_destination(params, prefix, SECTION.tables, "us-east-1").endswith("testw")
        ntype = params["Subscription.NotificationType"]
        assert parse_type(ntype, "Subscription.NotificationType", TABLES) == "AnyOfferChanged"
        assert parse_enabled(params["Subscription.IsEnabled"], "Subscription.IsEnabled") is True


def test_boto_spelling_without_member_is_read_too() -> None:
    params = {
        "Destination.DeliveryChannel": "SQS",
        "Destination.AttributeList.1.Key": "sqsQueueUrl",
        "Destination.AttributeList.1.Value": "https://sqs.eu-west-1.amazonaws.com/123456789012/q",
    }
    assert parse_destination(params, "Destination", SECTION.tables, "eu-west-1").endswith("/q")


@pytest.mark.parametrize(
    ("params", "code", "words"),
    [
        ({}, "MissingParameter", "Destination.DeliveryChannel"),
        ({"Destination.DeliveryChannel": "SQS"}, "MissingParameter", "AttributeList"),
        (
            {
                "Destination.DeliveryChannel": "SQS",
                "Destination.AttributeList.member.1.Key": "topicArn",
                "Destination.AttributeList.member.1.Value": "x",
            },
            "InvalidParameterValue",
            "takes sqsQueueUrl",
        ),
        (
            {
                "Destination.DeliveryChannel": "SQS",
                "Destination.AttributeList.member.1.Key": "sqsQueueUrl",
                "Destination.AttributeList.member.1.Value": "https://example.com/queue",
            },
            "InvalidParameterValue",
            "path is /<account id>/<queue name>",
        ),
    ],
)
def test_destination_errors(params: dict[str, str], code: str, words: str) -> None:
    with pytest.raises(MwsError) as caught:
        parse_destination(params, "Destination", SECTION.tables, "us-east-1")
    assert caught.value.code == code
    assert words in (caught.value.message or "")


def test_types_and_availability() -> None:
    assert set(TABLES.types) == {
        "AnyOfferChanged", "FeedProcessingFinished", "ReportProcessingFinished",
        "FulfillmentOrderStatus", "FBAOutboundShipmentStatus", "FeePromotion",
    }  # fmt: skip
    assert {t: TABLES.spapi_type(t) for t in TABLES.types}["AnyOfferChanged"] == (
        "ANY_OFFER_CHANGED"
    )
    with pytest.raises(MwsError, match="Invalid NotificationType"):
        parse_type("OrderChange", "NotificationType", TABLES)
    with pytest.raises(MwsError, match="expected true or false"):
        parse_enabled("1", "Subscription.IsEnabled")
    check_available(TABLES, "FBAOutboundShipmentStatus", "A2Q3Y263D00KWC")
    with pytest.raises(MwsError) as caught:
        check_available(TABLES, "FBAOutboundShipmentStatus", "ATVPDKIKX0DER")
    assert caught.value.code == "InvalidInputFatalException"


def test_subscription_in_the_official_library_order() -> None:
    sub = Subscription("ATVPDKIKX0DER", "AnyOfferChanged", "https://q/123456789012/x", False)
    kids = subscription_children(sub, SECTION.tables)
    assert [k[0] for k in kids] == ["NotificationType", "Destination", "IsEnabled"]
    assert kids[2] == ("IsEnabled", "false")
