"""Emulator configuration: credentials, token lifetimes, rate-limit mode and table, faults."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Literal

DEMO_CLIENT_ID = "amzn1.application-oa2-client.demo"
DEMO_CLIENT_SECRET = "demo-lwa-secret"  # noqa: S105 - well-known demo credential of the emulator
DEMO_REFRESH_TOKEN = "Atzr|demo-refresh-token"  # noqa: S105 - well-known demo credential
DEMO_SELLER_ID = "A1EXAMPLESELLER"

GRANTLESS_SCOPES = frozenset(
    {
        "sellingpartnerapi::notifications",
        "sellingpartnerapi::client_credential:rotation",
        "sellingpartnerapi::migration",
    }
)

RateMode = Literal["sandbox", "production", "off"]


@dataclass(frozen=True)
class RateLimit:
    """Token bucket parameters: `rate` tokens per second, bucket size `burst`."""

    rate: float
    burst: int


SANDBOX_RATE_LIMIT = RateLimit(5.0, 15)

# Default usage plans per operation, as published in each model's "Usage Plan" table.
# Keys are "<section>.<operationId>"; tests/emulator/test_rate_table.py checks them against the
# models. Operations not listed fall back to the sandbox plan.
PRODUCTION_RATE_LIMITS: dict[str, RateLimit] = {
    "orders.searchOrders": RateLimit(0.0056, 20),
    "orders.getOrder": RateLimit(0.5, 30),
    "ordersV0.getOrders": RateLimit(0.0167, 20),
    "ordersV0.getOrder": RateLimit(0.5, 30),
    "ordersV0.getOrderBuyerInfo": RateLimit(0.5, 30),
    "ordersV0.getOrderAddress": RateLimit(0.5, 30),
    "ordersV0.getOrderItems": RateLimit(0.5, 30),
    "ordersV0.getOrderItemsBuyerInfo": RateLimit(0.5, 30),
    "ordersV0.confirmShipment": RateLimit(2.0, 10),
    "reports.getReports": RateLimit(0.0222, 10),
    "reports.createReport": RateLimit(0.0167, 15),
    "reports.cancelReport": RateLimit(0.0222, 10),
    "reports.getReport": RateLimit(2.0, 15),
    "reports.getReportSchedules": RateLimit(0.0222, 10),
    "reports.createReportSchedule": RateLimit(0.0222, 10),
    "reports.cancelReportSchedule": RateLimit(0.0222, 10),
    "reports.getReportSchedule": RateLimit(0.0222, 10),
    "reports.getReportDocument": RateLimit(0.0167, 15),
    "feeds.getFeeds": RateLimit(0.0222, 10),
    "feeds.createFeed": RateLimit(0.0083, 15),
    "feeds.cancelFeed": RateLimit(2.0, 15),
    "feeds.getFeed": RateLimit(2.0, 15),
    "feeds.createFeedDocument": RateLimit(0.5, 15),
    "feeds.getFeedDocument": RateLimit(0.0222, 10),
    "sellers.getMarketplaceParticipations": RateLimit(0.016, 15),
    "sellers.getAccount": RateLimit(0.016, 15),
    "tokens.createRestrictedDataToken": RateLimit(1.0, 10),
    "listings.getListingsItem": RateLimit(5.0, 10),
    "listings.putListingsItem": RateLimit(5.0, 10),
    "listings.patchListingsItem": RateLimit(5.0, 5),
    "listings.deleteListingsItem": RateLimit(5.0, 5),
    "listings.searchListingsItems": RateLimit(5.0, 5),
    "fbaInventory.getInventorySummaries": RateLimit(2.0, 2),
    "fbaOutbound.getFulfillmentPreview": RateLimit(2.0, 30),
    "fbaOutbound.createFulfillmentOrder": RateLimit(2.0, 30),
    "fbaOutbound.getFulfillmentOrder": RateLimit(2.0, 30),
    "fbaOutbound.updateFulfillmentOrder": RateLimit(2.0, 30),
    "fbaOutbound.cancelFulfillmentOrder": RateLimit(2.0, 30),
    "fbaOutbound.listAllFulfillmentOrders": RateLimit(2.0, 30),
    "fbaOutbound.getPackageTrackingDetails": RateLimit(2.0, 30),
    "fbaOutbound.listReturnReasonCodes": RateLimit(2.0, 30),
    "fbaOutbound.createFulfillmentReturn": RateLimit(2.0, 30),
    "easyShip.listHandoverSlots": RateLimit(1.0, 5),
    "easyShip.createScheduledPackage": RateLimit(1.0, 5),
    "easyShip.getScheduledPackage": RateLimit(1.0, 5),
    "easyShip.updateScheduledPackages": RateLimit(1.0, 5),
    "shipmentInvoicing.getShipmentDetails": RateLimit(1.133, 25),
    "shipmentInvoicing.submitInvoice": RateLimit(1.133, 25),
    "shipmentInvoicing.getInvoiceStatus": RateLimit(1.133, 25),
    "fbaInbound.getPrepInstructions": RateLimit(2.0, 30),
    "fbaInbound.getLabels": RateLimit(2.0, 30),
    "fbaInbound.getBillOfLading": RateLimit(2.0, 30),
    "fbaInbound.getShipments": RateLimit(2.0, 30),
    "fbaInbound.getShipmentItemsByShipmentId": RateLimit(2.0, 30),
    "fbaInbound.getShipmentItems": RateLimit(2.0, 30),
    "fbaInbound2024.createInboundPlan": RateLimit(2.0, 2),
    "fbaInbound2024.listInboundPlans": RateLimit(2.0, 6),
    "fbaInbound2024.getInboundPlan": RateLimit(2.0, 6),
    "fbaInbound2024.cancelInboundPlan": RateLimit(2.0, 2),
    "fbaInbound2024.listInboundPlanItems": RateLimit(2.0, 6),
    "fbaInbound2024.generatePackingOptions": RateLimit(2.0, 2),
    "fbaInbound2024.listPackingOptions": RateLimit(2.0, 6),
    "fbaInbound2024.confirmPackingOption": RateLimit(2.0, 2),
    "fbaInbound2024.setPackingInformation": RateLimit(2.0, 2),
    "fbaInbound2024.generatePlacementOptions": RateLimit(2.0, 2),
    "fbaInbound2024.listPlacementOptions": RateLimit(2.0, 6),
    "fbaInbound2024.confirmPlacementOption": RateLimit(2.0, 2),
    "fbaInbound2024.getShipment": RateLimit(2.0, 6),
    "fbaInbound2024.listShipmentItems": RateLimit(2.0, 30),
    "fbaInbound2024.listShipmentBoxes": RateLimit(2.0, 30),
    "fbaInbound2024.updateShipmentName": RateLimit(2.0, 30),
    "fbaInbound2024.updateShipmentSourceAddress": RateLimit(2.0, 30),
    "fbaInbound2024.generateTransportationOptions": RateLimit(2.0, 2),
    "fbaInbound2024.listTransportationOptions": RateLimit(2.0, 6),
    "fbaInbound2024.confirmTransportationOptions": RateLimit(2.0, 2),
    "fbaInbound2024.getInboundOperationStatus": RateLimit(2.0, 6),
    "fbaInbound2024.generateShipmentContentUpdatePreviews": RateLimit(2.0, 30),
    "fbaInbound2024.listShipmentContentUpdatePreviews": RateLimit(2.0, 30),
    "fbaInbound2024.confirmShipmentContentUpdatePreview": RateLimit(2.0, 30),
}

# Model file and operationId for each table key (used by the fidelity test of the table).
RATE_TABLE_MODELS: dict[str, str] = {
    "orders": "orders_2026-01-01.json",
    "ordersV0": "ordersV0.json",
    "reports": "reports_2021-06-30.json",
    "feeds": "feeds_2021-06-30.json",
    "sellers": "sellers.json",
    "tokens": "tokens_2021-03-01.json",
    "listings": "listingsItems_2021-08-01.json",
    "fbaInventory": "fbaInventory.json",
    "fbaOutbound": "fulfillmentOutbound_2020-07-01.json",
    "easyShip": "easyShip_2022-03-23.json",
    "shipmentInvoicing": "shipmentInvoicingV0.json",
    "fbaInbound": "fulfillmentInboundV0.json",
    "fbaInbound2024": "fulfillmentInbound_2024-03-20.json",
}


@dataclass
class FaultSpec:
    """Faults applied to calls of one operation (or a `section.*` / `*` pattern).

    Rates are probabilities in [0, 1] drawn per call from the emulator's seeded RNG.
    `remaining` limits how many further matching calls the spec applies to (None: unlimited);
    e.g. `FaultSpec(error_rate=1, error_status=503, remaining=2)` fails the next two calls.
    `duration_s` removes the spec that many seconds after it was installed (e.g. a 429 storm
    of 5 s: `FaultSpec(throttle_rate=1, duration_s=5)`).
    """

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_status: int = 500
    throttle_rate: float = 0.0
    reset_rate: float = 0.0
    truncate_rate: float = 0.0
    malformed_rate: float = 0.0
    remaining: int | None = None
    duration_s: float | None = None

    def __post_init__(self) -> None:
        for name in (
            "error_rate",
            "throttle_rate",
            "reset_rate",
            "truncate_rate",
            "malformed_rate",
        ):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value!r}")
        if self.latency_ms < 0 or self.latency_jitter_ms < 0:
            raise ValueError("latency must not be negative")
        if not 400 <= int(self.error_status) <= 599:
            raise ValueError(f"error_status must be a 4xx/5xx status, got {self.error_status!r}")
        if self.remaining is not None and self.remaining < 0:
            raise ValueError("remaining must not be negative")
        if self.duration_s is not None and self.duration_s <= 0:
            raise ValueError("duration_s must be positive")

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> FaultSpec:
        """Build from a JSON object; unknown keys or wrong types raise ValueError."""
        known = {f.name for f in fields(cls)}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {}
        for key, value in raw.items():
            if key == "remaining":
                if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
                    raise ValueError("remaining must be an integer or null")
                values[key] = value
            elif key == "duration_s":
                if value is not None and (
                    not isinstance(value, int | float) or isinstance(value, bool)
                ):
                    raise ValueError("duration_s must be a number or null")
                values[key] = None if value is None else float(value)
            elif key == "error_status":
                if not isinstance(value, int) or isinstance(value, bool):
                    raise ValueError("error_status must be an integer")
                values[key] = value
            else:
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise ValueError(f"{key} must be a number")
                values[key] = float(value)
        return cls(**values)

    def to_json(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class RefreshGrant:
    """What a refresh token stands for: a seller's authorization of one application."""

    seller_id: str
    client_id: str


def _default_refresh_tokens() -> dict[str, RefreshGrant]:
    return {DEMO_REFRESH_TOKEN: RefreshGrant(DEMO_SELLER_ID, DEMO_CLIENT_ID)}


@dataclass
class EmulatorConfig:
    """Everything the emulator can be told at start-up (all fields have demo defaults)."""

    seller_id: str = DEMO_SELLER_ID
    lwa_clients: dict[str, str] = field(
        default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
    )
    refresh_tokens: dict[str, RefreshGrant] = field(default_factory=_default_refresh_tokens)
    access_token_ttl: float = 3600.0
    rdt_ttl: float = 3600.0
    rate_mode: RateMode = "sandbox"
    sandbox_rate_limit: RateLimit = SANDBOX_RATE_LIMIT
    rate_limits: dict[str, RateLimit] = field(default_factory=lambda: dict(PRODUCTION_RATE_LIMITS))
    faults: dict[str, FaultSpec] = field(default_factory=dict)
    seed: int = 20240401
    order_count: int = 200
    listing_count: int = 100
    data_anchor: datetime | None = None
    """"Now" of the seeded data set (UTC). None: today's midnight UTC."""
    document_url_ttl: float = 300.0
    document_spill_bytes: int = 8 * 1024 * 1024
    signing_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    public_base_url: str | None = None
    """Base URL put into presigned document URLs. None: taken from the request's Host."""
    admin_enabled: bool = True
    """Serve /_emulator/* (faults, counters)."""
    application_id: str = "amzn1.sp.solution.emulated-mws-gateway"
    """The applicationId notifications carry (and createSubscription's errors name)."""
    sqs_endpoint: str | None = None
    """Where notifications are published: an SQS-compatible server (MWS_GATEWAY_SQS_ENDPOINT);
    None: AWS's regional endpoint of each destination queue's region."""
    sqs_region: str = "us-east-1"
    notifications_tick_seconds: float = 0.25
    """How often jobs are moved on (and notifications sent) while a subscription exists."""

    def rate_limit_for(self, operation: str) -> RateLimit | None:
        """The bucket parameters applied to `operation`, or None when limiting is off."""
        if self.rate_mode == "off":
            return None
        if self.rate_mode == "sandbox":
            return self.sandbox_rate_limit
        return self.rate_limits.get(operation, self.sandbox_rate_limit)
