"""MWS MerchantFulfillment request parameters -> SP-API Merchant Fulfillment v0 JSON.

The structures nest (``ShipmentRequestDetails.ShipFromAddress.Name``,
``...ItemList.Item.N.ItemWeight.Value``) and SP-API wants numbers as JSON numbers; the rows of
``tables.request`` in ``mappings/sections/merchant_fulfillment.yaml`` say so and
:mod:`gateway.translate.engine.structures` reads them. Each operation's ``body`` names its top
table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.translate.engine.structures import build

Tables = Mapping[str, Any]


def build_body(
    spec: Mapping[str, Any], params: Mapping[str, str], tables: Tables
) -> dict[str, Any]:
    """The SP-API JSON body of an operation whose ``body`` names its request table."""
    return build(
        params,
        str(spec["body"]),
        "",
        tables.get("request") or {},
        tables.get("enums") or {},
    )
