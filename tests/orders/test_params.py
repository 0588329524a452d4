"""ListOrders / GetOrder / ListOrderItems parameter validation (pure, from the real tables)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest

from gateway.mws.errors import MwsError
from gateway.translate.orders import ListOrdersRequest, build_list_orders, order_ids
from tests.orders.samples import catalog, op_spec, tables

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
US, CA, DE = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1PA6795UKMFR9"
SELLER_MARKETS = (US, CA, DE)


def regions() -> dict[str, str]:
    return {m: str(row["region"]) for m, row in catalog().marketplaces.items()}


def build(params: Mapping[str, str], *, with_marketplace: bool = True) -> ListOrdersRequest:
    full = dict(params)
    if with_marketplace:
        full.setdefault("MarketplaceId.Id.1", US)
    return build_list_orders(
        op_spec("ListOrders"),
        full,
        tables(),
        seller_marketplaces=SELLER_MARKETS,
        marketplace_regions=regions(),
        now=NOW,
    )


def error(params: Mapping[str, str], **kw: bool) -> MwsError:
    with pytest.raises(MwsError) as info:
        build(params, **kw)
    return info.value


def test_created_after_query_with_statuses_channels_and_page_size() -> None:
    req = build(
        {
            "CreatedAfter": "2026-05-01T00:00:00Z",
            "CreatedBefore": "2026-05-02T00:00:00.250Z",
            "OrderStatus.Status.1": "Unshipped",
            "OrderStatus.Status.2": "PartiallyShipped",
            "OrderStatus.Status.3": "Canceled",
            "FulfillmentChannel.Channel.1": "AFN",
            "MarketplaceId.Id.2": CA,
            "MaxResultsPerPage": "25",
        }
    )
    assert req.query == {
        "createdAfter": "2026-05-01T00:00:00.000Z",
        "createdBefore": "2026-05-02T00:00:00.250Z",
        "marketplaceIds": f"{US},{CA}",
        "fulfillmentStatuses": "UNSHIPPED,PARTIALLY_SHIPPED,CANCELLED",
        "fulfilledBy": "AMAZON",
        "maxResultsPerPage": "25",
        # what GetOrder and ListOrderItems need too: listed orders are cached for them
        "includedData": "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,"
        "FULFILLMENT,PAYMENT,TAX,PACKAGES",
    }
    assert req.marketplace_id == US
    assert req.parsed.filters == []
    assert req.echo == {"CreatedBefore": "2026-05-02T00:00:00.250Z"}


def test_created_before_defaults_to_two_minutes_ago_in_the_echo() -> None:
    req = build({"CreatedAfter": "2026-05-01"})
    assert req.query["createdAfter"] == "2026-05-01T00:00:00.000Z"
    assert "createdBefore" not in req.query
    assert req.echo == {"CreatedBefore": "2026-06-01T11:58:00.000Z"}


def test_last_updated_mode_echoes_last_updated_before() -> None:
    req = build({"LastUpdatedAfter": "2026-05-01T00:00:00+02:00"})
    assert req.query["lastUpdatedAfter"] == "2026-04-30T22:00:00.000Z"
    assert req.echo == {"LastUpdatedBefore": "2026-06-01T11:58:00.000Z"}


def test_before_within_the_last_two_minutes_is_clamped() -> None:
    req = build({"CreatedAfter": "2026-05-01T00:00:00Z", "CreatedBefore": "2026-06-01T11:59:30Z"})
    assert req.query["createdBefore"] == "2026-06-01T11:58:00.000Z"


def test_naive_timestamps_are_utc() -> None:
    req = build({"CreatedAfter": "2026-05-01T10:20:30"})
    assert req.query["createdAfter"] == "2026-05-01T10:20:30.000Z"


@pytest.mark.parametrize(
    ("params", "code", "fragment"),
    [
        ({}, "MissingParameter", "CreatedAfter or LastUpdatedAfter"),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "LastUpdatedAfter": "2026-05-01T00:00:00Z"},
            "InvalidParameterValue",
            "cannot both be specified",
        ),
        ({"CreatedAfter": "2026-06-02T00:00:00Z"}, "InvalidParameterValue", "in the future"),
        ({"CreatedAfter": "2026-06-01T11:59:00Z"}, "InvalidParameterValue", "120 seconds"),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "CreatedBefore": "2026-06-01T12:30:00Z"},
            "InvalidParameterValue",
            "in the future",
        ),
        ({"CreatedAfter": "yesterday"}, "InvalidParameterValue", "ISO 8601"),
        (
            {"CreatedAfter": "2026-05-02T00:00:00Z", "CreatedBefore": "2026-05-01T00:00:00Z"},
            "InvalidParameterValue",
            "CreatedBefore must be later than CreatedAfter",
        ),
        (
            {"LastUpdatedAfter": "2026-05-01T00:00:00Z", "CreatedBefore": "2026-05-02T00:00:00Z"},
            "InvalidParameterValue",
            "CreatedBefore can only be specified together with CreatedAfter",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "LastUpdatedBefore": "2026-05-02T00:00:00Z"},
            "InvalidParameterValue",
            "LastUpdatedBefore",
        ),
        (
            {"LastUpdatedAfter": "2026-05-01T00:00:00Z", "BuyerEmail": "a@b.example"},
            "InvalidParameterValue",
            "BuyerEmail cannot be specified together with LastUpdatedAfter",
        ),
        (
            {
                "CreatedAfter": "2026-05-01T00:00:00Z",
                "SellerOrderId": "S-1",
                "OrderStatus.Status.1": "Shipped",
            },
            "InvalidParameterValue",
            "OrderStatus.Status.N",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "OrderStatus.Status.1": "Unshipped"},
            "InvalidParameterValue",
            "Unshipped and PartiallyShipped must be specified together",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "OrderStatus.Status.1": "Cancelled"},
            "InvalidParameterValue",
            "Invalid OrderStatus value 'Cancelled'",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "FulfillmentChannel.Channel.1": "FBA"},
            "InvalidParameterValue",
            "FulfillmentChannel",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "PaymentMethod.Method.1": "Card"},
            "InvalidParameterValue",
            "PaymentMethod",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "MaxResultsPerPage": "0"},
            "InvalidParameterValue",
            "between 1 and 100",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "MaxResultsPerPage": "101"},
            "InvalidParameterValue",
            "between 1 and 100",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "MaxResultsPerPage": "ten"},
            "InvalidParameterValue",
            "not an integer",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "TFMShipmentStatus.Status.1": "Delivered"},
            "InvalidParameterValue",
            "TFMShipmentStatus cannot be filtered",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "MarketplaceId.Id.2": "A1F83G8C2ARO7P"},
            "InvalidParameterValue",
            "not registered",
        ),
        (
            {"CreatedAfter": "2026-05-01T00:00:00Z", "MarketplaceId.Id.2": DE},
            "InvalidParameterValue",
            "same region",
        ),
    ],
)
def test_mws_validation_errors(params: dict[str, str], code: str, fragment: str) -> None:
    exc = error(params)
    assert exc.code == code
    assert fragment in (exc.message or ""), exc.message


def test_marketplace_is_required_and_limited_to_fifty() -> None:
    exc = error({"CreatedAfter": "2026-05-01T00:00:00Z"}, with_marketplace=False)
    assert exc.code == "MissingParameter" and "MarketplaceId.Id.N" in (exc.message or "")
    many = {f"MarketplaceId.Id.{i}": f"M{i}" for i in range(1, 52)}
    exc = error({"CreatedAfter": "2026-05-01T00:00:00Z", **many}, with_marketplace=False)
    assert exc.code == "InvalidParameterValue" and "at most 50" in (exc.message or "")


def test_filters_sp_api_cannot_apply_become_gateway_filters() -> None:
    req = build(
        {
            "CreatedAfter": "2026-05-01T00:00:00Z",
            "PaymentMethod.1": "COD",  # boto's spelling of PaymentMethod.Method.1
            "PaymentMethod.Method.2": "Other",
            "EasyShipShipmentStatus.Status.1": "PickedUp",
        }
    )
    got = {f.element: (set(f.values), f.casefold) for f in req.parsed.filters}
    assert got == {
        "PaymentMethod": ({"COD", "Other"}, False),
        "EasyShipShipmentStatus": ({"PickedUp"}, False),
    }
    assert "PaymentMethod" not in " ".join(req.query)
    req = build({"CreatedAfter": "2026-05-01T00:00:00Z", "BuyerEmail": "Buyer@Example.COM"})
    (only,) = req.parsed.filters
    assert only.element == "BuyerEmail" and only.casefold
    assert only.matches("buyer@example.com") and not only.matches("other@example.com")
    assert not only.matches(None)


def test_list_parameters_are_read_in_index_order_without_duplicates() -> None:
    req = build(
        {
            "CreatedAfter": "2026-05-01T00:00:00Z",
            "OrderStatus.Status.2": "Shipped",
            "OrderStatus.Status.1": "Pending",
            "OrderStatus.Status.3": "Pending",
        }
    )
    assert req.query["fulfillmentStatuses"] == "PENDING,SHIPPED"


def test_get_order_ids() -> None:
    spec = op_spec("GetOrder")
    ids = {f"AmazonOrderId.Id.{i}": f"111-{i:07d}-0000001" for i in range(1, 51)}
    assert order_ids(spec, ids, tables())[:2] == ["111-0000001-0000001", "111-0000002-0000001"]
    for bad, fragment in (
        ({}, "AmazonOrderId.Id.N is required"),
        ({**ids, "AmazonOrderId.Id.51": "111-0000051-0000001"}, "at most 50"),
        ({"AmazonOrderId.Id.1": "12345"}, "Invalid AmazonOrderId '12345'"),
    ):
        with pytest.raises(MwsError) as info:
            order_ids(spec, bad, tables())
        assert fragment in (info.value.message or "")


def test_list_order_items_takes_one_order_id() -> None:
    spec = op_spec("ListOrderItems")
    assert order_ids(spec, {"AmazonOrderId": "902-3159896-1390916"}, tables()) == [
        "902-3159896-1390916"
    ]
    with pytest.raises(MwsError) as info:
        order_ids(spec, {}, tables())
    assert info.value.code == "MissingParameter"
