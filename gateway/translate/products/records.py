"""The records walk of Product Pricing: the engine's ``AttributedRecordMaps``.

Product Pricing v0 answers with the MWS element names, so Products uses the same ``records``
table format as Finances (``mappings/sections/products.yaml``, ``tables.records``), with the
``attributes`` / ``text`` forms for what MWS wrote as XML attributes (``CompetitivePrice
condition=...``, ``OfferListingCount condition=...``, ``ShippingTime minimumHours=...``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.translate.engine.records import AttributedRecordMaps, attributed_maps

__all__ = ["AttributedRecordMaps", "product_maps"]


def product_maps(records: Mapping[str, Any]) -> AttributedRecordMaps:
    """Compiled maps, cached per loaded table object."""
    return attributed_maps(records)
