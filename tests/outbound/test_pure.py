"""Pure translation: MWS parameters -> SP-API JSON, SP-API JSON -> MWS elements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.spapi.errors import MappedError, UpstreamClientError
from gateway.translate.engine.bodies import build_body, member_structs, member_values
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.outbound import (
    duplicate_error,
    get_order_children,
    list_children,
    list_query,
)
from tests.emulator.modelcheck import validate_definition
from tests.outbound.helpers import create_params

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
MODEL = "fulfillmentOutbound_2020-07-01.json"
SECTION = load_catalog(check_handlers=False).sections["FulfillmentOutboundShipment"]
TABLES = SECTION.tables
MAPS = FieldMaps(TABLES)


def spec(op: str) -> Any:
    return SECTION.operations[op].spec


def create(params: dict[str, str]) -> dict[str, Any]:
    return build_body(
        spec("CreateFulfillmentOrder"),
        params,
        TABLES,
        seller_marketplaces=["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"],
        now=NOW,
    )


def test_official_member_encoding_builds_a_model_valid_body() -> None:
    params = create_params("O-1", "SKU-1")
    params["CODSettings.IsCODRequired"] = "true"
    params["CODSettings.CODCharge.CurrencyCode"] = "JPY"
    params["CODSettings.CODCharge.Value"] = "300"
    params["MarketplaceId"] = "ATVPDKIKX0DER"
    body = create(params)
    assert body["sellerFulfillmentOrderId"] == "O-1"
    assert body["marketplaceId"] == "ATVPDKIKX0DER"
    assert body["displayableOrderDate"] == "2026-11-20T10:00:00.000Z"
    assert body["destinationAddress"] == {
        "name": "Ada Lovelace",
        "addressLine1": "12 Analytical Row",
        "city": "Portland",
        "stateOrRegion": "OR",
        "countryCode": "US",
        "postalCode": "97201",
    }
    assert body["items"] == [
        {
            "sellerSku": "SKU-1",
            "sellerFulfillmentOrderItemId": "O-1-A",
            "quantity": 2,
            "giftMessage": "Enjoy",
            "perUnitDeclaredValue": {"currencyCode": "USD", "value": "12.50"},
        }
    ]
    assert body["notificationEmails"] == ["ada@example.com", "ops@example.com"]
    assert body["codSettings"] == {
        "isCodRequired": True,
        "codCharge": {"currencyCode": "JPY", "value": "300"},
    }
    validate_definition(MODEL, "CreateFulfillmentOrderRequest", body)


def test_boto_plain_index_encoding_is_accepted() -> None:
    official = create(create_params("O-2", "SKU-9"))
    boto = create(create_params("O-2", "SKU-9", boto_items=True))
    assert boto == official


def test_boto_email_list_without_member_and_mixed_items_refused() -> None:
    params = {"NotificationEmailList.1": "a@x.com", "NotificationEmailList.2": "b@x.com"}
    assert member_values(params, "NotificationEmailList") == ["a@x.com", "b@x.com"]
    mixed = {"Items.member.1.SellerSKU": "A", "Items.2.SellerSKU": "B"}
    with pytest.raises(MwsError) as caught:
        member_structs(mixed, "Items")
    assert caught.value.code == "InvalidParameterValue"


@pytest.mark.parametrize(
    ("change", "code", "words"),
    [
        ({"Items.member.1.Quantity": "two"}, "InvalidParameterValue", "Items.member.1.Quantity"),
        ({"Items.member.1.SellerSKU": ""}, "MissingParameter", "Items.member.1.SellerSKU"),
        ({"DestinationAddress.Name": ""}, "MissingParameter", "DestinationAddress.Name"),
        ({"ShippingSpeedCategory": "Fast"}, "InvalidParameterValue", "ShippingSpeedCategory"),
        ({"FulfillmentAction": "Later"}, "InvalidParameterValue", "FulfillmentAction"),
        ({"SellerFulfillmentOrderId": "x" * 41}, "InvalidParameterValue", "40 characters"),
        ({"DisplayableOrderDateTime": "yesterday"}, "InvalidParameterValue", "ISO 8601"),
        ({"MarketplaceId": "A1F83G8C2ARO7P"}, "InvalidParameterValue", "not registered"),
        (
            {"Items.member.1.PerUnitDeclaredValue.Value": ""},
            "InvalidParameterValue",
            "CurrencyCode and Value",
        ),
    ],
)
def test_create_parameter_errors(change: dict[str, str], code: str, words: str) -> None:
    params = create_params("O-3", "SKU-1")
    params.update(change)
    with pytest.raises(MwsError) as caught:
        create(params)
    assert caught.value.code == code
    assert words in (caught.value.message or "")


def test_missing_items_and_address() -> None:
    params = {k: v for k, v in create_params("O-4", "S").items() if not k.startswith("Items")}
    with pytest.raises(MwsError) as caught:
        create(params)
    assert caught.value.code == "MissingParameter"
    assert "Items.member.N" in (caught.value.message or "")
    params = {k: v for k, v in create_params("O-4", "S").items() if not k.startswith("Destination")}
    with pytest.raises(MwsError) as caught:
        create(params)
    assert "DestinationAddress" in (caught.value.message or "")


def test_list_query_defaults_to_36_hours() -> None:
    query = list_query(
        spec("ListAllFulfillmentOrders"), {}, TABLES, seller_marketplaces=[], now=NOW
    )
    assert query == {"queryStartDate": "2026-11-22T00:00:00.000Z"}
    given = list_query(
        spec("ListAllFulfillmentOrders"),
        {"QueryStartDateTime": "2026-11-01T00:00:00Z", "FulfillmentMethod.member.1": "Consumer"},
        TABLES,
        seller_marketplaces=[],
        now=NOW,
    )
    assert given == {"queryStartDate": "2026-11-01T00:00:00.000Z"}


ORDER: dict[str, Any] = {
    "sellerFulfillmentOrderId": "O-9",
    "marketplaceId": "ATVPDKIKX0DER",
    "displayableOrderId": "D-9",
    "displayableOrderDate": "2026-11-20T10:00:00Z",
    "displayableOrderComment": "hi",
    "shippingSpeedCategory": "Standard",
    "destinationAddress": {
        "name": "N",
        "addressLine1": "L1",
        "stateOrRegion": "WA",
        "countryCode": "US",
        "postalCode": "98109",
        "phone": "555",
    },
    "fulfillmentAction": "Ship",
    "fulfillmentPolicy": "FillOrKill",
    "codSettings": {"isCodRequired": False, "codCharge": {"currencyCode": "JPY", "value": "3"}},
    "receivedDate": "2026-11-20T10:05:00Z",
    "fulfillmentOrderStatus": "New",
    "statusUpdatedDate": "2026-11-20T10:06:00+00:00",
    "notificationEmails": ["a@x.com"],
}


def test_order_elements_in_mws_order_and_names() -> None:
    validate_definition(MODEL, "FulfillmentOrder", ORDER)
    payload = {
        "fulfillmentOrder": ORDER,
        "fulfillmentOrderItems": [
            {
                "sellerSku": "S",
                "sellerFulfillmentOrderItemId": "I",
                "quantity": 3,
                "cancelledQuantity": 1,
                "unfulfillableQuantity": 0,
                "perUnitPrice": {"currencyCode": "USD", "value": "9.5"},
            }
        ],
        "fulfillmentShipments": [],
        "returnItems": [],
        "returnAuthorizations": [],
    }
    validate_definition(MODEL, "GetFulfillmentOrderResult", payload)
    children = get_order_children(payload, MAPS, TABLES)
    assert [c[0] for c in children] == [
        "FulfillmentOrder",
        "FulfillmentOrderItem",
        "FulfillmentShipment",
        "ReturnItemList",
        "ReturnAuthorizationList",
    ]
    order = dict(children[0][1])  # type: ignore[arg-type]
    assert [c[0] for c in children[0][1]] == [  # type: ignore[union-attr]
        "SellerFulfillmentOrderId",
        "MarketplaceId",
        "DisplayableOrderId",
        "DisplayableOrderDateTime",
        "DisplayableOrderComment",
        "ShippingSpeedCategory",
        "DestinationAddress",
        "FulfillmentAction",
        "FulfillmentPolicy",
        "CODSettings",
        "ReceivedDateTime",
        "FulfillmentOrderStatus",
        "StatusUpdatedDateTime",
        "NotificationEmailList",
    ]
    assert order["FulfillmentOrderStatus"] == "RECEIVED"  # SP-API New
    assert order["StatusUpdatedDateTime"] == "2026-11-20T10:06:00Z"
    assert order["DestinationAddress"] == [
        ("Name", "N"),
        ("Line1", "L1"),
        ("StateOrProvinceCode", "WA"),
        ("CountryCode", "US"),
        ("PostalCode", "98109"),
        ("PhoneNumber", "555"),
    ]
    assert order["CODSettings"] == [
        ("IsCODRequired", "false"),
        ("CODCharge", [("CurrencyCode", "JPY"), ("Value", "3")]),
    ]
    item = children[1][1][0][1]  # type: ignore[index]
    assert item == [
        ("SellerSKU", "S"),
        ("SellerFulfillmentOrderItemId", "I"),
        ("Quantity", "3"),
        ("CancelledQuantity", "1"),
        ("UnfulfillableQuantity", "0"),
        ("PerUnitPrice", [("CurrencyCode", "USD"), ("Value", "9.5")]),
    ]


@pytest.mark.parametrize(
    ("sp", "mws"),
    [
        ("Received", "RECEIVED"),
        ("Planning", "PLANNING"),
        ("Processing", "PROCESSING"),
        ("Cancelled", "CANCELLED"),
        ("Complete", "COMPLETE"),
        ("CompletePartialled", "COMPLETE_PARTIALLED"),
        ("Unfulfillable", "UNFULFILLABLE"),
        ("Invalid", "INVALID"),
    ],
)
def test_statuses(sp: str, mws: str) -> None:
    children = list_children([{**ORDER, "fulfillmentOrderStatus": sp}], MAPS, TABLES, "tok")
    assert children[0] == ("NextToken", "tok")
    member = dict(children[1][1][0][1])  # type: ignore[index, arg-type]
    assert member["FulfillmentOrderStatus"] == mws


def _upstream(status: int, message: str) -> UpstreamClientError:
    mapped = MappedError("InvalidParameterValue", 400, "Sender", None)
    return UpstreamClientError(
        mapped, http_status=status, spapi_code="InvalidInput", message=message
    )


def test_duplicate_rejection_is_recognised() -> None:
    dup = duplicate_error(
        _upstream(400, "Duplicate request: order O-1 already exists."),
        spec("CreateFulfillmentOrder"),
        "O-1",
    )
    assert dup is not None and dup.code == "InvalidParameterValue"
    assert (
        dup.message
        == "Value O-1 for parameter SellerFulfillmentOrderId is invalid. Reason: Duplicate."
    )
    other = _upstream(400, "the SellerSKU for Item Id: X is invalid.")
    assert duplicate_error(other, spec("CreateFulfillmentOrder"), "O-1") is None


def test_returns_render_and_validate() -> None:
    from gateway.mws.render import render_success
    from tests.support.xmlcheck import assert_valid_mws_xml, find_text

    address = ORDER["destinationAddress"]
    payload = {
        "fulfillmentOrder": ORDER,
        "fulfillmentOrderItems": [],
        "returnItems": [
            {
                "sellerReturnItemId": "R-1",
                "sellerFulfillmentOrderItemId": "I",
                "amazonShipmentId": "T1",
                "sellerReturnReasonCode": "CR-DEFECTIVE",
                "status": "Processed",
                "statusChangedDate": "2026-11-21T08:00:00Z",
                "returnReceivedCondition": "Sellable",
                "returnAuthorizationId": "RA-1",
            }
        ],
        "returnAuthorizations": [
            {
                "returnAuthorizationId": "RA-1",
                "fulfillmentCenterId": "SEA8",
                "returnToAddress": address,
                "amazonRmaId": "DXxxx",
                "rmaPageURL": "https://example.com/rma",
            }
        ],
    }
    validate_definition(MODEL, "GetFulfillmentOrderResult", payload)
    children = get_order_children(payload, MAPS, TABLES)
    body = render_success("GetFulfillmentOrder", SECTION.versions[0].namespace, "req-1", children)
    root = assert_valid_mws_xml(body)
    result = "GetFulfillmentOrderResult"
    assert find_text(root, f"{result}/ReturnItemList/member/SellerReturnItemId") == "R-1"
    assert find_text(root, f"{result}/ReturnItemList/member/ReturnReceivedCondition") == "Sellable"
    assert find_text(root, f"{result}/ReturnItemList/member/StatusChangedDate") == (
        "2026-11-21T08:00:00Z"
    )
    auth = f"{result}/ReturnAuthorizationList/member"
    assert find_text(root, f"{auth}/ReturnToAddress/StateOrProvinceCode") == "WA"
    assert find_text(root, f"{auth}/RmaPageURL") == "https://example.com/rma"
