"""SP-API Orders 2026-01-01 JSON -> MWS Order/OrderItem elements (pure), checked with the XSDs."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest

from gateway.mws.xml import Element, render_document
from gateway.schemas import schema_for
from gateway.translate.engine.fields import FieldMapError, FieldMaps, compile_path
from gateway.translate.engine.params import Filter
from gateway.translate.orders import (
    get_order_children,
    list_orders_children,
    order_items_children,
)
from tests.orders.samples import NS_2011, NS_2013, full_order, minimal_order, tables


def response(action: str, children: list[Element], namespace: str = NS_2013) -> bytes:
    root: Element = (
        f"{action}Response",
        [(f"{action}Result", children), ("ResponseMetadata", [("RequestId", "r-1")])],
    )
    body = render_document(root, namespace)
    schema_for(namespace, ("Orders",)).validate(body.decode())
    return body


def tree(body: bytes) -> ET.Element:
    root = ET.fromstring(body)
    for el in root.iter():
        el.tag = el.tag.split("}", 1)[-1]
    return root


def texts(el: ET.Element) -> dict[str, Any]:
    return {c.tag: (c.text if len(c) == 0 else texts(c)) for c in el}


def test_full_order_in_mws_element_order_and_spellings() -> None:
    body = response("GetOrder", get_order_children([full_order()], tables()))
    order = tree(body).find("GetOrderResult/Orders/Order")
    assert order is not None
    assert [c.tag for c in order] == [
        "AmazonOrderId", "SellerOrderId", "PurchaseDate", "LastUpdateDate", "OrderStatus",
        "FulfillmentChannel", "SalesChannel", "ShippingAddress", "OrderTotal",
        "NumberOfItemsShipped", "NumberOfItemsUnshipped", "PaymentExecutionDetail",
        "PaymentMethod", "PaymentMethodDetails", "MarketplaceId", "BuyerEmail", "BuyerName",
        "BuyerTaxInfo", "ShipmentServiceLevelCategory", "OrderType", "EarliestShipDate",
        "LatestShipDate", "EarliestDeliveryDate", "LatestDeliveryDate", "IsBusinessOrder",
        "PurchaseOrderNumber", "IsPrime", "IsPremiumOrder", "ReplacedOrderId",
        "IsReplacementOrder", "IsIBA", "IsAccessPointOrder",
    ]  # fmt: skip
    t = texts(order)
    assert t["AmazonOrderId"] == "249-7716023-0042117"
    assert t["SellerOrderId"] == "SHOP-2026-0007"
    assert t["LastUpdateDate"] == "2026-03-02T01:00:00Z"  # +09:00 normalised to UTC
    assert t["OrderStatus"] == "PartiallyShipped"
    assert t["FulfillmentChannel"] == "MFN"
    assert t["SalesChannel"] == "Amazon.co.jp"
    assert t["ShippingAddress"] == {
        "Name": "Hanako Testperson",
        "AddressLine1": "1-2-3 Example-cho",
        "City": "Chiyoda-ku",
        "County": "Kanda",
        "StateOrRegion": "Tokyo",
        "PostalCode": "100-0001",
        "CountryCode": "JP",
        "Phone": "03-0000-0000",
    }  # fmt: skip  (empty AddressLine2 and the non-MWS PICKUP_POINT address type are left out)
    assert t["OrderTotal"] == {"CurrencyCode": "JPY", "Amount": "5980"}
    assert (t["NumberOfItemsShipped"], t["NumberOfItemsUnshipped"]) == ("1", "3")
    detail = order.find("PaymentExecutionDetail")
    assert detail is not None
    assert [texts(i) for i in detail] == [
        {"Payment": {"CurrencyCode": "JPY", "Amount": "5000"}, "PaymentMethod": "COD"},
        {"Payment": {"CurrencyCode": "JPY", "Amount": "980"}, "PaymentMethod": "PointsAccount"},
    ]
    assert t["PaymentMethod"] == "COD"
    assert [d.text for d in order.find("PaymentMethodDetails") or []] == ["COD", "PointsAccount"]
    assert t["BuyerEmail"] == "q7w8e9r0t1@marketplace.amazon.co.jp"
    assert t["BuyerTaxInfo"] == {
        "CompanyLegalName": "Example KK",
        "TaxingRegion": "Tokyo",
        "TaxClassifications": {
            "TaxClassification": {"Name": "VATNumber", "Value": "T1234567890123"}
        },
    }
    assert t["ShipmentServiceLevelCategory"] == "NextDay"
    assert t["OrderType"] == "Preorder"
    assert (t["IsBusinessOrder"], t["IsPrime"], t["IsPremiumOrder"]) == ("true", "true", "false")
    assert (t["ReplacedOrderId"], t["IsReplacementOrder"]) == ("249-1111111-2222222", "true")
    assert (t["IsIBA"], t["IsAccessPointOrder"]) == ("true", "true")


def test_core_only_order_is_still_a_valid_mws_order() -> None:
    body = response("GetOrder", get_order_children([minimal_order()], tables()))
    order = tree(body).find("GetOrderResult/Orders/Order")
    assert order is not None
    t = texts(order)
    assert t["OrderStatus"] == "Pending"
    assert "ShippingAddress" not in t and "OrderTotal" not in t and "BuyerEmail" not in t
    assert t["PaymentMethod"] == "Other" and t["OrderType"] == "StandardOrder"
    assert "SalesChannel" not in t  # AMAZON without a marketplace name: nothing to show
    assert "EasyShipShipmentStatus" not in t


def test_easy_ship_status_only_for_easy_ship_orders() -> None:
    order = full_order()
    order["programs"] = ["AMAZON_EASY_SHIP"]
    order["packages"] = [
        {
            "packageReferenceId": "1",
            "packageStatus": {"status": "SHIPPED", "detailedStatus": "PICKED_UP"},
        }
    ]
    body = response("GetOrder", get_order_children([order], tables()))
    assert (
        texts(tree(body).find("GetOrderResult/Orders/Order"))["EasyShipShipmentStatus"]
        == "PickedUp"
    )  # type: ignore[arg-type]


def test_non_amazon_sales_channel_and_unknown_enum_values() -> None:
    order = minimal_order()
    order["salesChannel"] = {"channelName": "NON_AMAZON", "marketplaceId": "ATVPDKIKX0DER"}
    order["fulfillment"] = {"fulfillmentStatus": "SHIPPED", "fulfillmentServiceLevel": "WARP_SPEED"}
    body = response("GetOrder", get_order_children([order], tables()))
    t = texts(tree(body).find("GetOrderResult/Orders/Order"))  # type: ignore[arg-type]
    assert t["SalesChannel"] == "Non-Amazon"
    assert "ShipmentServiceLevelCategory" not in t  # never an undocumented MWS enum value


def test_order_items_full_and_minimal() -> None:
    children, nxt = order_items_children(full_order(), tables(), offset=0, size=20)
    assert nxt is None
    body = response("ListOrderItems", children)
    result = tree(body).find("ListOrderItemsResult")
    assert result is not None
    assert [c.tag for c in result] == ["AmazonOrderId", "OrderItems"]
    first, second = result.find("OrderItems") or []
    assert [c.tag for c in first] == [
        "ASIN", "SellerSKU", "OrderItemId", "Title", "QuantityOrdered", "QuantityShipped",
        "PointsGranted", "ItemPrice", "ShippingPrice", "GiftWrapPrice", "ItemTax", "ShippingTax",
        "ShippingDiscount", "PromotionDiscount", "PromotionIds", "CODFee", "IsGift",
        "GiftMessageText", "GiftWrapLevel", "ConditionNote", "ConditionId", "ConditionSubtypeId",
        "ScheduledDeliveryStartDate", "ScheduledDeliveryEndDate", "PriceDesignation",
        "BuyerCustomizedInfo", "TaxCollection", "SerialNumberRequired", "IsTransparency",
        "BuyerRequestedCancel", "IossNumber",
    ]  # fmt: skip
    t = texts(first)
    assert t["SellerSKU"] == "CUP-SET-3" and t["QuantityOrdered"] == "3"
    assert t["QuantityShipped"] == "1"
    assert t["ItemPrice"] == {"CurrencyCode": "JPY", "Amount": "4500"}
    assert t["ItemTax"]["Amount"] == "410" and t["ShippingTax"]["Amount"] == "40"
    assert t["PromotionDiscount"]["Amount"] == "250"  # MWS reports discounts as positive
    assert t["ShippingDiscount"]["Amount"] == "50"
    assert [p.text for p in first.find("PromotionIds") or []] == ["SPRING-1", "VIP-2"]
    assert t["PointsGranted"] == {
        "PointsNumber": "45",
        "PointsMonetaryValue": {"CurrencyCode": "JPY", "Amount": "45"},
    }
    assert (t["ConditionId"], t["ConditionSubtypeId"]) == ("Used", "Very Good")
    assert t["PriceDesignation"] == "BusinessPrice"
    assert t["TaxCollection"] == {
        "Model": "MarketplaceFacilitator",
        "ResponsibleParty": "Amazon Services",
    }
    assert t["BuyerRequestedCancel"] == {
        "IsBuyerRequestedCancel": "true",
        "BuyerCancelReason": "Ordered twice",
    }
    assert (t["IsGift"], t["SerialNumberRequired"], t["IsTransparency"]) == ("true", "true", "true")
    assert texts(second) == {
        "ASIN": "B0EXAMPLE2", "SellerSKU": "SAUCER-1", "OrderItemId": "27182818284590",
        "QuantityOrdered": "1", "QuantityShipped": "0", "IsGift": "false",
        "SerialNumberRequired": "false", "IsTransparency": "false",
    }  # fmt: skip


def test_item_tax_falls_back_to_the_tax_subtotal() -> None:
    order = full_order()
    order["orderItems"][0]["proceeds"]["breakdowns"][4].pop("detailedBreakdowns")
    children, _ = order_items_children(order, tables(), offset=0, size=1)
    item = tree(response("ListOrderItems", children)).find(
        "ListOrderItemsResult/OrderItems/OrderItem"
    )
    t = texts(item)  # type: ignore[arg-type]
    assert t["ItemTax"]["Amount"] == "450" and "ShippingTax" not in t


def test_order_items_paging() -> None:
    order = minimal_order()
    order["orderItems"] = [
        {"orderItemId": str(i), "quantityOrdered": 1, "product": {"asin": f"B{i:09d}"}}
        for i in range(7)
    ]
    pages, offset = [], 0
    while True:
        children, nxt = order_items_children(order, tables(), offset=offset, size=3)
        root = tree(response("ListOrderItems", children))
        pages.append([i.findtext("OrderItemId") for i in root.iter("OrderItem")])
        if nxt is None:
            break
        offset = nxt
    assert pages == [["0", "1", "2"], ["3", "4", "5"], ["6"]]


@pytest.mark.parametrize("namespace", [NS_2013, NS_2011])
def test_list_orders_result_with_token_echo_and_filters(namespace: str) -> None:
    a, b, c = (
        minimal_order("111-0000001-0000001"),
        full_order(),
        minimal_order("111-0000003-0000003"),
    )
    b["buyer"]["buyerEmail"] = "Wanted@Example.com"
    body_json = {"orders": [a, b, c], "createdBefore": "2026-03-05T00:00:00+00:00"}
    children, kept = list_orders_children(
        body_json,
        tables(),
        filters=[Filter("BuyerEmail", ("wanted@example.com",), True)],
        echo={"CreatedBefore": "2026-03-04T00:00:00.000Z"},
        echo_upstream={"CreatedBefore": "createdBefore"},
        next_token="TOKEN",
    )
    assert kept == 1
    body = response("ListOrders", children, namespace)
    assert ET.fromstring(body).tag == f"{{{namespace}}}ListOrdersResponse"
    result = tree(body).find("ListOrdersResult")
    assert result is not None
    assert [c.tag for c in result] == ["NextToken", "CreatedBefore", "Orders"]
    assert result.findtext("CreatedBefore") == "2026-03-05T00:00:00Z"  # SP-API's bound wins
    assert [o.findtext("AmazonOrderId") for o in result.find("Orders") or []] == [b["orderId"]]


def test_empty_list_renders_an_empty_orders_element() -> None:
    echo = {"LastUpdatedBefore": "2026-03-04T00:00:00.000Z"}
    children, kept = list_orders_children(
        {"orders": []}, tables(), filters=[], echo=echo, echo_upstream={}, next_token=None
    )
    assert kept == 0
    body = response("ListOrders", children)
    assert b"<Orders/>" in body and b"<LastUpdatedBefore>" in body


def test_filters_compare_translated_mws_values() -> None:
    t = tables()
    cod = full_order()
    card = minimal_order()
    card["payment"] = {"paymentExecutions": [{"paymentMethod": "CreditCard"}]}
    assert t.keep(cod, [Filter("PaymentMethod", ("COD",))])
    assert not t.keep(card, [Filter("PaymentMethod", ("COD",))])
    assert t.keep(card, [Filter("PaymentMethod", ("Other", "CVS"))])
    assert t.keep(cod, [Filter("SellerOrderId", ("SHOP-2026-0007",))])
    assert not t.keep(card, [Filter("SellerOrderId", ("SHOP-2026-0007",))])


def test_paths() -> None:
    get, many = compile_path("a[k=x].b[].c")
    assert many
    assert get({"a": [{"k": "y", "b": [{"c": 0}]}, {"k": "x", "b": [{"c": 1}, {"c": 2}, {}]}]}) == [
        1,
        2,
    ]
    get, many = compile_path("a[-1].b")
    assert not many and get({"a": [{"b": 1}, {"b": 2}]}) == 2
    assert get({"a": []}) is None and get({"a": "text"}) is None


@pytest.mark.parametrize(
    "tables_doc",
    [
        {"fields": {"t": [{"el": "A", "from": "x", "enum": "missing"}]}},
        {"fields": {"t": [{"el": "A", "from": "x[?]"}]}},
        {"fields": {"t": [{"el": "A", "from": "x", "as": "weird"}]}},
        {"fields": {"t": [{"el": "A", "from": "x[]"}]}},
        {"fields": {"t": [{"el": "A", "from": "x", "fields": "t"}]}},
        {"fields": {"t": [{"from": "x"}]}},
        {"fields": {"t": []}},
    ],
)
def test_broken_field_maps_fail_at_compile_time(tables_doc: dict[str, Any]) -> None:
    with pytest.raises(FieldMapError):
        FieldMaps(tables_doc)


def test_real_mws_list_orders_fits_our_schema_and_matches_our_rendering() -> None:
    from tests.support.recordings import load_exchanges

    real = [
        e for e in load_exchanges() if e.action == "ListOrders" and e.status == 200 and e.is_xml
    ]
    assert real
    for exchange in real:
        body = exchange.body.encode()
        schema_for(NS_2013, ("Orders",)).validate(body.decode())
        recorded = tree(body).find("ListOrdersResult")
        assert recorded is not None
        echo = {c.tag: c.text or "" for c in recorded if c.tag != "Orders"}
        ours, _ = list_orders_children(
            {"orders": []}, tables(), filters=[], echo=echo, echo_upstream={}, next_token=None
        )
        mine = tree(response("ListOrders", ours)).find("ListOrdersResult")
        assert mine is not None
        assert sorted(c.tag for c in mine) == sorted(c.tag for c in recorded)
        assert b"<Orders/>" in body and b"<Orders/>" in response("ListOrders", ours)


def _mutations() -> list[Any]:
    """Orders with odd shapes: wrong types, empty strings, numbers where text is expected."""
    odd: list[Any] = [full_order(), minimal_order()]
    o = full_order()
    o["recipient"] = {"deliveryAddress": ["not", "a", "dict"]}
    o["programs"] = "PRIME"  # not a list
    o["fulfillment"]["fulfillmentStatus"] = "TELEPORTED"
    o["orderId"] = 12345
    o["buyer"] = {"buyerEmail": "", "buyerName": None}
    odd.append(o)
    o = full_order()
    o["salesChannel"] = "AMAZON"
    o["proceeds"] = {"grandTotal": {"amount": 10.5, "currencyCode": "EUR"}}
    o["createdTime"] = "2026-01-01T00:00:00+02:00"
    odd.append(o)
    return odd


@pytest.mark.parametrize("table", ["order", "order_item", "address", "money"])
def test_fused_field_maps_build_exactly_what_the_closures_build(table: str) -> None:
    from tests.orders.samples import section

    fused = FieldMaps(section().tables)
    plain = FieldMaps(section().tables, fuse=False)
    sources: list[Any] = []
    for order in _mutations():
        sources.append(order)
        sources.extend(order.get("orderItems") or [])
        sources.append((order.get("recipient") or {}).get("deliveryAddress"))
        sources.append((order.get("proceeds") or {}).get("grandTotal"))
    sources += [None, "text", 7, [], {}, [{"orderId": "x"}]]
    for source in sources:
        assert fused.children(table)(source) == plain.children(table)(source), source
