"""The Orders mapping table agrees with the code and with the Orders 2026-01-01 model."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.catalog import resolve_handler
from tests.emulator.modelcheck import find_operation, load_model
from tests.orders.samples import section

MODEL = "orders_2026-01-01.json"
TRANSLATED = (
    "ListOrders",
    "ListOrdersByNextToken",
    "GetOrder",
    "ListOrderItems",
    "ListOrderItemsByNextToken",
)


def _param(operation_id: str, name: str) -> dict[str, Any]:
    _, _, op = find_operation(MODEL, operation_id)
    return next(p for p in op["parameters"] if p["name"] == name)


@pytest.mark.parametrize("action", TRANSLATED)
def test_operation_targets_orders_2026(action: str) -> None:
    op = section().operations[action]
    assert op.target.kind == "spapi"
    assert callable(resolve_handler(op.target.handler or ""))
    upstream = op.spec["upstream"]
    assert list(op.target.spapi) == [upstream["operation"]]
    method, path, _ = find_operation(MODEL, upstream["operation"].split(".", 1)[1])
    assert (method, path) == (upstream["method"], upstream["path"])
    allowed = set(_param(upstream["operation"].split(".", 1)[1], "includedData")["items"]["enum"])
    assert set(upstream.get("included_data") or []) <= allowed


def test_upstream_parameters_and_enums_exist_in_the_model() -> None:
    spec = section().operations["ListOrders"].spec
    enums = section().tables["enums"]
    _, _, search = find_operation(MODEL, "searchOrders")
    names = {p["name"] for p in search["parameters"]}
    for name, param in spec["params"].items():
        if "upstream" in param:
            assert param["upstream"] in names, name
            if "enum" in param:
                model_enum = set(_param("searchOrders", param["upstream"])["items"]["enum"])
                assert set(enums[param["enum"]].values()) == model_enum, name
        else:
            # everything SP-API cannot filter is applied by the gateway or refused
            assert "filter" in param or "refuse" in param, name
    definitions = load_model(MODEL)["definitions"]
    assert set(enums["order_status"].values()) == set(definitions["FulfillmentStatus"]["enum"])


def test_every_order_and_item_element_is_in_the_xsd() -> None:
    from gateway.schemas import SCHEMA_DIR

    xsd = (SCHEMA_DIR / "Orders" / "orders.xsd").read_text()
    for table in ("order", "order_item", "address", "money"):
        for entry in section().tables["fields"][table]:
            assert f'name="{entry["el"]}"' in xsd, (table, entry["el"])
