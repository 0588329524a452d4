"""Pure translation: MWS parameters -> SP-API JSON, SP-API JSON -> MWS elements."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.structures import build_body
from gateway.translate.merchant.handlers import (
    eligible_children,
    seller_inputs_children,
    shipment_children,
)
from tests.emulator.modelcheck import validate_definition
from tests.mfn.helpers import details_params

MODEL = "merchantFulfillmentV0.json"
SECTION = load_catalog(check_handlers=False).sections["MerchantFulfillment"]
TABLES = SECTION.tables
MAPS = FieldMaps(TABLES)
ORDER: dict[str, Any] = {
    "orderId": "111-2223334-5556667",
    "orderItems": [
        {"orderItemId": "11111111111111", "quantityOrdered": 2},
        {"orderItemId": "22222222222222", "quantityOrdered": 1},
    ],
}
P = "ShipmentRequestDetails"


def body(op: str, params: dict[str, str]) -> dict[str, Any]:
    return build_body(SECTION.operations[op].spec, params, TABLES)


def find(elements: Any, path: str) -> Any:
    value: Any = elements
    for part in path.split("/"):
        value = next(e[1] for e in value if e[0] == part)
    return value


def test_eligible_request_matches_the_model() -> None:
    params = details_params(ORDER, weight="12.5", unit="grams")
    params[f"{P}.ShippingServiceOptions.DeclaredValue.CurrencyCode"] = "USD"
    params[f"{P}.ShippingServiceOptions.DeclaredValue.Amount"] = "19.99"
    params[f"{P}.ShipDate"] = "2026-11-24T09:00:00Z"
    params[f"{P}.LabelCustomization.StandardIdForLabel"] = "AmazonOrderId"
    params["ShippingOfferingFilter.IncludeComplexShippingOptions"] = "true"
    params["ShippingOfferingFilter.DeliveryExperience"] = "NoPreference"
    out = body("GetEligibleShippingServices", params)
    validate_definition(MODEL, "GetEligibleShipmentServicesRequest", out)
    details = out["ShipmentRequestDetails"]
    assert details["Weight"] == {"Value": 12.5, "Unit": "g"}
    assert details["PackageDimensions"] == {"Length": 10, "Width": 8, "Height": 4, "Unit": "inches"}
    assert details["ItemList"] == [
        {"OrderItemId": "11111111111111", "Quantity": 2},
        {"OrderItemId": "22222222222222", "Quantity": 1},
    ]
    assert details["ShippingServiceOptions"] == {
        "DeliveryExperience": "DeliveryConfirmationWithoutSignature",
        "DeclaredValue": {"CurrencyCode": "USD", "Amount": 19.99},
        "CarrierWillPickUp": False,
    }
    assert details["ShipDate"] == "2026-11-24T09:00:00.000Z"
    assert out["ShippingOfferingFilter"] == {
        "IncludeComplexShippingOptions": True,
        "DeliveryExperience": "NoPreference",
    }


@pytest.mark.parametrize("spelling", ["docs", "library"])
def test_create_request_list_spellings(spelling: str) -> None:
    params = details_params(ORDER)
    if spelling == "library":
        params = {k.replace("ItemList.Item.", "ItemList.member."): v for k, v in params.items()}
        inputs, codes = "member", "transparencyCodeList.member"
    else:
        inputs, codes = "AdditionalSellerInputs", "TransparencyCodeList.TransparencyCode"
    item = f"{P}.ItemList.{'member' if spelling == 'library' else 'Item'}.1"
    params[f"{item}.{codes}.1"] = "AZ:ABC123"
    params[f"{item}.{codes}.2"] = "AZ:ABC124"
    params[f"{item}.ItemLevelSellerInputsList.{inputs}.1.AdditionalInputFieldName"] = "COLOR"
    params[f"{item}.ItemLevelSellerInputsList.{inputs}.1.AdditionalSellerInput.DataType"] = "String"
    params[f"{item}.ItemLevelSellerInputsList.{inputs}.1.AdditionalSellerInput.ValueAsString"] = (
        "red"
    )
    shipment = f"ShipmentLevelSellerInputsList.{inputs}.1"
    params[f"{shipment}.AdditionalInputFieldName"] = "NON_DELIVERABLE_INSTRUCTIONS"
    params[f"{shipment}.AdditionalSellerInput.DataType"] = "Boolean"
    params[f"{shipment}.AdditionalSellerInput.ValueAsBoolean"] = "true"
    params["ShippingServiceId"] = "UPS_PTP_GND"
    params["HazmatType"] = "None"
    params["LabelFormatOption.IncludePackingSlipWithLabel"] = "false"
    out = body("CreateShipment", params)
    validate_definition(MODEL, "CreateShipmentRequest", out)
    first = out["ShipmentRequestDetails"]["ItemList"][0]
    assert first["TransparencyCodeList"] == ["AZ:ABC123", "AZ:ABC124"]
    assert first["ItemLevelSellerInputsList"] == [
        {
            "AdditionalInputFieldName": "COLOR",
            "AdditionalSellerInput": {"DataType": "String", "ValueAsString": "red"},
        }
    ]
    assert out["ShipmentLevelSellerInputsList"] == [
        {
            "AdditionalInputFieldName": "NON_DELIVERABLE_INSTRUCTIONS",
            "AdditionalSellerInput": {"DataType": "Boolean", "ValueAsBoolean": True},
        }
    ]
    assert out["LabelFormatOption"] == {"IncludePackingSlipWithLabel": False}


def test_refusals() -> None:
    params = details_params(ORDER)
    mixed = dict(params)
    mixed[f"{P}.ItemList.member.3.OrderItemId"] = "x"
    mixed[f"{P}.ItemList.member.3.Quantity"] = "1"
    with pytest.raises(MwsError) as caught:
        body("GetEligibleShippingServices", mixed)
    assert caught.value.code == "InvalidParameterValue"
    for key, value, code in [
        (f"{P}.Weight.Unit", "pounds", "InvalidParameterValue"),
        (f"{P}.Weight.Value", "heavy", "InvalidParameterValue"),
        (f"{P}.ItemList.Item.1.Quantity", "0", "InvalidParameterValue"),
        (f"{P}.ShippingServiceOptions.CarrierWillPickUp", "maybe", "InvalidParameterValue"),
        (f"{P}.AmazonOrderId", "", "MissingParameter"),
    ]:
        bad = dict(params)
        bad[key] = value
        with pytest.raises(MwsError) as caught:
            body("GetEligibleShippingServices", bad)
        assert caught.value.code == code, key
    with pytest.raises(MwsError) as caught:
        body("GetEligibleShippingServices", {})
    assert caught.value.code == "MissingParameter"
    with pytest.raises(MwsError) as caught:
        body("CreateShipment", params)
    assert "ShippingServiceId" in (caught.value.message or "")


SERVICE = {
    "ShippingServiceName": "UPS Ground",
    "CarrierName": "UPS",
    "ShippingServiceId": "UPS_PTP_GND",
    "ShippingServiceOfferId": "abc",
    "ShipDate": "2026-11-24T09:00:00Z",
    "Rate": {"CurrencyCode": "USD", "Amount": 8.6},
    "RateWithAdjustments": {"CurrencyCode": "USD", "Amount": 8.6},
    "ShippingServiceOptions": {"DeliveryExperience": "NoTracking", "CarrierWillPickUp": True},
    "AvailableLabelFormats": ["PDF", "ZPL203"],
    "RequiresAdditionalSellerInputs": False,
}


def test_eligible_rendering() -> None:
    payload = {
        "ShippingServiceList": [SERVICE],
        "RejectedShippingServiceList": [
            {
                "CarrierName": "USPS",
                "ShippingServiceName": "USPS Priority",
                "ShippingServiceId": "USPS_PTP_PRI",
                "RejectionReasonCode": "NO_SERVICE",
            }
        ],
        "TemporarilyUnavailableCarrierList": [{"CarrierName": "DHL"}],
    }
    validate_definition(MODEL, "GetEligibleShipmentServicesResult", payload)
    kids = eligible_children(payload, MAPS)
    service = find(kids, "ShippingServiceList/ShippingService")
    assert find(service, "Rate/Amount") == "8.6"
    assert find(service, "ShipDate") == "2026-11-24T09:00:00Z"
    assert find(service, "ShippingServiceOptions/CarrierWillPickUp") == "true"
    assert [e[1] for e in find(service, "AvailableLabelFormats")] == ["PDF", "ZPL203"]
    assert find(
        kids, "RejectedShippingServiceList/RejectedShippingService/RejectionReasonCode"
    ) == ("NO_SERVICE")
    assert find(kids, "TemporarilyUnavailableCarrierList/TemporarilyUnavailableCarrier") == [
        ("CarrierName", "DHL")
    ]


def test_shipment_rendering_and_missing_payload() -> None:
    address = {
        "Name": "W",
        "AddressLine1": "1 Dock Rd",
        "Email": "a@example.com",
        "City": "Seattle",
        "PostalCode": "98109",
        "CountryCode": "US",
        "Phone": "1",
    }
    shipment = {
        "ShipmentId": "S-1",
        "AmazonOrderId": ORDER["orderId"],
        "ItemList": [{"OrderItemId": "1", "Quantity": 2, "TransparencyCodeList": ["AZ:1"]}],
        "ShipFromAddress": address,
        "ShipToAddress": address,
        "PackageDimensions": {"PredefinedPackageDimensions": "FedEx_Box_10kg"},
        "Weight": {"Value": 300, "Unit": "g"},
        "Insurance": {"CurrencyCode": "USD", "Amount": 0},
        "ShippingService": SERVICE,
        "Label": {
            "Dimensions": {"Length": 6, "Width": 4, "Unit": "inches"},
            "FileContents": {"Contents": "AA==", "FileType": "image/png", "Checksum": "AA=="},
        },
        "Status": "RefundApplied",
        "CreatedDate": "2026-11-20T10:00:00Z",
    }
    validate_definition(MODEL, "Shipment", shipment)
    rendered = shipment_children(shipment, MAPS, "getShipment")
    assert rendered[0][0] == "Shipment"
    kids = rendered[0][1]
    assert find(kids, "Weight/Unit") == "grams"
    assert find(kids, "Status") == "RefundApplied"
    assert find(kids, "ItemList/Item/transparencyCodeList") == [("member", "AZ:1")]
    assert find(kids, "PackageDimensions/PredefinedPackageDimensions") == "FedEx_Box_10kg"
    with pytest.raises(MwsError) as caught:
        shipment_children(None, MAPS, "getShipment")
    assert caught.value.code == "InternalError"


def test_seller_inputs_request_and_rendering() -> None:
    address = {
        k.replace(f"{P}.", ""): v for k, v in details_params(ORDER).items() if "ShipFrom" in k
    }
    params = {"OrderId": ORDER["orderId"], "ShippingServiceId": "FEDEX_PTP_TWO_DAY", **address}
    out = body("GetAdditionalSellerInputs", params)
    validate_definition(MODEL, "GetAdditionalSellerInputsRequest", out)
    assert out["ShipFromAddress"]["PostalCode"] == "98109"
    stored = {"DataType": "Boolean", "ValueAsBoolean": True}
    payload = {
        "ShipmentLevelFields": [
            {
                "AdditionalInputFieldName": "SIGNATURE",
                "SellerInputDefinition": {
                    "IsRequired": True,
                    "DataType": "Boolean",
                    "Constraints": [],
                    "InputDisplayText": "Signature",
                    "StoredValue": stored,
                },
            }
        ]
    }
    validate_definition(MODEL, "GetAdditionalSellerInputsResult", payload)
    kids = seller_inputs_children(payload, MAPS)
    assert [k[0] for k in kids] == ["ShipmentLevelFields", "ItemLevelFieldsList"]
    assert find(kids, "ItemLevelFieldsList") == []
    value = find(kids, "ShipmentLevelFields/member/SellerInputDefinition/StoredValue")
    assert value == [("DataType", "Boolean"), ("ValueAsBoolean", "true")]
    assert seller_inputs_children({}, MAPS) == [
        ("ShipmentLevelFields", []),
        ("ItemLevelFieldsList", []),
    ]
    assert eligible_children({"ShippingServiceList": []}, MAPS) == [("ShippingServiceList", [])]
