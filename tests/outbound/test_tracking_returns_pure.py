"""Pure translation of UpdateFulfillmentOrder, GetPackageTrackingDetails, ListReturnReasonCodes
and CreateFulfillmentReturn: MWS parameters -> SP-API JSON/query, SP-API JSON -> MWS elements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.mws.render import render_success
from gateway.translate.engine.bodies import build_body
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.params import parse_params
from gateway.translate.outbound import (
    reason_codes_children,
    return_children,
    tracking_children,
    update_is_idempotent,
)
from tests.emulator.modelcheck import load_model, validate_definition, validate_request_body
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MODEL = "fulfillmentOutbound_2020-07-01.json"
NS = "http://mws.amazonaws.com/FulfillmentOutboundShipment/2010-10-01/"
SECTION = load_catalog(check_handlers=False).sections["FulfillmentOutboundShipment"]
TABLES = SECTION.tables
MAPS = FieldMaps(TABLES)
SELLER = ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")


def spec(op: str) -> Any:
    return SECTION.operations[op].spec


def body_of(op: str, params: dict[str, str]) -> dict[str, Any]:
    return build_body(spec(op), params, TABLES, seller_marketplaces=SELLER, now=NOW)


def query_of(op: str, params: dict[str, str]) -> dict[str, str]:
    s = spec(op)
    parsed = parse_params(
        s["params"],
        s.get("rules") or [],
        params,
        enums=TABLES["enums"],
        patterns=TABLES["patterns"],
        seller_marketplaces=SELLER,
        now=NOW,
    )
    return parsed.upstream


def rendered(action: str, children: list[Any]) -> Any:
    return assert_valid_mws_xml(render_success(action, NS, "req-1", children))


def model_enum(name: str) -> list[str]:
    values: list[str] = load_model(MODEL)["definitions"][name]["enum"]
    return values


# ------------------------------------------------------------------ UpdateFulfillmentOrder


def test_update_body_has_only_what_mws_allowed_and_fits_the_model() -> None:
    params = {
        "SellerFulfillmentOrderId": "H-1",
        "FulfillmentAction": "Ship",
        "DisplayableOrderComment": "Updated",
        "ShippingSpeedCategory": "Priority",
        "DestinationAddress.Name": "Ada",
        "DestinationAddress.Line1": "1 Row",
        "DestinationAddress.StateOrProvinceCode": "OR",
        "DestinationAddress.CountryCode": "US",
        "DestinationAddress.PostalCode": "97201",
        "Items.member.1.SellerFulfillmentOrderItemId": "H-1-A",
        "Items.member.1.Quantity": "1",
        "Items.member.1.GiftMessage": "Hi",
        "Items.member.1.SellerSKU": "IGNORED",  # not an UpdateFulfillmentOrderItem field
        "NotificationEmailList.member.1": "a@example.com",
        "CODSettings.IsCODRequired": "true",  # not an UpdateFulfillmentOrder parameter
    }
    body = body_of("UpdateFulfillmentOrder", params)
    assert body == {
        "fulfillmentAction": "Ship",
        "displayableOrderComment": "Updated",
        "shippingSpeedCategory": "Priority",
        "destinationAddress": {
            "name": "Ada",
            "addressLine1": "1 Row",
            "stateOrRegion": "OR",
            "countryCode": "US",
            "postalCode": "97201",
        },
        "items": [{"sellerFulfillmentOrderItemId": "H-1-A", "quantity": 1, "giftMessage": "Hi"}],
        "notificationEmails": ["a@example.com"],
    }
    validate_request_body(MODEL, "updateFulfillmentOrder", body)


def test_update_refuses_what_mws_refused() -> None:
    base = {"SellerFulfillmentOrderId": "H-1"}
    with pytest.raises(MwsError) as caught:
        body_of("UpdateFulfillmentOrder", {})
    assert caught.value.code == "MissingParameter"
    for bad in (
        {"FulfillmentAction": "Later"},
        {"ShippingSpeedCategory": "Warp"},
        {"DisplayableOrderId": "x" * 41},
        {"Items.member.1.SellerFulfillmentOrderItemId": "A", "Items.member.1.Quantity": "two"},
        {"DisplayableOrderDateTime": "yesterday"},
    ):
        with pytest.raises(MwsError) as caught:
            body_of("UpdateFulfillmentOrder", {**base, **bad})
        assert caught.value.code == "InvalidParameterValue", bad
    with pytest.raises(MwsError) as caught:
        body_of("UpdateFulfillmentOrder", {**base, "Items.member.1.Quantity": "1"})
    assert caught.value.code == "MissingParameter"
    assert "SellerFulfillmentOrderItemId" in str(caught.value.message)
    too_many = {f"Items.member.{n}.SellerFulfillmentOrderItemId": f"i{n}" for n in range(1, 252)}
    too_many.update({f"Items.member.{n}.Quantity": "1" for n in range(1, 252)})
    with pytest.raises(MwsError) as caught:
        body_of("UpdateFulfillmentOrder", {**base, **too_many})
    assert caught.value.code == "InvalidParameterValue"


def test_an_update_that_ships_is_not_retried() -> None:
    op = spec("UpdateFulfillmentOrder")
    assert update_is_idempotent(op, {"SellerFulfillmentOrderId": "H-1"})
    assert update_is_idempotent(
        op, {"SellerFulfillmentOrderId": "H-1", "FulfillmentAction": "Hold"}
    )
    assert not update_is_idempotent(
        op, {"SellerFulfillmentOrderId": "H-1", "FulfillmentAction": "Ship"}
    )


# ------------------------------------------------------------------ GetPackageTrackingDetails

TRACKING: dict[str, Any] = {
    "packageNumber": 123456789,
    "trackingNumber": "1Z999AA10000001",
    "customerTrackingLink": "https://www.swiship.com/track?id=1Z",
    "carrierCode": "UPS",
    "carrierPhoneNumber": "1-800-742-5877",
    "carrierURL": "https://www.ups.com/",
    "shipDate": "2026-11-20T10:00:00Z",
    "estimatedArrivalDate": "2026-11-23T10:00:00+01:00",
    "shipToAddress": {"city": "Portland", "state": "OR", "country": "US"},
    "currentStatus": "OUT_FOR_DELIVERY",
    "currentStatusDescription": "Out for delivery.",
    "signedForBy": "FRONT DESK",
    "additionalLocationInfo": "FRONT_DESK",
    "trackingEvents": [
        {
            "eventDate": "2026-11-22T08:00:00Z",
            "eventAddress": {"city": "Portland", "state": "OR", "country": "US"},
            "eventCode": "EVENT_801",
            "eventDescription": "Package delivered to locker.",
        },
        {
            "eventDate": "2026-11-20T10:00:00Z",
            "eventAddress": {"city": "Seattle", "state": "WA", "country": "US"},
            "eventCode": "EVENT_102",
            "eventDescription": "Picked up.",
        },
    ],
}


def test_tracking_tree_in_mws_order_with_mws_enum_values() -> None:
    validate_definition(MODEL, "PackageTrackingDetails", TRACKING)
    children = tracking_children(TRACKING, MAPS)
    assert [c[0] for c in children] == [
        "PackageNumber",
        "TrackingNumber",
        "CarrierCode",
        "CarrierPhoneNumber",
        "CarrierURL",
        "ShipDate",
        "EstimatedArrivalDate",
        "ShipToAddress",
        "CurrentStatus",
        "SignedForBy",
        "AdditionalLocationInfo",
        "TrackingEvents",
    ]
    root = rendered("GetPackageTrackingDetails", children)
    result = root[0]
    assert find_text(result, "CurrentStatus") == "IN_TRANSIT"  # OUT_FOR_DELIVERY: no MWS value
    assert find_text(result, "EstimatedArrivalDate") == "2026-11-23T09:00:00Z"
    assert find_text(result, "ShipToAddress/State") == "OR"
    events = next(e for e in result if strip_ns(e.tag) == "TrackingEvents")
    codes = [find_text(e, "EventCode") for e in events]
    assert codes == ["EVENT_308", "EVENT_102"]  # the locker delivery read as available
    assert [find_text(e, "EventAddress/City") for e in events] == ["Portland", "Seattle"]


def test_every_sp_api_tracking_value_has_an_mws_answer() -> None:
    """Each value of the model's enums maps onto the MWS enumeration the XSD allows."""
    for enum, table in (
        ("CurrentStatus", "tracking_status"),
        ("EventCode", "event_code"),
        ("AdditionalLocationInfo", "location_info"),
    ):
        mws_values = set(TABLES["enums"][table])
        for value in model_enum(enum):
            answer = MAPS.to_mws[table].get(value)
            assert answer in mws_values, (enum, value)
    for value in model_enum("CurrentStatus"):
        package = {**TRACKING, "currentStatus": value, "trackingEvents": []}
        rendered("GetPackageTrackingDetails", tracking_children(package, MAPS))


def test_tracking_without_events_keeps_an_empty_list() -> None:
    children = tracking_children({"packageNumber": 7}, MAPS)
    assert children == [("PackageNumber", "7"), ("TrackingEvents", [])]
    rendered("GetPackageTrackingDetails", children)


def test_package_number_is_an_int32() -> None:
    assert query_of("GetPackageTrackingDetails", {"PackageNumber": "42343"}) == {
        "packageNumber": "42343"
    }
    for bad in ("0", "-1", "2147483648", "12a"):
        with pytest.raises(MwsError) as caught:
            query_of("GetPackageTrackingDetails", {"PackageNumber": bad})
        assert caught.value.code == "InvalidParameterValue", bad
    with pytest.raises(MwsError) as caught:
        query_of("GetPackageTrackingDetails", {})
    assert caught.value.code == "MissingParameter"


# ------------------------------------------------------------------ ListReturnReasonCodes


def test_reason_code_query_and_rules() -> None:
    assert query_of(
        "ListReturnReasonCodes",
        {"SellerSKU": "DV-001", "MarketplaceId": "A2EUQ1WTGCTBG2", "Language": "fr_CA"},
    ) == {"sellerSku": "DV-001", "marketplaceId": "A2EUQ1WTGCTBG2", "language": "fr_CA"}
    assert query_of(
        "ListReturnReasonCodes", {"SellerSKU": "DV-001", "SellerFulfillmentOrderId": "O-1"}
    ) == {"sellerSku": "DV-001", "sellerFulfillmentOrderId": "O-1"}
    with pytest.raises(MwsError) as caught:
        query_of("ListReturnReasonCodes", {"SellerSKU": "DV-001"})
    assert caught.value.code == "MissingParameter"
    assert "MarketplaceId or SellerFulfillmentOrderId" in str(caught.value.message)
    with pytest.raises(MwsError) as caught:
        query_of("ListReturnReasonCodes", {"MarketplaceId": "ATVPDKIKX0DER"})
    assert caught.value.code == "MissingParameter"
    for bad in (
        {"MarketplaceId": "A1PA6795UKMFR9"},  # a marketplace the seller is not in
        {"MarketplaceId": "NOT-A-MARKET"},
        {"MarketplaceId": "ATVPDKIKX0DER", "Language": "French"},
    ):
        with pytest.raises(MwsError) as caught:
            query_of("ListReturnReasonCodes", {"SellerSKU": "DV-001", **bad})
        assert caught.value.code == "InvalidParameterValue", bad


def test_reason_codes_tree() -> None:
    payload = {
        "reasonCodeDetails": [
            {"returnReasonCode": "CR-DEFECTIVE", "description": "Defective"},
            {
                "returnReasonCode": "CR-UNWANTED_ITEM",
                "description": "Unwanted",
                "translatedDescription": "Non désiré",
            },
        ]
    }
    validate_definition(MODEL, "ListReturnReasonCodesResult", payload)
    root = rendered("ListReturnReasonCodes", reason_codes_children(payload, MAPS))
    members = list(root[0][0])
    assert [find_text(m, "ReturnReasonCode") for m in members] == [
        "CR-DEFECTIVE",
        "CR-UNWANTED_ITEM",
    ]
    assert find_text(members[0], "TranslatedDescription") is None
    assert find_text(members[1], "TranslatedDescription") == "Non désiré"
    empty = reason_codes_children({}, MAPS)
    assert empty == [("ReasonCodeDetailsList", [])]
    rendered("ListReturnReasonCodes", empty)


# ------------------------------------------------------------------ CreateFulfillmentReturn


def return_params(n: int = 1) -> dict[str, str]:
    params = {"SellerFulfillmentOrderId": "O-1"}
    for i in range(1, n + 1):
        params.update(
            {
                f"Items.member.{i}.SellerReturnItemId": f"R-{i}",
                f"Items.member.{i}.SellerFulfillmentOrderItemId": "O-1-A",
                f"Items.member.{i}.AmazonShipmentId": "T00000001",
                f"Items.member.{i}.ReturnReasonCode": "CR-DEFECTIVE",
            }
        )
    return params


def test_return_body_fits_the_model() -> None:
    params = return_params(2)
    params["Items.member.2.ReturnComment"] = "Did not like the color"
    body = body_of("CreateFulfillmentReturn", params)
    assert body == {
        "items": [
            {
                "sellerReturnItemId": "R-1",
                "sellerFulfillmentOrderItemId": "O-1-A",
                "amazonShipmentId": "T00000001",
                "returnReasonCode": "CR-DEFECTIVE",
            },
            {
                "sellerReturnItemId": "R-2",
                "sellerFulfillmentOrderItemId": "O-1-A",
                "amazonShipmentId": "T00000001",
                "returnReasonCode": "CR-DEFECTIVE",
                "returnComment": "Did not like the color",
            },
        ]
    }
    validate_request_body(MODEL, "createFulfillmentReturn", body)
    # boto's flattener spells the list Items.N.Field
    boto = {k.replace("Items.member.", "Items."): v for k, v in return_params(1).items()}
    assert body_of("CreateFulfillmentReturn", boto)["items"] == body["items"][:1]


def test_return_refuses_missing_long_and_too_many() -> None:
    with pytest.raises(MwsError) as caught:
        body_of("CreateFulfillmentReturn", {"SellerFulfillmentOrderId": "O-1"})
    assert caught.value.code == "MissingParameter"
    params = return_params(1)
    del params["Items.member.1.AmazonShipmentId"]
    with pytest.raises(MwsError) as caught:
        body_of("CreateFulfillmentReturn", params)
    assert caught.value.code == "MissingParameter"
    assert "Items.member.1.AmazonShipmentId" in str(caught.value.message)
    params = return_params(1)
    params["Items.member.1.SellerReturnItemId"] = "x" * 81
    with pytest.raises(MwsError) as caught:
        body_of("CreateFulfillmentReturn", params)
    assert caught.value.code == "InvalidParameterValue"
    with pytest.raises(MwsError) as caught:
        body_of("CreateFulfillmentReturn", return_params(251))
    assert caught.value.code == "InvalidParameterValue"
    assert "at most 250" in str(caught.value.message)


def test_return_tree_has_the_three_lists() -> None:
    payload = {
        "returnItems": [
            {
                "sellerReturnItemId": "R-1",
                "sellerFulfillmentOrderItemId": "O-1-A",
                "amazonShipmentId": "T00000001",
                "sellerReturnReasonCode": "CR-DEFECTIVE",
                "status": "New",
                "statusChangedDate": "2026-11-23T12:00:00Z",
                "returnAuthorizationId": "RA-1",
            }
        ],
        "invalidReturnItems": [
            {
                "sellerReturnItemId": "R-2",
                "sellerFulfillmentOrderItemId": "O-1-B",
                "invalidItemReason": {
                    "invalidItemReasonCode": "DuplicateRequest",
                    "description": "Duplicate.",
                },
            }
        ],
        "returnAuthorizations": [
            {
                "returnAuthorizationId": "RA-1",
                "fulfillmentCenterId": "SEA8",
                "returnToAddress": {
                    "name": "Amazon SEA8",
                    "addressLine1": "1 Way",
                    "countryCode": "US",
                    "postalCode": "98032",
                },
                "amazonRmaId": "D1",
                "rmaPageURL": "https://example.com/ra",
            }
        ],
    }
    validate_definition(MODEL, "CreateFulfillmentReturnResult", payload)
    children = return_children(payload, MAPS)
    root = rendered("CreateFulfillmentReturn", children)
    result = root[0]
    assert [strip_ns(c.tag) for c in result] == [
        "ReturnItemList",
        "InvalidReturnItemList",
        "ReturnAuthorizationList",
    ]
    assert find_text(result, "ReturnItemList/member/SellerReturnReasonCode") == "CR-DEFECTIVE"
    assert (
        find_text(result, "InvalidReturnItemList/member/InvalidItemReason/InvalidItemReasonCode")
        == "DuplicateRequest"
    )
    assert find_text(result, "ReturnAuthorizationList/member/ReturnToAddress/Name") == (
        "Amazon SEA8"
    )
    none = return_children({}, MAPS)
    assert [c[0] for c in none] == [
        "ReturnItemList",
        "InvalidReturnItemList",
        "ReturnAuthorizationList",
    ]
    assert all(c[1] == [] for c in none)
    rendered("CreateFulfillmentReturn", none)
