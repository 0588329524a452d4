"""Seeded, deterministic seller data: marketplaces, orders, listings, FBA inventory, and the
regional programmes' own records: Easy Ship orders in India and FBA shipments in Brazil.

Orders are stored in the Orders API 2026-01-01 shape (`orderId`, `createdTime`, `salesChannel`,
`buyer`, `recipient`, `proceeds`, `fulfillment`, `orderItems`, `packages`, ...) with every field
present; which fields a given API version or call may show (e.g. PII) is the serving handler's
decision. Listings are flat records that the Feeds/Listings code may change; FBA inventory uses
the FBA Inventory v1 `InventorySummary` field names. All names, e-mails, addresses and phone
numbers are invented. The Easy Ship orders (India, A21TJRUUN4KGV) and the Brazilian
shipments (A2Q3Y263D00KWC, Shipment Invoicing v0 `ShipmentDetail` names) come from their own
random stream, so the main data set stays the same whatever they hold.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

ORDER_STATUSES = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)
_STATUS_WEIGHTS = (2, 8, 14, 6, 60, 8, 2)

MARKETPLACES: dict[str, dict[str, str]] = {
    "ATVPDKIKX0DER": {
        "id": "ATVPDKIKX0DER",
        "name": "Amazon.com",
        "countryCode": "US",
        "defaultCurrencyCode": "USD",
        "defaultLanguageCode": "en_US",
        "domainName": "www.amazon.com",
    },
    "A2EUQ1WTGCTBG2": {
        "id": "A2EUQ1WTGCTBG2",
        "name": "Amazon.ca",
        "countryCode": "CA",
        "defaultCurrencyCode": "CAD",
        "defaultLanguageCode": "en_CA",
        "domainName": "www.amazon.ca",
    },
}
PRIMARY_MARKETPLACE = "ATVPDKIKX0DER"
SECOND_MARKETPLACE = "A2EUQ1WTGCTBG2"
INDIA_MARKETPLACE = "A21TJRUUN4KGV"
BRAZIL_MARKETPLACE = "A2Q3Y263D00KWC"
STORE_NAME = "Emulated Example Store"

_FIRST = (
    "Harriet",
    "Ambrose",
    "Celestine",
    "Thaddeus",
    "Philippa",
    "Evander",
    "Rosalind",
    "Lucian",
    "Ottilie",
    "Barnaby",
    "Wilhelmina",
    "Cormac",
    "Isadora",
    "Leopold",
    "Marguerite",
    "Ignatius",
    "Seraphina",
    "Percival",
    "Clementine",
    "Algernon",
    "Winifred",
    "Montgomery",
    "Beatrix",
    "Osric",
)
_LAST = (
    "Quimbleton",
    "Fairweather",
    "Ashcombe",
    "Thistlewood",
    "Marchbanks",
    "Oakenshaw",
    "Pemberton-Lyle",
    "Vantongeren",
    "Whitlock-Ames",
    "Castellane",
    "Brightwater",
    "Dunsford",
    "Kettleby",
    "Larchmont",
    "Holloway-Finch",
    "Redgrave",
    "Summerisle",
    "Wexcombe",
)
_STREETS = (
    "Juniper Hollow Rd",
    "Quarry Bend Ave",
    "Lantern Row",
    "Marrowfield Ln",
    "Cobblestone Ct",
    "Heronsgate Dr",
    "Old Mill Spur",
    "Windrose Pkwy",
    "Tamarack Crescent",
    "Fernleaf Way",
)
_US_CITIES = (
    ("Seattle", "WA", "981"),
    ("Portland", "OR", "972"),
    ("Austin", "TX", "787"),
    ("Columbus", "OH", "432"),
    ("Denver", "CO", "802"),
    ("Raleigh", "NC", "276"),
    ("Madison", "WI", "537"),
    ("Tucson", "AZ", "857"),
)
_CA_CITIES = (
    ("Toronto", "ON", "M5V"),
    ("Vancouver", "BC", "V6B"),
    ("Calgary", "AB", "T2P"),
    ("Ottawa", "ON", "K1P"),
    ("Halifax", "NS", "B3H"),
)
_ADJECTIVES = (
    "Stainless",
    "Bamboo",
    "Ceramic",
    "Insulated",
    "Foldable",
    "Wireless",
    "Organic",
    "Compact",
    "Adjustable",
    "Waterproof",
    "Vintage",
    "Ergonomic",
)
_NOUNS = (
    "Water Bottle",
    "Cutting Board",
    "Coffee Mug",
    "Lunch Box",
    "Desk Lamp",
    "Phone Stand",
    "Yoga Mat",
    "Backpack",
    "Kettle",
    "Notebook Set",
    "Plant Pot",
    "Headphone Hook",
)
_CARRIERS = (("UPS", "1Z"), ("USPS", "9400"), ("FedEx", "7489"))
_SERVICE_LEVELS = ("STANDARD", "STANDARD", "EXPEDITED", "SECOND_DAY", "NEXT_DAY")
_CONDITIONS = (
    ("new_new", "NEW", "NEW"),
    ("new_new", "NEW", "NEW"),
    ("new_new", "NEW", "NEW"),
    ("used_like_new", "USED", "MINT"),
    ("used_very_good", "USED", "VERY_GOOD"),
    ("used_good", "USED", "GOOD"),
)
LISTING_FIELDS = frozenset(
    {
        "asin",
        "title",
        "price",
        "currency",
        "quantity",
        "condition",
        "fulfillment_channel",
        "product_type",
        "marketplace_id",
        "status",
        "created",
        "updated",
        "condition_note",
    }
)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount.quantize(Decimal('0.01'))}", "currencyCode": currency}


def _alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") for _ in range(n))


@dataclass
class SeedData:
    seller_id: str
    anchor: datetime
    marketplaces: list[dict[str, str]]
    orders: list[dict[str, Any]]
    listings: dict[str, dict[str, Any]]
    inventory: dict[str, dict[str, Any]]
    easy_ship_orders: list[dict[str, Any]] = field(default_factory=list)
    brazil_shipments: list[dict[str, Any]] = field(default_factory=list)
    _orders_by_id: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    # -- construction ---------------------------------------------------------------------------

    @classmethod
    def generate(
        cls,
        *,
        seed: int = 20240401,
        seller_id: str = "A1EXAMPLESELLER",
        order_count: int = 200,
        listing_count: int = 100,
        anchor: datetime | None = None,
    ) -> SeedData:
        """The same arguments always give the same data."""
        if anchor is None:
            anchor = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        anchor = anchor.astimezone(UTC)
        rng = random.Random(seed)
        listings = _make_listings(rng, listing_count, anchor)
        inventory = _make_inventory(rng, listings, anchor)
        orders = _make_orders(rng, order_count, listings, anchor)
        data = cls(
            seller_id=seller_id,
            anchor=anchor,
            marketplaces=[dict(m) for m in MARKETPLACES.values()],
            orders=orders,
            listings=listings,
            inventory=inventory,
        )
        data._orders_by_id = {o["orderId"]: o for o in orders}
        regional = random.Random(seed + 7919)
        data.easy_ship_orders = _make_easy_ship_orders(regional, anchor)
        data.brazil_shipments = _make_brazil_shipments(regional, anchor, seller_id)
        return data

    # -- orders ---------------------------------------------------------------------------------

    def order(self, order_id: str) -> dict[str, Any] | None:
        """The stored order record (mutable; copy before changing a response)."""
        return self._orders_by_id.get(order_id)

    def orders_sorted(self) -> list[dict[str, Any]]:
        """Orders by createdTime ascending (ties by orderId)."""
        return sorted(self.orders, key=lambda o: (o["createdTime"], o["orderId"]))

    def add_order(self, order: dict[str, Any]) -> None:
        self.orders.append(order)
        self._orders_by_id[order["orderId"]] = order

    # -- listings -------------------------------------------------------------------------------

    def listing(self, sku: str) -> dict[str, Any] | None:
        return self.listings.get(sku)

    def update_listing(self, sku: str, **changes: Any) -> dict[str, Any]:
        """Change fields of an existing listing (KeyError if unknown SKU or field)."""
        record = self.listings[sku]
        unknown = set(changes) - LISTING_FIELDS
        if unknown:
            raise KeyError(f"unknown listing fields: {', '.join(sorted(unknown))}")
        record.update(changes)
        if "updated" not in changes:
            record["updated"] = _iso(datetime.now(UTC))
        if "quantity" in changes and sku in self.inventory:
            _set_fulfillable(self.inventory[sku], int(changes["quantity"]), record["updated"])
        return record

    def upsert_listing(self, sku: str, **fields_: Any) -> dict[str, Any]:
        """Create a listing (defaults for missing fields) or update an existing one."""
        if sku in self.listings:
            return self.update_listing(sku, **fields_)
        now = _iso(datetime.now(UTC))
        record: dict[str, Any] = {
            "sku": sku,
            "asin": fields_.pop("asin", None),
            "title": "",
            "price": "0.00",
            "currency": "USD",
            "quantity": 0,
            "condition": "new_new",
            "condition_note": None,
            "fulfillment_channel": "DEFAULT",
            "product_type": "PRODUCT",
            "marketplace_id": PRIMARY_MARKETPLACE,
            "status": ["DISCOVERABLE"],
            "created": now,
            "updated": now,
        }
        unknown = set(fields_) - LISTING_FIELDS
        if unknown:
            raise KeyError(f"unknown listing fields: {', '.join(sorted(unknown))}")
        record.update(fields_)
        self.listings[sku] = record
        return record

    def delete_listing(self, sku: str) -> bool:
        self.inventory.pop(sku, None)
        return self.listings.pop(sku, None) is not None

    # -- log hygiene ----------------------------------------------------------------------------

    def pii_values(self) -> set[str]:
        """Every buyer/recipient PII string in the data (names, e-mails, streets, phones)."""
        values: set[str] = set()
        for order in self.orders:
            buyer = order.get("buyer") or {}
            for key in ("buyerName", "buyerEmail", "buyerCompanyName"):
                if buyer.get(key):
                    values.add(buyer[key])
            address = (order.get("recipient") or {}).get("deliveryAddress") or {}
            for key in ("name", "companyName", "addressLine1", "addressLine2", "phone"):
                if address.get(key):
                    values.add(address[key])
        for order in self.easy_ship_orders:
            address = order["shippingAddress"]
            values.update(
                v for v in (order["buyerName"], address["name"], address["addressLine1"]) if v
            )
            values.add(address["phone"])
        for shipment in self.brazil_shipments:
            address = shipment["ShippingAddress"]
            values.update(
                str(v)
                for v in (
                    shipment["BuyerName"],
                    address["Name"],
                    address["AddressLine1"],
                    address.get("AddressLine2"),
                    address["Phone"],
                    *(c["Value"] for c in shipment["BuyerTaxInfo"]["TaxClassifications"]),
                )
                if v
            )
        return values

    def snapshot(self) -> dict[str, Any]:
        """A deep copy of all data (for before/after comparisons in tests)."""
        return copy.deepcopy(
            {"orders": self.orders, "listings": self.listings, "inventory": self.inventory}
        )


def _make_listings(rng: random.Random, count: int, anchor: datetime) -> dict[str, dict[str, Any]]:
    listings: dict[str, dict[str, Any]] = {}
    for n in range(1, count + 1):
        adjective, noun = rng.choice(_ADJECTIVES), rng.choice(_NOUNS)
        condition, _, _ = rng.choice(_CONDITIONS)
        afn = n % 3 == 0
        sku = f"EMU-{noun.split()[0].upper()[:4]}-{n:04d}"
        created = anchor - timedelta(days=rng.randint(100, 900), seconds=rng.randint(0, 86399))
        updated = anchor - timedelta(days=rng.randint(0, 60), seconds=rng.randint(0, 86399))
        price = Decimal(rng.randint(499, 12999)) / 100
        listings[sku] = {
            "sku": sku,
            "asin": "B0" + _alnum(rng, 8),
            "title": f"{adjective} {noun} - Model {n:03d}",
            "price": f"{price:.2f}",
            "currency": "USD",
            "quantity": 0 if n % 17 == 0 else rng.randint(1, 250),
            "condition": condition,
            "condition_note": None if condition == "new_new" else "Light signs of handling.",
            "fulfillment_channel": "AMAZON_NA" if afn else "DEFAULT",
            "product_type": "PRODUCT",
            "marketplace_id": PRIMARY_MARKETPLACE,
            "status": ["BUYABLE", "DISCOVERABLE"] if n % 17 else ["DISCOVERABLE"],
            "created": _iso(created),
            "updated": _iso(updated),
        }
    return listings


def _set_fulfillable(summary: dict[str, Any], quantity: int, updated: str) -> None:
    details = summary["inventoryDetails"]
    details["fulfillableQuantity"] = quantity
    summary["totalQuantity"] = (
        quantity
        + details["inboundWorkingQuantity"]
        + details["inboundShippedQuantity"]
        + details["inboundReceivingQuantity"]
        + details["reservedQuantity"]["totalReservedQuantity"]
        + details["unfulfillableQuantity"]["totalUnfulfillableQuantity"]
    )
    summary["lastUpdatedTime"] = updated


def _make_inventory(
    rng: random.Random, listings: dict[str, dict[str, Any]], anchor: datetime
) -> dict[str, dict[str, Any]]:
    inventory: dict[str, dict[str, Any]] = {}
    for sku, listing in listings.items():
        if listing["fulfillment_channel"] != "AMAZON_NA":
            continue
        reserved = rng.randint(0, 5)
        damaged = rng.randint(0, 2)
        summary = {
            "asin": listing["asin"],
            "fnSku": "X00" + _alnum(rng, 7),
            "sellerSku": sku,
            "condition": "NewItem" if listing["condition"] == "new_new" else "UsedLikeNew",
            "inventoryDetails": {
                "fulfillableQuantity": 0,
                "inboundWorkingQuantity": rng.randint(0, 10),
                "inboundShippedQuantity": rng.randint(0, 20),
                "inboundReceivingQuantity": rng.randint(0, 5),
                "reservedQuantity": {
                    "totalReservedQuantity": reserved,
                    "pendingCustomerOrderQuantity": reserved,
                    "pendingTransshipmentQuantity": 0,
                    "fcProcessingQuantity": 0,
                },
                "researchingQuantity": {
                    "totalResearchingQuantity": 0,
                    "researchingQuantityBreakdown": [],
                },
                "unfulfillableQuantity": {
                    "totalUnfulfillableQuantity": damaged,
                    "customerDamagedQuantity": damaged,
                    "warehouseDamagedQuantity": 0,
                    "distributorDamagedQuantity": 0,
                    "carrierDamagedQuantity": 0,
                    "defectiveQuantity": 0,
                    "expiredQuantity": 0,
                },
            },
            "lastUpdatedTime": "",
            "productName": listing["title"],
            "totalQuantity": 0,
        }
        _set_fulfillable(summary, int(listing["quantity"]), listing["updated"])
        inventory[sku] = summary
    return inventory


def _person(rng: random.Random, marketplace_id: str) -> dict[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    tag = _alnum(rng, 10).lower()
    if marketplace_id == SECOND_MARKETPLACE:
        city, state, prefix = rng.choice(_CA_CITIES)
        postal = f"{prefix} {rng.randint(1, 9)}{rng.choice('ABCEGHJ')}{rng.randint(1, 9)}"
        country = "CA"
    else:
        city, state, prefix = rng.choice(_US_CITIES)
        postal = f"{prefix}{rng.randint(10, 99)}"
        country = "US"
    area = rng.randint(201, 989)
    return {
        "name": f"{first} {last}",
        "email": f"{tag}@marketplace.amazon.com",
        "line1": f"{rng.randint(10, 9899)} {rng.choice(_STREETS)}",
        "line2": f"Apt {rng.randint(1, 40)}{rng.choice('ABCD')}" if rng.random() < 0.3 else "",
        "city": city,
        "state": state,
        "postal": postal,
        "country": country,
        "phone": f"+1 {area}-555-{rng.randint(100, 199):04d}",
    }


def _order_id(rng: random.Random, used: set[str]) -> str:
    while True:
        oid = f"{rng.randint(111, 114)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"
        if oid not in used:
            used.add(oid)
            return oid


def _statuses(rng: random.Random, count: int) -> Iterator[str]:
    for i in range(count):
        if i < 2 * len(ORDER_STATUSES):
            yield ORDER_STATUSES[i % len(ORDER_STATUSES)]
        else:
            yield rng.choices(ORDER_STATUSES, weights=_STATUS_WEIGHTS)[0]


def _make_orders(
    rng: random.Random, count: int, listings: dict[str, dict[str, Any]], anchor: datetime
) -> list[dict[str, Any]]:
    skus = sorted(listings)
    used: set[str] = set()
    orders: list[dict[str, Any]] = []
    for i, status in enumerate(_statuses(rng, count)):
        marketplace_id = SECOND_MARKETPLACE if rng.random() < 0.15 else PRIMARY_MARKETPLACE
        market = MARKETPLACES[marketplace_id]
        currency = market["defaultCurrencyCode"]
        amazon = (i % 2 == 1) if i < 4 else rng.random() < 0.45
        if status == "PENDING_AVAILABILITY":
            amazon = False
        created = anchor - timedelta(seconds=rng.randint(600, 90 * 86400))
        updated = min(
            anchor - timedelta(seconds=120), created + timedelta(hours=rng.randint(0, 96))
        )
        order_id = _order_id(rng, used)
        person = _person(rng, marketplace_id)
        items: list[dict[str, Any]] = []
        item_total = ship_total = tax_total = Decimal(0)
        for _ in range(rng.randint(1, 4)):
            listing = listings[rng.choice(skus)]
            qty = rng.choice((1, 1, 1, 2, 3))
            unit = Decimal(listing["price"])
            if currency == "CAD":
                unit = (unit * Decimal("1.36")).quantize(Decimal("0.01"))
            line = unit * qty
            ship = Decimal(0) if amazon else Decimal(rng.choice((0, 399, 599))) / 100
            tax = (line * Decimal("0.08")).quantize(Decimal("0.01"))
            item_total, ship_total, tax_total = (
                item_total + line,
                ship_total + ship,
                tax_total + tax,
            )
            shipped_qty = {"SHIPPED": qty, "PARTIALLY_SHIPPED": qty if not items else 0}.get(
                status, 0
            )
            _, ctype, csub = next(c for c in _CONDITIONS if c[0] == listing["condition"])
            condition: dict[str, str] = {"conditionType": ctype, "conditionSubtype": csub}
            if listing["condition_note"]:
                condition["conditionNote"] = listing["condition_note"]
            items.append(
                {
                    "orderItemId": f"{rng.randint(10**13, 10**14 - 1)}",
                    "quantityOrdered": qty,
                    "product": {
                        "asin": listing["asin"],
                        "title": listing["title"],
                        "sellerSku": listing["sku"],
                        "condition": condition,
                        "price": {"unitPrice": _money(unit, currency)},
                    },
                    "proceeds": {
                        "proceedsTotal": _money(line + ship + tax, currency),
                        "breakdowns": [
                            {"type": "ITEM", "subtotal": _money(line, currency)},
                            {"type": "SHIPPING", "subtotal": _money(ship, currency)},
                            {"type": "TAX", "subtotal": _money(tax, currency)},
                        ],
                    },
                    "fulfillment": {
                        "quantityFulfilled": shipped_qty,
                        "quantityUnfulfilled": qty - shipped_qty,
                    },
                }
            )
        service = rng.choice(_SERVICE_LEVELS)
        ship_by = created + timedelta(days=2)
        order: dict[str, Any] = {
            "orderId": order_id,
            "createdTime": _iso(created),
            "lastUpdatedTime": _iso(updated),
            "programs": [
                p
                for p, on in (
                    ("PRIME", amazon and rng.random() < 0.6),
                    ("AMAZON_BUSINESS", rng.random() < 0.08),
                )
                if on
            ],
            "salesChannel": {
                "channelName": "AMAZON",
                "marketplaceId": marketplace_id,
                "marketplaceName": market["name"],
            },
            "buyer": {"buyerName": person["name"], "buyerEmail": person["email"]},
            "recipient": {
                "deliveryAddress": {
                    "name": person["name"],
                    "addressLine1": person["line1"],
                    **({"addressLine2": person["line2"]} if person["line2"] else {}),
                    "city": person["city"],
                    "stateOrRegion": person["state"],
                    "postalCode": person["postal"],
                    "countryCode": person["country"],
                    "phone": person["phone"],
                    "addressType": "RESIDENTIAL" if rng.random() < 0.85 else "COMMERCIAL",
                }
            },
            "fulfillment": {
                "fulfillmentStatus": status,
                "fulfilledBy": "AMAZON" if amazon else "MERCHANT",
                "fulfillmentServiceLevel": service,
                "shipByWindow": {
                    "earliestDateTime": _iso(created),
                    "latestDateTime": _iso(ship_by),
                },
                "deliverByWindow": {
                    "earliestDateTime": _iso(ship_by + timedelta(days=1)),
                    "latestDateTime": _iso(ship_by + timedelta(days=6)),
                },
            },
            "orderItems": items,
        }
        if rng.random() < 0.25:
            order["orderAliases"] = [
                {"aliasId": f"SO-{created:%Y%m%d}-{i:04d}", "aliasType": "SELLER_ORDER_ID"}
            ]
        if status != "CANCELLED":
            order["proceeds"] = {
                "grandTotal": _money(item_total + ship_total + tax_total, currency),
                "breakdowns": [
                    {"type": "ITEM", "subtotal": _money(item_total, currency)},
                    {"type": "SHIPPING", "subtotal": _money(ship_total, currency)},
                    {"type": "TAX", "subtotal": _money(tax_total, currency)},
                ],
            }
        if status in ("SHIPPED", "PARTIALLY_SHIPPED"):
            carrier, track_prefix = rng.choice(_CARRIERS)
            ship_time = min(updated, created + timedelta(hours=rng.randint(2, 40)))
            shipped_items = [it for it in items if it["fulfillment"]["quantityFulfilled"]]
            order["packages"] = [
                {
                    "packageReferenceId": "1",
                    "createdTime": _iso(ship_time),
                    "packageStatus": {
                        "status": "DELIVERED"
                        if created < anchor - timedelta(days=10)
                        else "IN_TRANSIT"
                    },
                    "carrier": "AMZN_US" if amazon else carrier,
                    "shipTime": _iso(ship_time),
                    "shippingService": service.title().replace("_", " "),
                    "trackingNumber": track_prefix + _alnum(rng, 14),
                    "packageItems": [
                        {
                            "orderItemId": it["orderItemId"],
                            "quantity": it["fulfillment"]["quantityFulfilled"],
                        }
                        for it in shipped_items
                    ],
                }
            ]
        orders.append(order)
    return orders


# ------------------------------------------------------------------ India: Easy Ship

_IN_PEOPLE = (
    ("Aditi Varrier", "14 Kalpataru Lane", "Bengaluru", "KA", "560034"),
    ("Rohan Mehtani", "7 Gulmohar Enclave", "Pune", "MH", "411014"),
    ("Kavya Iyengar", "22 Neem Vihar", "Hyderabad", "TG", "500081"),
    ("Arjun Sabharwal", "3 Ashoka Residency", "New Delhi", "DL", "110017"),
)
# (easy ship status, items)
_EASY_SHIP_PLAN = (
    ("PENDING_SCHEDULE", 1),
    ("PENDING_SCHEDULE", 2),
    ("PENDING_PICK_UP", 1),  # already scheduled: a package exists
    ("PICKED_UP", 1),  # handed over: no more slots
)


def _make_easy_ship_orders(rng: random.Random, anchor: datetime) -> list[dict[str, Any]]:
    """Merchant-fulfilled India orders shipped with Easy Ship, at different stages."""
    orders = []
    for n, ((status, lines), person) in enumerate(zip(_EASY_SHIP_PLAN, _IN_PEOPLE, strict=True)):
        name, line1, city, state, postal = person
        created = anchor - timedelta(hours=30 - 6 * n, minutes=rng.randint(0, 59))
        items = []
        for i in range(lines):
            noun = _NOUNS[(n * 3 + i) % len(_NOUNS)]
            items.append(
                {
                    "orderItemId": f"{rng.randint(10**13, 10**14 - 1)}",
                    "sellerSku": f"IN-{noun.split()[0].upper()[:4]}-{n + 1:02d}{i + 1}",
                    "title": f"{_ADJECTIVES[(n + i) % len(_ADJECTIVES)]} {noun}",
                    "quantityOrdered": 1 + (i % 2),
                    "itemPrice": _money(Decimal(rng.randint(29900, 249900)) / 100, "INR"),
                    "serialNumberRequired": i == 1,
                }
            )
        orders.append(
            {
                "orderId": f"40{rng.randint(2, 8)}-{rng.randint(0, 9999999):07d}-"
                f"{rng.randint(0, 9999999):07d}",
                "marketplaceId": INDIA_MARKETPLACE,
                "createdTime": _iso(created),
                "easyShipStatus": status,
                "buyerName": name,
                "shippingAddress": {
                    "name": name,
                    "addressLine1": line1,
                    "city": city,
                    "stateOrRegion": state,
                    "postalCode": postal,
                    "countryCode": "IN",
                    "phone": f"+91 98{rng.randint(10, 99)}5 0{rng.randint(1000, 9999)}",
                },
                "orderItems": items,
            }
        )
    return orders


# ------------------------------------------------------------------ Brazil: FBA shipments

_BR_PEOPLE = (
    ("Marina Albuquerque Teles", "Rua das Acácias, 118", "Apto 42", "São Paulo", "SP", "Pinheiros"),
    (
        "Thiago Barcellos Lins",
        "Avenida Atlântica, 2040",
        None,
        "Rio de Janeiro",
        "RJ",
        "Copacabana",
    ),
    ("Luiza Fontoura Reis", "Rua Padre Chagas, 77", "Casa 2", "Porto Alegre", "RS", "Moinhos"),
)
# the invoice each seeded shipment already has (None: none submitted yet)
BRAZIL_INVOICE_STATUSES = (None, "Accepted", "Errored")


def _cpf(rng: random.Random) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(11))


def _make_brazil_shipments(
    rng: random.Random, anchor: datetime, seller_id: str
) -> list[dict[str, Any]]:
    """FBA shipments of Brazilian orders in Shipment Invoicing v0 ``ShipmentDetail`` shape."""
    shipments = []
    for n, (name, line1, line2, city, state, district) in enumerate(_BR_PEOPLE):
        purchased = anchor - timedelta(days=2 + n, hours=rng.randint(1, 20))
        items: list[dict[str, Any]] = []
        total = Decimal(0)
        for i in range(1 + n % 2):
            noun = _NOUNS[(n * 5 + i) % len(_NOUNS)]
            price = Decimal(rng.randint(4990, 89990)) / 100
            total += price * (1 + i)
            items.append(
                {
                    "ASIN": "B0" + _alnum(rng, 8),
                    "SellerSKU": f"BR-{noun.split()[0].upper()[:4]}-{n + 1:02d}{i + 1}",
                    "OrderItemId": f"{rng.randint(10**13, 10**14 - 1)}",
                    "Title": f"{noun} {_ADJECTIVES[(n + i) % len(_ADJECTIVES)]}",
                    "QuantityOrdered": 1 + i,
                    "ItemPrice": {"CurrencyCode": "BRL", "Amount": f"{price:.2f}"},
                    "ShippingPrice": {"CurrencyCode": "BRL", "Amount": "19.90"},
                    "GiftWrapPrice": {"CurrencyCode": "BRL", "Amount": "0.00"},
                    "ShippingDiscount": {"CurrencyCode": "BRL", "Amount": "0.00"},
                    "PromotionDiscount": {"CurrencyCode": "BRL", "Amount": "0.00"},
                    **({"SerialNumbers": [f"SN{_alnum(rng, 10)}"]} if i == 1 else {}),
                }
            )
        address: dict[str, Any] = {
            "Name": name,
            "AddressLine1": line1,
            "City": city,
            "District": district,
            "StateOrRegion": state,
            "PostalCode": f"{rng.randint(10000, 99999)}-{rng.randint(100, 999)}",
            "CountryCode": "BR",
            "Phone": f"+55 11 9{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            "AddressType": "Residential",
        }
        if line2:
            address["AddressLine2"] = line2
        shipments.append(
            {
                "WarehouseId": ("GRU5", "GIG1", "POA1")[n],
                "AmazonOrderId": f"701-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}",
                "AmazonShipmentId": _alnum(rng, 9),
                "PurchaseDate": _iso(purchased),
                "ShippingAddress": address,
                "PaymentMethodDetails": ["CreditCard"],
                "Payments": [
                    {
                        "PaymentMethod": "CreditCard",
                        "AcquirerId": "00.000.000/0001-91",
                        "CardBrand": ("Visa", "Mastercard", "Elo")[n],
                        "PaymentValue": {"CurrencyCode": "BRL", "Amount": f"{total:.2f}"},
                        "AuthorizationCode": f"{rng.randint(100000, 999999)}",
                    }
                ],
                "MarketplaceId": BRAZIL_MARKETPLACE,
                "SellerId": seller_id,
                "BuyerName": name,
                "BuyerCounty": district,
                "BuyerTaxInfo": {
                    "TaxingRegion": state,
                    "TaxClassifications": [{"Name": "CPF", "Value": _cpf(rng)}],
                },
                "MarketplaceTaxInfo": {
                    "CompanyLegalName": "Emulated Marketplace Servicos de Varejo Ltda",
                    "TaxingRegion": "SP",
                    "TaxClassifications": [{"Name": "CNPJ", "Value": "00000000000191"}],
                },
                "SellerDisplayName": STORE_NAME,
                "ShipmentItems": items,
            }
        )
    return shipments
