"""MWS MerchantFulfillment request parameters -> SP-API Merchant Fulfillment v0 JSON.

The structures nest (``ShipmentRequestDetails.ShipFromAddress.Name``,
``...ItemList.Item.N.ItemWeight.Value``) and SP-API wants numbers as JSON numbers; the rows of
``tables.request`` in ``mappings/sections/merchant_fulfillment.yaml`` are read by the engine's
generic structure builder (:mod:`gateway.translate.engine.structures`), which this module
names for the section's handlers.
"""

from __future__ import annotations

from gateway.translate.engine.structures import build, build_body

__all__ = ["build", "build_body"]
