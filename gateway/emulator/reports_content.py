"""Report documents generated from the emulator's seeded data (listings, orders, inventory).

Columns follow the flat files MWS/SP-API produced for these report types (tab-separated, header
row first); order reports filter by the report's data window. Types the emulator cannot produce
have no content (the report ends CANCELLED after processing: "no data").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from gateway.emulator.data import SeedData

BOM = "\ufeff"

LISTING_COLUMNS = [
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity",
    "open-date", "image-url", "item-is-marketplace", "product-id-type", "item-note",
    "item-condition", "asin1", "product-id", "pending-quantity", "fulfillment-channel", "status",
]  # fmt: skip
OPEN_LISTING_COLUMNS = ["sku", "asin", "price", "quantity"]
ORDER_COLUMNS = [
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
    "fulfillment-channel", "sales-channel", "ship-service-level", "product-name", "sku", "asin",
    "item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price",
]  # fmt: skip
INVENTORY_COLUMNS = [
    "seller-sku", "fulfillment-channel-sku", "asin", "condition-type", "Warehouse-Condition-code",
    "Quantity Available",
]  # fmt: skip
SETTLEMENT_COLUMNS = [
    "settlement-id", "settlement-start-date", "settlement-end-date", "deposit-date",
    "total-amount", "currency", "transaction-type", "order-id", "posted-date", "sku",
    "quantity-purchased", "price-type", "price-amount",
]  # fmt: skip

LISTING_TYPES = {
    "GET_MERCHANT_LISTINGS_ALL_DATA",
    "GET_MERCHANT_LISTINGS_DATA",
    "GET_MERCHANT_LISTINGS_INACTIVE_DATA",
    "GET_MERCHANT_LISTINGS_DATA_BACK_COMPAT",
    "GET_MERCHANT_LISTINGS_DATA_LITE",
    "GET_MERCHANT_LISTINGS_DATA_LITER",
}
ORDER_DATE_TYPES = {
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    "GET_FLAT_FILE_ARCHIVED_ORDERS_DATA_BY_ORDER_DATE",
    "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
}
ORDER_UPDATE_TYPES = {"GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL"}
XML_ORDER_TYPES = {
    "GET_XML_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
    "GET_XML_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL",
}
INVENTORY_TYPES = {"GET_AFN_INVENTORY_DATA", "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA",
                   "GET_FBA_MYI_ALL_INVENTORY_DATA"}  # fmt: skip
SETTLEMENT_TYPES = {
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE",
    "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2",
}
# Served gzip-compressed (compressionAlgorithm GZIP), as SP-API does for its larger reports.
GZIP_TYPES = ORDER_DATE_TYPES | ORDER_UPDATE_TYPES | SETTLEMENT_TYPES
RESTRICTED_TYPES = {
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_INVOICING", "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_TAX",
    "GET_FLAT_FILE_ACTIONABLE_ORDER_DATA_SHIPPING", "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
    "GET_FLAT_FILE_ORDER_REPORT_DATA_INVOICING", "GET_FLAT_FILE_ORDER_REPORT_DATA_TAX",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_TAX",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_INVOICING",
    "GET_FLAT_FILE_ORDERS_RECONCILIATION_DATA_SHIPPING", "GET_ORDER_REPORT_DATA_INVOICING",
    "GET_ORDER_REPORT_DATA_TAX", "GET_ORDER_REPORT_DATA_SHIPPING", "GET_EASYSHIP_DOCUMENTS",
    "GET_GST_MTR_B2B_CUSTOM", "GET_VAT_TRANSACTION_DATA", "SC_VAT_TAX_REPORT",
}  # fmt: skip
AMAZON_GENERATED = SETTLEMENT_TYPES | {"GET_V2_SETTLEMENT_REPORT_DATA_XML"}


def _tsv(columns: list[str], rows: Iterable[list[Any]], bom: bool = False) -> bytes:
    lines = ["\t".join(columns)]
    for row in rows:
        lines.append("\t".join("" if v is None else str(v).replace("\t", " ") for v in row))
    return ((BOM if bom else "") + "\n".join(lines) + "\n").encode("utf-8")


def _pacific(iso: str) -> str:
    value = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _listings(data: SeedData, report_type: str) -> bytes:
    rows = []
    for n, listing in enumerate(data.listings.values(), start=1):
        active = "BUYABLE" in listing["status"]
        if report_type == "GET_MERCHANT_LISTINGS_DATA" and not active:
            continue
        if report_type == "GET_MERCHANT_LISTINGS_INACTIVE_DATA" and active:
            continue
        rows.append(
            [
                listing["title"], "", f"{1100 + n:04d}X{listing['asin'][-6:]}", listing["sku"],
                listing["price"], listing["quantity"], _pacific(listing["created"]), "", "y",
                1, listing["condition_note"], 11 if listing["condition"] == "new_new" else 1,
                listing["asin"], listing["asin"], 0, listing["fulfillment_channel"],
                "Active" if active else "Inactive",
            ]
        )  # fmt: skip
    return _tsv(LISTING_COLUMNS, rows, bom=report_type == "GET_MERCHANT_LISTINGS_DATA")


def _open_listings(data: SeedData) -> bytes:
    rows = [[x["sku"], x["asin"], x["price"], x["quantity"]] for x in data.listings.values()]
    return _tsv(OPEN_LISTING_COLUMNS, rows)


def _in_window(value: str, start: datetime | None, end: datetime | None) -> bool:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return (start is None or moment >= start) and (end is None or moment <= end)


def _orders(
    data: SeedData, start: datetime | None, end: datetime | None, by_update: bool
) -> list[dict[str, Any]]:
    field = "lastUpdatedTime" if by_update else "createdTime"
    return [o for o in data.orders_sorted() if _in_window(o[field], start, end)]


def _order_rows(orders: list[dict[str, Any]]) -> Iterable[list[Any]]:
    for order in orders:
        status = order["fulfillment"]["fulfillmentStatus"]
        channel = "Amazon" if order["fulfillment"]["fulfilledBy"] == "AMAZON" else "Merchant"
        for item in order["orderItems"]:
            price = item["product"]["price"]["unitPrice"]
            tax = next(b for b in item["proceeds"]["breakdowns"] if b["type"] == "TAX")
            ship = next(b for b in item["proceeds"]["breakdowns"] if b["type"] == "SHIPPING")
            yield [
                order["orderId"], "", order["createdTime"], order["lastUpdatedTime"],
                status.title().replace("_", " "), channel, "Amazon.com",
                order["fulfillment"]["fulfillmentServiceLevel"].title(),
                item["product"]["title"], item["product"]["sellerSku"], item["product"]["asin"],
                status.title().replace("_", " "), item["quantityOrdered"], price["currencyCode"],
                price["amount"], tax["subtotal"]["amount"], ship["subtotal"]["amount"],
            ]  # fmt: skip


def _xml_orders(orders: list[dict[str, Any]]) -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<AmazonEnvelope>\n'
        "<Header><DocumentVersion>1.00</DocumentVersion></Header>\n"
        "<MessageType>AllOrdersReport</MessageType>\n"
    ]
    for n, order in enumerate(orders, start=1):
        items = "".join(
            f"<OrderItem><ASIN>{escape(i['product']['asin'])}</ASIN>"
            f"<SKU>{escape(i['product']['sellerSku'])}</SKU>"
            f"<ProductName>{escape(i['product']['title'])}</ProductName>"
            f"<Quantity>{i['quantityOrdered']}</Quantity></OrderItem>"
            for i in order["orderItems"]
        )
        parts.append(
            f"<Message><MessageID>{n}</MessageID><Order>"
            f"<AmazonOrderID>{escape(order['orderId'])}</AmazonOrderID>"
            f"<PurchaseDate>{order['createdTime']}</PurchaseDate>"
            f"<LastUpdatedDate>{order['lastUpdatedTime']}</LastUpdatedDate>"
            f"<OrderStatus>{escape(order['fulfillment']['fulfillmentStatus'])}</OrderStatus>"
            f"{items}</Order></Message>\n"
        )
    parts.append("</AmazonEnvelope>\n")
    return "".join(parts).encode("utf-8")


def _inventory(data: SeedData) -> bytes:
    rows = []
    for summary in data.inventory.values():
        rows.append(
            [
                summary["sellerSku"], summary["fnSku"], summary["asin"], summary["condition"],
                "SELLABLE", summary["inventoryDetails"]["fulfillableQuantity"],
            ]
        )  # fmt: skip
    return _tsv(INVENTORY_COLUMNS, rows)


def _settlement(data: SeedData, start: datetime, end: datetime, settlement_id: str) -> bytes:
    orders = [o for o in data.orders_sorted() if _in_window(o["createdTime"], start, end)]
    total = sum(float(o.get("proceeds", {}).get("grandTotal", {}).get("amount", 0)) for o in orders)
    rows: list[list[Any]] = [
        [settlement_id, start.isoformat(), end.isoformat(), end.isoformat(), f"{total:.2f}",
         "USD", "", "", "", "", "", "", ""]
    ]  # fmt: skip
    for order in orders:
        for item in order["orderItems"]:
            price = item["product"]["price"]["unitPrice"]
            rows.append(
                [settlement_id, "", "", "", "", "", "Order", order["orderId"],
                 order["createdTime"], item["product"]["sellerSku"], item["quantityOrdered"],
                 "Principal", price["amount"]]
            )  # fmt: skip
    return _tsv(SETTLEMENT_COLUMNS, rows)


Content = Callable[[], bytes]


def content_for(
    data: SeedData,
    report_type: str,
    start: datetime | None,
    end: datetime | None,
    report_id: str,
) -> tuple[Content, str] | None:
    """A producer of the document and its Content-Type, or None when there is no data."""
    flat = "text/plain; charset=UTF-8"
    if report_type in LISTING_TYPES:
        return (lambda: _listings(data, report_type)), flat
    if report_type == "GET_FLAT_FILE_OPEN_LISTINGS_DATA":
        return (lambda: _open_listings(data)), flat
    if report_type in ORDER_DATE_TYPES or report_type in ORDER_UPDATE_TYPES:
        orders = _orders(data, start, end, report_type in ORDER_UPDATE_TYPES)
        if not orders:
            return None
        return (lambda: _tsv(ORDER_COLUMNS, _order_rows(orders))), flat
    if report_type in XML_ORDER_TYPES:
        orders = _orders(data, start, end, "LAST_UPDATE" in report_type)
        if not orders:
            return None
        return (lambda: _xml_orders(orders)), "text/xml; charset=UTF-8"
    if report_type in INVENTORY_TYPES:
        return (lambda: _inventory(data)), flat
    if report_type in SETTLEMENT_TYPES and start is not None and end is not None:
        return (lambda: _settlement(data, start, end, report_id)), flat
    return None
