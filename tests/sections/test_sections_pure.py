"""Pure translation pieces: the records mapper and the inventory supply arithmetic."""

from __future__ import annotations

import pytest

from gateway.catalog import load_catalog
from gateway.translate.engine.records import (
    RecordMapError,
    RecordMaps,
    format_decimal,
    format_millis,
)
from gateway.translate.inventory import supply


def test_decimal_and_millis_formats() -> None:
    assert format_decimal(-29.99) == "-29.99"
    assert format_decimal(0) == "0.00"
    assert format_decimal(10.5) == "10.50"
    assert format_decimal(1.005) == "1.005"
    assert format_decimal(True) is None
    assert format_millis("1970-01-01T00:00:01Z") == "1000"


def test_records_rename_order_and_always_lists() -> None:
    tables = load_catalog(check_handlers=False).sections["Finances"].tables
    maps = RecordMaps(tables["records"])
    item = maps.children("RemovalShipmentItem", {"Quantity": 2, "FulfillmentNetworkSKU": "X1"})
    assert item == [("FufillmentNetworkSKU", "X1"), ("Quantity", "2")]
    period = maps.children("TaxWithholdingPeriod", {"StartDate": "1970-01-01T00:00:02Z"})
    assert period == [("StartDateMillis", "2000")]
    events = maps.children("FinancialEvents", {"ValueAddedServiceChargeEventList": [{}]})
    assert len(events) == 29 and all(el[1] == [] for el in events)
    assert "ValueAddedServiceChargeEventList" not in [el[0] for el in events]


def test_broken_records_tables_are_rejected() -> None:
    with pytest.raises(RecordMapError):
        RecordMaps({"A": [{"X": "NoSuchRecord"}]})
    with pytest.raises(RecordMapError):
        RecordMaps({"A": ["X", "X"]})
    with pytest.raises(RecordMapError):
        RecordMaps({"A": [{"X": ["string"]}]})


def test_supply_arithmetic_follows_the_table() -> None:
    tables = load_catalog(check_handlers=False).sections["FulfillmentInventory"].tables
    summary = {
        "inventoryDetails": {
            "fulfillableQuantity": 0,
            "inboundWorkingQuantity": 2,
            "inboundShippedQuantity": 3,
            "inboundReceivingQuantity": 0,
            "reservedQuantity": {"pendingTransshipmentQuantity": 4, "totalReservedQuantity": 9},
            "unfulfillableQuantity": {"totalUnfulfillableQuantity": 7},
        },
        "totalQuantity": 25,
    }
    out = supply(summary, tables, detailed=True)
    assert out["total"] == 9 and out["inStock"] == 0
    assert out["earliest"] == {"type": "Unknown"}
    assert [(d["type"], d["quantity"]) for d in out["details"]] == [("Inbound", 5), ("Transfer", 4)]
    assert supply({"totalQuantity": 3}, tables, detailed=False)["total"] == 3
    assert "earliest" not in supply({}, tables, detailed=False)
