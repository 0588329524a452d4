"""Shared pieces of the FulfillmentInboundShipment tests: MWS parameters as clients send them."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Mapping

import httpx

from gateway.emulator.inbound.store import InboundStore
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, child, kids, text

INBOUND = ("/FulfillmentInboundShipment/2010-10-01", "2010-10-01")
ADDRESS = {
    "Name": "Ada Warehouse",
    "AddressLine1": "12 Analytical Row",
    "City": "Portland",
    "StateOrProvinceCode": "OR",
    "CountryCode": "US",
    "PostalCode": "97201",
}


def address(prefix: str = "ShipFromAddress", **changes: str | None) -> dict[str, str]:
    fields = {**ADDRESS, **changes}
    return {f"{prefix}.{k}": v for k, v in fields.items() if v is not None}


def plan_params(
    items: list[tuple[str, int]], *, member: str = "member", **extra: str
) -> dict[str, str]:
    """CreateInboundShipmentPlan as the official library sends it (boto: ``member=""``)."""
    params = address()
    lead = (
        f"InboundShipmentPlanRequestItems.{member}."
        if member
        else "InboundShipmentPlanRequestItems."
    )
    for n, (sku, quantity) in enumerate(items, 1):
        params[f"{lead}{n}.SellerSKU"] = sku
        params[f"{lead}{n}.Quantity"] = str(quantity)
    params.update(extra)
    return params


def create_params(
    shipment_id: str, center: str, items: list[tuple[str, int]], name: str = "Spring restock"
) -> dict[str, str]:
    params = {
        "ShipmentId": shipment_id,
        "InboundShipmentHeader.ShipmentName": name,
        "InboundShipmentHeader.DestinationFulfillmentCenterId": center,
        "InboundShipmentHeader.LabelPrepPreference": "SELLER_LABEL",
        "InboundShipmentHeader.ShipmentStatus": "WORKING",
        **address("InboundShipmentHeader.ShipFromAddress"),
    }
    for n, (sku, quantity) in enumerate(items, 1):
        params[f"InboundShipmentItems.member.{n}.SellerSKU"] = sku
        params[f"InboundShipmentItems.member.{n}.QuantityShipped"] = str(quantity)
    return params


def package_params(shipment_id: str, weights: list[float]) -> dict[str, str]:
    """PutTransportContent for an Amazon-partnered small parcel shipment."""
    params = {"ShipmentId": shipment_id, "IsPartnered": "true", "ShipmentType": "SP"}
    lead = "TransportDetails.PartneredSmallParcelData.PackageList.member"
    for n, weight in enumerate(weights, 1):
        params.update(
            {
                f"{lead}.{n}.Dimensions.Length": "12",
                f"{lead}.{n}.Dimensions.Width": "10",
                f"{lead}.{n}.Dimensions.Height": "8",
                f"{lead}.{n}.Dimensions.Unit": "inches",
                f"{lead}.{n}.Weight.Value": str(weight),
                f"{lead}.{n}.Weight.Unit": "pounds",
            }
        )
    return params


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    root = assert_valid_mws_xml(response.content)
    return response.status_code, text(root, "Error/Code"), text(root, "Error/Message")


async def call(
    mws: MwsClient, action: str, params: Mapping[str, str] | None = None
) -> httpx.Response:
    """A POST with a form body, as python-amazon-mws and the official libraries send."""
    return await mws.call(INBOUND[0], action, INBOUND[1], params, method="POST", in_body=True)


async def ok(mws: MwsClient, action: str, params: Mapping[str, str] | None = None) -> ET.Element:
    response = await call(mws, action, params)
    assert response.status_code == 200, response.text
    return child(assert_valid_mws_xml(response.content), f"{action}Result")


def plan_members(result: ET.Element) -> list[ET.Element]:
    return kids(child(result, "InboundShipmentPlans"), "member")


def store_of(mws: MwsClient) -> InboundStore:
    found = mws.emulator.section("fbaInbound", InboundStore)
    assert isinstance(found, InboundStore)
    return found


def pdf_of(document: ET.Element) -> tuple[str, bytes]:
    """The one file inside a TransportDocument's ZIP, after checking its Checksum."""
    archive = base64.b64decode(text(document, "PdfDocument"), validate=True)
    checksum = base64.b64encode(hashlib.md5(archive).digest()).decode()
    assert text(document, "Checksum") == checksum
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        (name,) = zipped.namelist()
        return name, zipped.read(name)


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page ", pdf))
