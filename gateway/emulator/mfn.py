"""Merchant Fulfillment API v0 ("Buy Shipping") over the seeded merchant-fulfilled orders.

`getEligibleShipmentServices` offers three carrier services for a seeded order the seller
ships itself (`fulfilledBy` MERCHANT, not cancelled or fully shipped); the rates grow with the
package weight. `createShipment` buys one of them (restricted: needs an RDT) and keeps the
shipment in the emulator state with a label document (base64 of a gzip-compressed PDF, with
the base64 MD5 of the document as checksum); `getShipment` reads it and `cancelShipment`
moves a Purchased shipment to RefundPending (anything else is refused with 400);
`getAdditionalSellerInputs` asks for FedEx's extra inputs (see `seller_inputs`). Bodies are
validated as SP-API does (400 InvalidInput): unknown orders and order items, quantities above
the ordered quantity, missing address fields, units outside the model's enums.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    invalid_input,
    iso,
    not_found,
    parse_datetime,
    read_json_object,
    require_rdt,
    spapi_operation,
)

BASE = "/mfn/v0"
WEIGHT_UNITS = {"oz": Decimal(1), "g": Decimal("0.035274")}
LENGTH_UNITS = ("inches", "centimeters")
DELIVERY_EXPERIENCES = (
    "DeliveryConfirmationWithAdultSignature",
    "DeliveryConfirmationWithSignature",
    "DeliveryConfirmationWithoutSignature",
    "NoTracking",
)
PICKUP_OPTIONS = ("CarrierWillPickUp", "ShipperWillDropOff", "NoPreference")
ADDRESS_REQUIRED = ("Name", "AddressLine1", "City", "PostalCode", "CountryCode", "Email", "Phone")
# (service id, carrier, name, base rate, per ounce, transit days)
SERVICES = (
    ("UPS_PTP_GND", "UPS", "UPS Ground", Decimal("7.40"), Decimal("0.12"), 5),
    ("USPS_PTP_PRI", "USPS", "USPS Priority Mail", Decimal("8.15"), Decimal("0.18"), 3),
    ("FEDEX_PTP_TWO_DAY", "FEDEX", "FedEx 2Day", Decimal("12.90"), Decimal("0.25"), 2),
)
OPEN_STATUSES = ("UNSHIPPED", "PARTIALLY_SHIPPED", "PENDING_AVAILABILITY")
LABEL_PDF = b"%PDF-1.4\n% emulated shipping label\n"


@dataclass
class MfnSettings:
    shipments: dict[str, dict[str, Any]] = field(default_factory=dict)
    counter: int = 0


def store(ctx: OperationContext) -> MfnSettings:
    return ctx.state.section("mfn", MfnSettings)


# ------------------------------------------------------------------ validation


def _number(value: Any, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid_input(f"{name} must be a number.")
    number = Decimal(str(value))
    if number <= 0:
        raise invalid_input(f"{name} must be greater than zero.")
    return number


def _object(body: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = body.get(key)
    if not isinstance(value, dict):
        raise invalid_input(f"Missing required field {where}{key}.")
    return value


def _address(address: dict[str, Any]) -> None:
    for key in ADDRESS_REQUIRED:
        if not isinstance(address.get(key), str) or not address[key].strip():
            raise invalid_input(f"Missing required field ShipFromAddress.{key}.")


def _ounces(weight: dict[str, Any]) -> Decimal:
    unit = weight.get("Unit")
    if unit not in WEIGHT_UNITS:
        raise invalid_input(f"Invalid Weight.Unit {str(unit)[:16]!r}: expected oz or g.")
    return _number(weight.get("Value"), "Weight.Value") * WEIGHT_UNITS[str(unit)]


def _dimensions(dims: dict[str, Any]) -> None:
    if dims.get("PredefinedPackageDimensions"):
        return
    for key in ("Length", "Width", "Height"):
        _number(dims.get(key), f"PackageDimensions.{key}")
    if dims.get("Unit") not in LENGTH_UNITS:
        raise invalid_input("Invalid PackageDimensions.Unit: expected inches or centimeters.")


def _options(options: dict[str, Any]) -> None:
    if options.get("DeliveryExperience") not in DELIVERY_EXPERIENCES:
        raise invalid_input("Invalid ShippingServiceOptions.DeliveryExperience.")
    if not isinstance(options.get("CarrierWillPickUp"), bool):
        raise invalid_input("ShippingServiceOptions.CarrierWillPickUp must be a boolean.")
    pickup = options.get("CarrierWillPickUpOption")
    if pickup is not None and pickup not in PICKUP_OPTIONS:
        raise invalid_input("Invalid ShippingServiceOptions.CarrierWillPickUpOption.")


def validate_details(ctx: OperationContext, details: dict[str, Any]) -> dict[str, Any]:
    """The seeded order a ShipmentRequestDetails is for (400 InvalidInput otherwise)."""
    order_id = details.get("AmazonOrderId")
    order = ctx.state.data.order(str(order_id)) if isinstance(order_id, str) else None
    if order is None:
        raise invalid_input(f"Invalid AmazonOrderId {str(order_id)[:32]!r}: order not found.")
    fulfillment = order.get("fulfillment") or {}
    if fulfillment.get("fulfilledBy") != "MERCHANT":
        raise invalid_input("The order is fulfilled by Amazon: no shipping services.")
    if fulfillment.get("fulfillmentStatus") not in OPEN_STATUSES:
        raise invalid_input("The order is not awaiting shipment.")
    items = details.get("ItemList")
    if not isinstance(items, list) or not items:
        raise invalid_input("Missing required field ShipmentRequestDetails.ItemList.")
    ordered = {i["orderItemId"]: int(i["quantityOrdered"]) for i in order["orderItems"]}
    for item in items:
        if not isinstance(item, dict) or item.get("OrderItemId") not in ordered:
            raise invalid_input("Invalid OrderItemId: not an item of the order.")
        quantity = item.get("Quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise invalid_input("Item.Quantity must be a positive integer.")
        if quantity > ordered[item["OrderItemId"]]:
            raise invalid_input("Item.Quantity is more than was ordered.")
    _address(_object(details, "ShipFromAddress", "ShipmentRequestDetails."))
    _dimensions(_object(details, "PackageDimensions", "ShipmentRequestDetails."))
    _ounces(_object(details, "Weight", "ShipmentRequestDetails."))
    _options(_object(details, "ShippingServiceOptions", "ShipmentRequestDetails."))
    for key in ("ShipDate", "MustArriveByDate"):
        if key in details:
            parse_datetime(str(details[key]), key)
    return order


def _ship_date(details: dict[str, Any]) -> datetime:
    if "ShipDate" in details:
        return parse_datetime(str(details["ShipDate"]), "ShipDate")
    return datetime.now(UTC).replace(microsecond=0)


def offers(order: dict[str, Any], details: dict[str, Any]) -> list[dict[str, Any]]:
    """The shipping services of a validated request (rates from the package weight)."""
    ounces = _ounces(details["Weight"])
    ship = _ship_date(details)
    options = details["ShippingServiceOptions"]
    currency = "CAD" if order["salesChannel"]["marketplaceId"] != "ATVPDKIKX0DER" else "USD"
    out: list[dict[str, Any]] = []
    for service_id, carrier, name, base, per_oz, days in SERVICES:
        rate = float((base + per_oz * ounces).quantize(Decimal("0.01")))
        offer = hashlib.sha256(f"{order['orderId']}|{service_id}|{ounces}".encode()).hexdigest()
        out.append(
            {
                "ShippingServiceName": name,
                "CarrierName": carrier,
                "ShippingServiceId": service_id,
                "ShippingServiceOfferId": offer[:40],
                "ShipDate": iso(ship),
                "EarliestEstimatedDeliveryDate": iso(ship + timedelta(days=days)),
                "LatestEstimatedDeliveryDate": iso(ship + timedelta(days=days + 2)),
                "Rate": {"CurrencyCode": currency, "Amount": rate},
                "RateWithAdjustments": {"CurrencyCode": currency, "Amount": rate},
                "ShippingServiceOptions": {
                    "DeliveryExperience": options["DeliveryExperience"],
                    "CarrierWillPickUp": options["CarrierWillPickUp"],
                },
                "AvailableLabelFormats": ["PDF", "PNG"],
                "AvailableFormatOptionsForLabel": [
                    {"IncludePackingSlipWithLabel": False, "LabelFormat": "PDF"}
                ],
                "RequiresAdditionalSellerInputs": False,
            }
        )
    return out


def label(shipment_id: str) -> dict[str, Any]:
    document = LABEL_PDF + shipment_id.encode() + b"\n%%EOF\n"
    return {
        "Dimensions": {"Length": 6, "Width": 4, "Unit": "inches"},
        "FileContents": {
            "Contents": base64.b64encode(gzip.compress(document, mtime=0)).decode("ascii"),
            "FileType": "application/pdf",
            "Checksum": base64.b64encode(hashlib.md5(document).digest()).decode("ascii"),
        },
        "LabelFormat": "PDF",
    }


def _ship_to(order: dict[str, Any]) -> dict[str, Any]:
    address = order["recipient"]["deliveryAddress"]
    out = {
        "Name": address["name"],
        "AddressLine1": address["addressLine1"],
        "City": address["city"],
        "StateOrProvinceCode": address["stateOrRegion"],
        "PostalCode": address["postalCode"],
        "CountryCode": address["countryCode"],
        "Email": order["buyer"]["buyerEmail"],
        "Phone": address["phone"],
    }
    if address.get("addressLine2"):
        out["AddressLine2"] = address["addressLine2"]
    return out


def _definition(
    text: str, data_type: str, required: bool, target: str, choices: list[str] | None = None
) -> dict[str, Any]:
    definition: dict[str, Any] = {
        "IsRequired": required,
        "DataType": data_type,
        "Constraints": [{"ValidationRegEx": "^.{1,50}$", "ValidationString": "1-50 characters"}],
        "InputDisplayText": text,
        "InputTarget": target,
        "StoredValue": {"DataType": data_type},
    }
    if choices:
        definition["RestrictedSetValues"] = choices
    return definition


def seller_inputs(order: dict[str, Any], service_id: str) -> dict[str, Any]:
    """What a carrier wants to know: FedEx asks for non-delivery instructions (shipment level)
    and a country of origin per ASIN; the other services ask for nothing."""
    if service_id != "FEDEX_PTP_TWO_DAY":
        return {"ShipmentLevelFields": [], "ItemLevelFieldsList": []}
    asins = sorted({i["product"]["asin"] for i in order["orderItems"] if i["product"]["asin"]})
    return {
        "ShipmentLevelFields": [
            {
                "AdditionalInputFieldName": "NON_DELIVERABLE_INSTRUCTIONS",
                "SellerInputDefinition": _definition(
                    "Non-deliverable instructions",
                    "String",
                    False,
                    "SHIPMENT_LEVEL",
                    ["RETURN_TO_SENDER", "ABANDON"],
                ),
            }
        ],
        "ItemLevelFieldsList": [
            {
                "Asin": asin,
                "AdditionalInputs": [
                    {
                        "AdditionalInputFieldName": "COUNTRY_OF_ORIGIN",
                        "SellerInputDefinition": _definition(
                            "Country of origin", "String", True, "ITEM_LEVEL"
                        ),
                    }
                ],
            }
            for asin in asins
        ],
    }


# ------------------------------------------------------------------ operations


@spapi_operation("merchantFulfillmentV0.getEligibleShipmentServices")
async def get_eligible_shipment_services(request: Request, ctx: OperationContext) -> JsonBody:
    body = await read_json_object(request)
    details = _object(body, "ShipmentRequestDetails", "")
    order = validate_details(ctx, details)
    return {
        "payload": {
            "ShippingServiceList": offers(order, details),
            "TemporarilyUnavailableCarrierList": [],
            "TermsAndConditionsNotAcceptedCarrierList": [],
        }
    }


@spapi_operation("merchantFulfillmentV0.createShipment")
async def create_shipment(request: Request, ctx: OperationContext) -> JsonBody:
    require_rdt(request)
    body = await read_json_object(request)
    details = _object(body, "ShipmentRequestDetails", "")
    order = validate_details(ctx, details)
    chosen = [
        s for s in offers(order, details) if s["ShippingServiceId"] == body.get("ShippingServiceId")
    ]
    if not chosen:
        raise invalid_input("Invalid ShippingServiceId: not offered for this shipment.")
    offer_id = body.get("ShippingServiceOfferId")
    if offer_id is not None and offer_id != chosen[0]["ShippingServiceOfferId"]:
        raise invalid_input("Invalid ShippingServiceOfferId: the offer has expired.")
    settings = store(ctx)
    settings.counter += 1
    # Amazon's model requires UUID-shaped shipment ids (the SDK checks it); deterministic here.
    shipment_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"mfn/{settings.counter}/{order['orderId']}"))
    service = dict(chosen[0])
    service.pop("RateWithAdjustments", None)
    now = iso(datetime.now(UTC))
    shipment: dict[str, Any] = {
        "ShipmentId": shipment_id,
        "AmazonOrderId": order["orderId"],
        "ItemList": details["ItemList"],
        "ShipFromAddress": details["ShipFromAddress"],
        "ShipToAddress": _ship_to(order),
        "PackageDimensions": details["PackageDimensions"],
        "Weight": details["Weight"],
        "Insurance": {"CurrencyCode": service["Rate"]["CurrencyCode"], "Amount": 0.0},
        "ShippingService": {**service, "RateWithAdjustments": chosen[0]["RateWithAdjustments"]},
        "Label": label(shipment_id),
        "Status": "Purchased",
        "TrackingId": f"1Z{hashlib.sha256(shipment_id.encode()).hexdigest()[:16].upper()}",
        "CreatedDate": now,
    }
    if details.get("SellerOrderId"):
        shipment["SellerOrderId"] = details["SellerOrderId"]
    settings.shipments[shipment_id] = shipment
    return {"payload": shipment}


@spapi_operation("merchantFulfillmentV0.getAdditionalSellerInputs")
async def get_additional_seller_inputs(request: Request, ctx: OperationContext) -> JsonBody:
    body = await read_json_object(request)
    order_id = body.get("OrderId")
    service_id = body.get("ShippingServiceId")
    _address(_object(body, "ShipFromAddress", ""))
    if service_id not in [s[0] for s in SERVICES]:
        raise invalid_input(f"Invalid ShippingServiceId {str(service_id)[:40]!r}.")
    order = ctx.state.data.order(str(order_id)) if isinstance(order_id, str) else None
    if order is None:
        raise invalid_input(f"Invalid OrderId {str(order_id)[:32]!r}: order not found.")
    if (order.get("fulfillment") or {}).get("fulfilledBy") != "MERCHANT":
        raise invalid_input("The order is fulfilled by Amazon.")
    return {"payload": seller_inputs(order, str(service_id))}


def _find(ctx: OperationContext, request: Request) -> dict[str, Any]:
    shipment_id = request.path_params["shipmentId"]
    shipment = store(ctx).shipments.get(shipment_id)
    if shipment is None:
        raise not_found("Shipment not found.", f"shipmentId={shipment_id:.40}")
    return shipment


@spapi_operation("merchantFulfillmentV0.getShipment")
async def get_shipment(request: Request, ctx: OperationContext) -> JsonBody:
    require_rdt(request)
    return {"payload": _find(ctx, request)}


@spapi_operation("merchantFulfillmentV0.cancelShipment")
async def cancel_shipment(request: Request, ctx: OperationContext) -> JsonBody:
    require_rdt(request)
    shipment = _find(ctx, request)
    if shipment["Status"] != "Purchased":
        raise invalid_input(
            f"The shipment cannot be cancelled: its status is {shipment['Status']}."
        )
    shipment["Status"] = "RefundPending"
    shipment["LastUpdatedDate"] = iso(datetime.now(UTC))
    return {"payload": shipment}


routes: list[BaseRoute] = [
    Route(f"{BASE}/eligibleShippingServices", get_eligible_shipment_services, methods=["POST"]),
    Route(f"{BASE}/additionalSellerInputs", get_additional_seller_inputs, methods=["POST"]),
    Route(f"{BASE}/shipments", create_shipment, methods=["POST"]),
    Route(f"{BASE}/shipments/{{shipmentId}}", get_shipment, methods=["GET"]),
    Route(f"{BASE}/shipments/{{shipmentId}}", cancel_shipment, methods=["DELETE"]),
]
