"""Pure translation of MWS ShipmentInvoicing: parameters, the invoice document, the answers."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.mws.errors import MwsError
from gateway.mws.render import render_success
from gateway.translate.engine.document import content_md5
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.params import parse_params
from gateway.translate.shipment_invoicing import (
    invoice_content,
    invoice_status_children,
    shipment_detail_children,
)
from tests.emulator.modelcheck import validate_definition
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

MODEL = "shipmentInvoicingV0.json"
NS = "https://mws.amazonservices.com/ShipmentInvoicing/2018-09-01"
BRAZIL = "A2Q3Y263D00KWC"
SECTION = load_catalog(check_handlers=False).sections["ShipmentInvoicing"]
TABLES = SECTION.tables
MAPS = FieldMaps(TABLES)

DETAIL: dict[str, Any] = {
    "WarehouseId": "GRU5",
    "AmazonOrderId": "701-0000000-0000000",
    "AmazonShipmentId": "DrLqQwqvb",
    "PurchaseDate": "2018-04-16T14:44:38.000Z",
    "ShippingAddress": {
        "Name": "Beltrano da Silva",
        "AddressLine1": "Rua da Consolação, 700",
        "AddressLine2": "Apto 32",
        "City": "SAO PAULO",
        "StateOrRegion": "SP",
        "PostalCode": "00000-000",
        "CountryCode": "BR",
        "Phone": "11912345678",
        "AddressType": "Residential",
    },
    "PaymentMethodDetails": ["CreditCard"],
    "Payments": [{"PaymentMethod": "CreditCard", "CardBrand": "Visa"}],
    "MarketplaceId": BRAZIL,
    "SellerId": "A1SELLER",
    "BuyerName": "Fulano da Silva",
    "BuyerCounty": "Centro",
    "BuyerTaxInfo": {"TaxClassifications": [{"Name": "CPF", "Value": "99999999999"}]},
    "MarketplaceTaxInfo": {"CompanyLegalName": "Amazon", "TaxClassifications": []},
    "SellerDisplayName": "Store",
    "ShipmentItems": [
        {
            "ASIN": "B078HVJB69",
            "SellerSKU": "XY-1A0O-B1CD",
            "OrderItemId": "19441439621890",
            "Title": "iPhone X",
            "QuantityOrdered": 2.0,
            "ItemPrice": {"CurrencyCode": "BRL", "Amount": "5099.99"},
            "PromotionDiscount": {"CurrencyCode": "BRL", "Amount": "0.00"},
            "SerialNumbers": ["1234567890", "1234567687"],
        }
    ],
}


def rendered(action: str, children: list[Any]) -> Any:
    return assert_valid_mws_xml(render_success(action, NS, "req-1", children))


def parsed(op: str, params: dict[str, str]) -> dict[str, Any]:
    spec = SECTION.operations[op].spec
    return parse_params(
        spec["params"],
        [],
        params,
        enums=TABLES["enums"],
        patterns=TABLES["patterns"],
        seller_marketplaces=("ATVPDKIKX0DER",),
        now=datetime.now(UTC),
    ).values


def test_shipment_detail_tree_keeps_only_what_mws_had() -> None:
    validate_definition(MODEL, "ShipmentDetail", DETAIL)
    root = rendered("GetFBAOutboundShipmentDetail", shipment_detail_children(DETAIL, MAPS))
    detail = root[0][0]
    assert [strip_ns(c.tag) for c in detail] == [
        "WarehouseId",
        "AmazonOrderId",
        "AmazonShipmentId",
        "PurchaseDate",
        "ShippingAddress",
        "PaymentMethodDetails",
        "MarketplaceId",
        "BuyerName",
        "BuyerCounty",
        "BuyerTaxInfo",
        "ShipmentItems",
    ]
    assert find_text(detail, "PurchaseDate") == "2018-04-16T14:44:38.000Z"
    assert find_text(detail, "ShippingAddress/AddressLine1") == "Rua da Consolação, 700"
    assert find_text(detail, "PaymentMethodDetails/PaymentMethodDetail") == "CreditCard"
    assert find_text(detail, "BuyerTaxInfo/TaxClassifications/TaxClassification/Value") == (
        "99999999999"
    )
    item = next(c for c in detail if strip_ns(c.tag) == "ShipmentItems")[0]
    assert find_text(item, "QuantityOrdered") == "2"
    assert find_text(item, "ItemPrice/Amount") == "5099.99"
    assert [s.text for s in next(c for c in item if strip_ns(c.tag) == "SerialNumbers")] == [
        "1234567890",
        "1234567687",
    ]


def test_shipment_detail_lists_are_there_when_empty() -> None:
    bare = copy.deepcopy(DETAIL)
    del bare["PaymentMethodDetails"], bare["ShipmentItems"], bare["ShippingAddress"]
    children = shipment_detail_children(bare, MAPS)
    root = rendered("GetFBAOutboundShipmentDetail", children)
    tags = [strip_ns(c.tag) for c in root[0][0]]
    assert "PaymentMethodDetails" in tags and "ShipmentItems" in tags
    assert "ShippingAddress" not in tags


def test_invoice_status_object_or_list() -> None:
    payload = {"Shipments": {"AmazonShipmentId": "DrLqQwqvb", "InvoiceStatus": "Accepted"}}
    validate_definition(MODEL, "ShipmentInvoiceStatusResponse", payload)
    root = rendered("GetFBAOutboundShipmentInvoiceStatus", invoice_status_children(payload, MAPS))
    assert (
        find_text(
            root, "GetFBAOutboundShipmentInvoiceStatusResult/Shipments/Shipment/InvoiceStatus"
        )
        == "Accepted"
    )
    several = {
        "Shipments": [
            {"AmazonShipmentId": "A1", "InvoiceStatus": "Processing"},
            {"AmazonShipmentId": "A2", "InvoiceStatus": "Errored"},
        ]
    }
    children = invoice_status_children(several, MAPS)
    assert [find_text_el(s, "InvoiceStatus") for s in children[0][1]] == ["Processing", "Errored"]
    assert invoice_status_children({}, MAPS) == [("Shipments", [])]


def find_text_el(element: Any, tag: str) -> str | None:
    return next((v for k, v in element[1] if k == tag), None)


def test_parameters() -> None:
    assert parsed(
        "GetFBAOutboundShipmentDetail", {"MarketplaceId": BRAZIL, "AmazonShipmentId": "DrLqQwqvb"}
    ) == {"MarketplaceId": BRAZIL, "AmazonShipmentId": "DrLqQwqvb"}
    for params, code in (
        ({"AmazonShipmentId": "DrLqQwqvb"}, "MissingParameter"),
        ({"MarketplaceId": BRAZIL}, "MissingParameter"),
        ({"MarketplaceId": "ATVPDKIKX0DER", "AmazonShipmentId": "X1"}, "InvalidParameterValue"),
        ({"MarketplaceId": BRAZIL, "AmazonShipmentId": "../x"}, "InvalidParameterValue"),
        ({"MarketplaceId": BRAZIL, "AmazonShipmentId": "A" * 41}, "InvalidParameterValue"),
    ):
        for op in ("GetFBAOutboundShipmentDetail", "GetFBAOutboundShipmentInvoiceStatus"):
            with pytest.raises(MwsError) as caught:
                parsed(op, params)
            assert caught.value.code == code, (op, params)


INVOICE = b'<?xml version="1.0" encoding="UTF-8"?><nfeProc versao="4.00"><NFe/></nfeProc>'


def test_the_invoice_must_be_xml_without_a_dtd() -> None:
    assert base64.b64decode(invoice_content(INVOICE)) == INVOICE
    for bad in (
        b"nota fiscal",
        b"<nfeProc><NFe></nfeProc>",
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>',
        b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.com/x.dtd"><x/>',
    ):
        with pytest.raises(MwsError) as caught:
            invoice_content(bad)
        assert caught.value.code == "InvalidParameterValue", bad
    with pytest.raises(MwsError) as caught:
        invoice_content(b"  \n")
    assert caught.value.code == "MissingParameter"


def test_the_md5_check_names_the_invoice() -> None:
    right = "8Lj7cZvh/Qnq8lYhc6KtWw=="
    other = "1B2M2Y8AsgTpgAmY7PhCfg=="
    assert content_md5({"ContentMD5Value": right}, {}, right, what="invoice") == right
    assert content_md5({}, {"content-md5": right}, right, what="invoice") == right
    with pytest.raises(MwsError) as caught:
        content_md5({"ContentMD5Value": other}, {}, right, what="invoice")
    assert caught.value.code == "ContentMD5DoesNotMatch"
    assert "for your invoice" in str(caught.value.message)
    with pytest.raises(MwsError) as caught:
        content_md5({}, {}, right, what="invoice")
    assert caught.value.code == "ContentMD5Missing"
    assert "this invoice" in str(caught.value.message)
    with pytest.raises(MwsError) as caught:
        content_md5({"ContentMD5Value": "abc"}, {}, right, what="invoice")
    assert caught.value.code == "InvalidParameterValue"
    with pytest.raises(MwsError) as caught:
        content_md5({"ContentMD5Value": right}, {"content-md5": other}, right, what="invoice")
    assert caught.value.code == "InvalidParameterValue"
