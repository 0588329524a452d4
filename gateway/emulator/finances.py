"""Finances API v0: financial event groups and events derived from the seeded orders.

The ledger is built once per emulator (first Finances call) and never changes afterwards:

* one ``ShipmentEvent`` per shipped (or partly shipped) order, posted when its first package
  shipped: Principal/Tax/ShippingCharge per item, a 15 % Commission and, for Amazon-fulfilled
  orders, an FBA per-unit fee;
* a ``RefundEvent`` for every 8th of those orders, five days later (if that is in the past);
* per 14-day group: a ``ServiceFeeEvent`` (Subscription), every 4th group an
  ``AdjustmentEvent`` (FBA inventory reimbursement), every 3rd group a
  ``ValueAddedServiceChargeEvent`` (an SP-API-only event type);
* groups per currency: the newest is Open (no end), the others Closed and transferred.

Paging: ``MaxResultsPerPage`` counts events (groups for the groups call); ``NextToken`` is
an opaque offset bound to the other arguments (SP-API wants them repeated, 400 otherwise).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
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
    page_offset,
    page_token,
    parse_datetime,
    spapi_operation,
)
from gateway.emulator.data import SeedData

GROUP_DAYS = 14
GROUP_COUNT = 12
COMMISSION_RATE = Decimal("0.15")
FBA_UNIT_FEE = Decimal("3.22")
SUBSCRIPTION_FEE = Decimal("39.99")

# Every list of the v0 FinancialEvents object (an SP-API answer carries them all).
EVENT_LISTS = (
    "ShipmentEventList",
    "ShipmentSettleEventList",
    "RefundEventList",
    "GuaranteeClaimEventList",
    "EBTRefundReimbursementOnlyEventList",
    "ChargebackEventList",
    "PayWithAmazonEventList",
    "ServiceProviderCreditEventList",
    "RetrochargeEventList",
    "RentalTransactionEventList",
    "ProductAdsPaymentEventList",
    "ServiceFeeEventList",
    "SellerDealPaymentEventList",
    "DebtRecoveryEventList",
    "LoanServicingEventList",
    "AdjustmentEventList",
    "SAFETReimbursementEventList",
    "SellerReviewEnrollmentPaymentEventList",
    "FBALiquidationEventList",
    "CouponPaymentEventList",
    "ImagingServicesFeeEventList",
    "NetworkComminglingTransactionEventList",
    "AffordabilityExpenseEventList",
    "AffordabilityExpenseReversalEventList",
    "RemovalShipmentEventList",
    "RemovalShipmentAdjustmentEventList",
    "TrialShipmentEventList",
    "TDSReimbursementEventList",
    "AdhocDisbursementEventList",
    "TaxWithholdingEventList",
    "ChargeRefundEventList",
    "FailedAdhocDisbursementEventList",
    "ValueAddedServiceChargeEventList",
    "CapacityReservationBillingEventList",
)


def money(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "CurrencyAmount": float(amount.quantize(Decimal("0.01")))}


@dataclass
class LedgerEvent:
    list_name: str
    posted: datetime
    order_id: str | None
    currency: str
    net: Decimal
    body: dict[str, Any]
    seq: int = 0


@dataclass
class Group:
    group_id: str
    currency: str
    start: datetime
    end: datetime | None
    events: list[LedgerEvent] = field(default_factory=list)

    def body(self) -> dict[str, Any]:
        total = sum((e.net for e in self.events), Decimal("0"))
        out: dict[str, Any] = {
            "FinancialEventGroupId": self.group_id,
            "ProcessingStatus": "Open" if self.end is None else "Closed",
            "OriginalTotal": money(total, self.currency),
            "BeginningBalance": money(Decimal("0"), self.currency),
            "FinancialEventGroupStart": iso(self.start),
        }
        if self.end is not None:
            out["FundTransferStatus"] = "Succeeded"
            out["FundTransferDate"] = iso(self.end + timedelta(days=1))
            out["FinancialEventGroupEnd"] = iso(self.end)
            out["TraceId"] = "TRACE" + self.group_id[:10].upper()
            out["AccountTail"] = "0042"
            out["ConvertedTotal"] = money(total, self.currency)
        return out


@dataclass
class Ledger:
    groups: list[Group]  # newest first
    events: list[LedgerEvent]  # by posted date

    def group(self, group_id: str) -> Group | None:
        return next((g for g in self.groups if g.group_id == group_id), None)


def _group_id(seller_id: str, currency: str, index: int) -> str:
    digest = hashlib.sha256(f"{seller_id}|{currency}|{index}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _amount(breakdowns: Iterable[dict[str, Any]], kind: str) -> tuple[Decimal, str] | None:
    for b in breakdowns:
        if b.get("type") == kind and isinstance(b.get("subtotal"), dict):
            return Decimal(b["subtotal"]["amount"]), str(b["subtotal"]["currencyCode"])
    return None


def _shipment_event(order: dict[str, Any], posted: datetime, refund: bool) -> LedgerEvent | None:
    afn = order.get("fulfillment", {}).get("fulfilledBy") == "AMAZON"
    sign = Decimal(-1) if refund else Decimal(1)
    items: list[dict[str, Any]] = []
    net = Decimal("0")
    currency = "USD"
    for item in order.get("orderItems") or []:
        qty = int(item.get("fulfillment", {}).get("quantityFulfilled") or 0)
        if qty <= 0:
            continue
        breakdowns = item.get("proceeds", {}).get("breakdowns") or []
        charges: list[dict[str, Any]] = []
        for kind, charge_type in (
            ("ITEM", "Principal"),
            ("TAX", "Tax"),
            ("SHIPPING", "ShippingCharge"),
        ):
            found = _amount(breakdowns, kind)
            if found is None:
                continue
            value, currency = found
            charges.append(
                {"ChargeType": charge_type, "ChargeAmount": money(sign * value, currency)}
            )
            net += sign * value
        principal = _amount(breakdowns, "ITEM")
        base = principal[0] if principal else Decimal("0")
        fees = [
            {"FeeType": "Commission", "FeeAmount": money(-sign * base * COMMISSION_RATE, currency)}
        ]
        net += -sign * (base * COMMISSION_RATE).quantize(Decimal("0.01"))
        if afn and not refund:
            fees.append(
                {
                    "FeeType": "FBAPerUnitFulfillmentFee",
                    "FeeAmount": money(-FBA_UNIT_FEE * qty, currency),
                }
            )
            net -= FBA_UNIT_FEE * qty
        entry: dict[str, Any] = {"SellerSKU": item["product"]["sellerSku"], "QuantityShipped": qty}
        if refund:
            entry["OrderAdjustmentItemId"] = "ADJ" + str(item["orderItemId"])
            entry["ItemChargeAdjustmentList"] = charges
            entry["ItemFeeAdjustmentList"] = fees
        else:
            entry["OrderItemId"] = str(item["orderItemId"])
            entry["ItemChargeList"] = charges
            entry["ItemFeeList"] = fees
        items.append(entry)
    if not items:
        return None
    alias = next(
        (
            a["aliasId"]
            for a in order.get("orderAliases") or []
            if a.get("aliasType") == "SELLER_ORDER_ID"
        ),
        None,
    )
    body: dict[str, Any] = {
        "AmazonOrderId": order["orderId"],
        "MarketplaceName": order.get("salesChannel", {}).get("marketplaceName", "Amazon.com"),
        "StoreName": "Emulated Example Store",
        "PostedDate": iso(posted),
        ("ShipmentItemAdjustmentList" if refund else "ShipmentItemList"): items,
    }
    if alias:
        body["SellerOrderId"] = alias
    name = "RefundEventList" if refund else "ShipmentEventList"
    return LedgerEvent(name, posted, order["orderId"], currency, net, body)


def _shipped_at(order: dict[str, Any]) -> datetime | None:
    status = order.get("fulfillment", {}).get("fulfillmentStatus")
    if status not in ("SHIPPED", "PARTIALLY_SHIPPED"):
        return None
    packages = order.get("packages") or []
    when = packages[0].get("shipTime") if packages else None
    return parse_datetime(str(when or order["lastUpdatedTime"]), "shipTime")


def build_ledger(data: SeedData, now: datetime) -> Ledger:
    events: list[LedgerEvent] = []
    shipped = [(o, _shipped_at(o)) for o in data.orders_sorted()]
    for n, (order, when) in enumerate((o, w) for o, w in shipped if w is not None):
        event = _shipment_event(order, when, refund=False)
        if event is None:
            continue
        events.append(event)
        refund_at = when + timedelta(days=5)
        if n % 8 == 0 and refund_at < now:
            refund = _shipment_event(order, refund_at, refund=True)
            if refund is not None:
                events.append(refund)
    open_start = data.anchor - timedelta(days=GROUP_DAYS // 2)
    starts = [open_start - timedelta(days=GROUP_DAYS * i) for i in range(GROUP_COUNT)]
    skus = sorted(data.inventory)
    for i, start in enumerate(starts):
        posted = start + timedelta(hours=30)
        if posted >= now:
            continue
        fee = {"FeeType": "Subscription", "FeeAmount": money(-SUBSCRIPTION_FEE, "USD")}
        events.append(
            LedgerEvent(
                "ServiceFeeEventList",
                posted,
                None,
                "USD",
                -SUBSCRIPTION_FEE,
                {
                    "FeeReason": "Subscription",
                    "FeeList": [fee],
                    "FeeDescription": "Professional selling plan",
                },
            )
        )
        if i % 4 == 1 and skus:
            sku = skus[i % len(skus)]
            amount = Decimal("12.50")
            events.append(
                LedgerEvent(
                    "AdjustmentEventList",
                    posted + timedelta(hours=2),
                    None,
                    "USD",
                    amount,
                    {
                        "AdjustmentType": "FBAInventoryReimbursement",
                        "PostedDate": iso(posted + timedelta(hours=2)),
                        "AdjustmentAmount": money(amount, "USD"),
                        "AdjustmentItemList": [
                            {
                                "Quantity": "1",
                                "PerUnitAmount": money(amount, "USD"),
                                "TotalAmount": money(amount, "USD"),
                                "SellerSKU": sku,
                                "FnSKU": data.inventory[sku]["fnSku"],
                                "ProductDescription": data.inventory[sku]["productName"],
                                "ASIN": data.inventory[sku]["asin"],
                                "TransactionNumber": f"TX{i:06d}",
                            }
                        ],
                    },
                )
            )
        if i % 3 == 2:
            amount = Decimal("-5.00")
            events.append(
                LedgerEvent(
                    "ValueAddedServiceChargeEventList",
                    posted + timedelta(hours=3),
                    None,
                    "USD",
                    amount,
                    {
                        "TransactionType": "Charge",
                        "PostedDate": iso(posted + timedelta(hours=3)),
                        "Description": "Prep service",
                        "TransactionAmount": money(amount, "USD"),
                    },
                )
            )
    events.sort(key=lambda e: (e.posted, e.list_name, e.order_id or ""))
    for seq, event in enumerate(events):
        event.seq = seq
    currencies = sorted({e.currency for e in events}) or ["USD"]
    groups: list[Group] = []
    for currency in currencies:
        for i, start in enumerate(starts):
            end = None if i == 0 else starts[i - 1]
            group = Group(_group_id(data.seller_id, currency, i), currency, start, end)
            group.events = [
                e
                for e in events
                if e.currency == currency and e.posted >= start and (end is None or e.posted < end)
            ]
            groups.append(group)
    groups.sort(key=lambda g: (g.start, g.currency), reverse=True)
    return Ledger(groups, events)


def ledger(ctx: OperationContext) -> Ledger:
    state = ctx.state
    return state.section("financesV0", lambda: build_ledger(state.data, datetime.now(UTC)))


# ------------------------------------------------------------------ paging


def _page_size(request: Request, default: int) -> int:
    raw = request.query_params.get("MaxResultsPerPage")
    if raw is None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise invalid_input("MaxResultsPerPage must be an integer.") from None
    if not 1 <= size <= 100:
        raise invalid_input("MaxResultsPerPage must be between 1 and 100.")
    return size


def _window(request: Request, after: str, before: str) -> tuple[datetime | None, datetime | None]:
    start = request.query_params.get(after)
    end = request.query_params.get(before)
    lo = parse_datetime(start, after) if start else None
    hi = parse_datetime(end, before) if end else None
    if lo is not None and hi is not None and hi <= lo:
        raise invalid_input(f"{before} must be later than {after}.")
    return lo, hi


def events_payload(events: list[LedgerEvent], request: Request) -> JsonBody:
    size = _page_size(request, 100)
    offset = page_offset(request, "NextToken")
    page = events[offset : offset + size]
    lists: dict[str, list[dict[str, Any]]] = {name: [] for name in EVENT_LISTS}
    for event in page:
        lists[event.list_name].append(event.body)
    payload: dict[str, Any] = {"FinancialEvents": lists}
    if offset + size < len(events):
        payload["NextToken"] = page_token(offset + size, request, "NextToken")
    return {"payload": payload}


# ------------------------------------------------------------------ endpoints


@spapi_operation("financesV0.listFinancialEventGroups")
async def list_financial_event_groups(request: Request, ctx: OperationContext) -> JsonBody:
    lo, hi = _window(request, "FinancialEventGroupStartedAfter", "FinancialEventGroupStartedBefore")
    groups = [
        g
        for g in ledger(ctx).groups
        if (lo is None or g.start >= lo) and (hi is None or g.start < hi)
    ]
    size = _page_size(request, 10)
    offset = page_offset(request, "NextToken")
    payload: dict[str, Any] = {
        "FinancialEventGroupList": [g.body() for g in groups[offset : offset + size]]
    }
    if offset + size < len(groups):
        payload["NextToken"] = page_token(offset + size, request, "NextToken")
    return {"payload": payload}


@spapi_operation("financesV0.listFinancialEvents")
async def list_financial_events(request: Request, ctx: OperationContext) -> JsonBody:
    lo, hi = _window(request, "PostedAfter", "PostedBefore")
    if lo is None and not request.query_params.get("NextToken"):
        raise invalid_input("PostedAfter is required.")
    events = [
        e
        for e in ledger(ctx).events
        if (lo is None or e.posted >= lo) and (hi is None or e.posted < hi)
    ]
    return events_payload(events, request)


@spapi_operation("financesV0.listFinancialEventsByGroupId")
async def list_financial_events_by_group_id(request: Request, ctx: OperationContext) -> JsonBody:
    lo, hi = _window(request, "PostedAfter", "PostedBefore")
    group = ledger(ctx).group(request.path_params["eventGroupId"])
    events = [
        e
        for e in (group.events if group else [])
        if (lo is None or e.posted >= lo) and (hi is None or e.posted < hi)
    ]
    return events_payload(events, request)


@spapi_operation("financesV0.listFinancialEventsByOrderId")
async def list_financial_events_by_order_id(request: Request, ctx: OperationContext) -> JsonBody:
    order_id = request.path_params["orderId"]
    events = [e for e in ledger(ctx).events if e.order_id == order_id]
    return events_payload(events, request)


routes: list[BaseRoute] = [
    Route("/finances/v0/financialEventGroups", list_financial_event_groups, methods=["GET"]),
    Route(
        "/finances/v0/financialEventGroups/{eventGroupId}/financialEvents",
        list_financial_events_by_group_id,
        methods=["GET"],
    ),
    Route(
        "/finances/v0/orders/{orderId}/financialEvents",
        list_financial_events_by_order_id,
        methods=["GET"],
    ),
    Route("/finances/v0/financialEvents", list_financial_events, methods=["GET"]),
]
