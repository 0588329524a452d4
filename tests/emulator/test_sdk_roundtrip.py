"""Amazon's official SP-API SDK (amzn-sp-api) round-trips every emulated operation the gateway uses.

Each test calls a live emulator (real uvicorn) through the SDK's generated API class and checks
that the response deserializes into the SDK's model with the key fields of the emulator's data.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_REFRESH_TOKEN,
    EmulatorConfig,
)
from gateway.emulator.data import PRIMARY_MARKETPLACE, SeedData
from gateway.emulator.state import EmulatorState
from tests.emulator.conftest import ANCHOR
from tests.emulator.live import running_emulator

pytestmark = pytest.mark.live

MARKETPLACES = [PRIMARY_MARKETPLACE]
INDIA = "A21TJRUUN4KGV"


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, EmulatorState]]:
    app: Starlette = create_emulator_app(EmulatorConfig(data_anchor=ANCHOR, rate_mode="off"))
    with running_emulator(app=app) as base_url:
        yield base_url, app.state.emulator


@pytest.fixture(scope="module")
def api_client(live: tuple[str, EmulatorState]) -> Any:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    from spapi.auth.credentials import SPAPIConfig
    from spapi.client import SPAPIClient  # calls logging.basicConfig on first import

    root.setLevel(level)
    root.handlers[:] = handlers
    config = SPAPIConfig(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        refresh_token=DEMO_REFRESH_TOKEN,
        region="NA",
    )
    base_url = live[0]
    client = SPAPIClient(config, oauth_endpoint=f"{base_url}/auth/o2/token", endpoint=base_url)
    return client.api_client


@pytest.fixture(scope="module")
def data(live: tuple[str, EmulatorState]) -> SeedData:
    seed: SeedData = live[1].data
    return seed


def _dropped(raw: Any, model: Any, path: str = "$") -> list[str]:
    """JSON keys of `raw` that the SDK's deserialized `model` has no attribute for."""
    if isinstance(raw, list) and isinstance(model, list):
        return [
            m
            for i, (r, o) in enumerate(zip(raw, model, strict=True))
            for m in _dropped(r, o, f"{path}[{i}]")
        ]
    if isinstance(raw, dict) and hasattr(model, "attribute_map"):
        by_json = {json_name: attr for attr, json_name in model.attribute_map.items()}
        lost: list[str] = []
        for key, value in raw.items():
            if key in by_json:
                lost += _dropped(value, getattr(model, by_json[key]), f"{path}.{key}")
            else:
                lost.append(f"{path}.{key}")
        return lost
    if isinstance(raw, dict) and isinstance(model, dict):
        return [m for k in raw if k in model for m in _dropped(raw[k], model[k], f"{path}.{k}")]
    return []


@pytest.fixture(autouse=True)
def nothing_dropped(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every SDK deserialization in a test keeps every field the emulator sent.

    The generated deserializer silently ignores JSON keys its model does not know, so a field
    named differently from Amazon's model would otherwise pass unnoticed.
    """
    from spapi.api_client import ApiClient

    checked: list[str] = []
    dropped: list[str] = []
    original = ApiClient.deserialize

    def deserialize(self: Any, response: Any, response_type: Any) -> Any:
        result = original(self, response, response_type)
        checked.append(str(response_type))
        dropped.extend(f"{response_type}: {p}" for p in _dropped(json.loads(response.data), result))
        return result

    monkeypatch.setattr(ApiClient, "deserialize", deserialize)
    yield checked
    assert checked, "no SDK response was deserialized"
    assert dropped == []


def _model_module(api: str) -> Any:
    import importlib

    return importlib.import_module(f"spapi.models.{api}")


# ------------------------------------------------------------------ Orders 2026-01-01


def test_orders_search_and_get(api_client: Any, data: SeedData) -> None:
    from spapi.api.orders_v2026_01_01.get_order_api import GetOrderApi
    from spapi.api.orders_v2026_01_01.search_orders_api import SearchOrdersApi

    models = _model_module("orders_v2026_01_01")
    oldest = data.orders_sorted()[0]
    created = datetime.fromisoformat(oldest["createdTime"])
    result = SearchOrdersApi(api_client).search_orders(
        created_after=created,
        created_before=created + timedelta(seconds=1),
        marketplace_ids=MARKETPLACES,
    )
    assert isinstance(result, models.SearchOrdersResponse)
    assert [o.order_id for o in result.orders] == [oldest["orderId"]]
    assert isinstance(result.orders[0], models.Order)

    got = GetOrderApi(api_client).get_order(oldest["orderId"])
    assert isinstance(got, models.GetOrderResponse)
    assert got.order.order_id == oldest["orderId"]
    assert got.order.sales_channel.marketplace_id == oldest["salesChannel"]["marketplaceId"]
    items = [i["orderItemId"] for i in oldest["orderItems"]]
    assert [i.order_item_id for i in got.order.order_items] == items


# ------------------------------------------------------------------ Reports 2021-06-30


def test_reports_roundtrip(api_client: Any, live: tuple[str, EmulatorState]) -> None:
    from spapi.api.reports_v2021_06_30.reports_api import ReportsApi

    models = _model_module("reports_v2021_06_30")
    api = ReportsApi(api_client)
    report_type = "GET_MERCHANT_LISTINGS_ALL_DATA"
    spec = models.CreateReportSpecification(report_type=report_type, marketplace_ids=MARKETPLACES)
    created = api.create_report(spec)
    assert isinstance(created, models.CreateReportResponse)
    to_cancel = api.create_report(spec).report_id
    assert api.cancel_report(to_cancel) is None
    assert api.get_report(to_cancel).processing_status == "CANCELLED"

    live[1].clock.advance(120)
    report = api.get_report(created.report_id)
    assert isinstance(report, models.Report)
    assert (report.report_id, report.report_type) == (created.report_id, report_type)
    assert report.processing_status == "DONE"
    assert report.marketplace_ids == MARKETPLACES

    listed = api.get_reports(report_types=[report_type])
    assert isinstance(listed, models.GetReportsResponse)
    assert {r.report_id for r in listed.reports} == {created.report_id, to_cancel}

    document = api.get_report_document(report.report_document_id)
    assert isinstance(document, models.ReportDocument)
    assert document.report_document_id == report.report_document_id
    content = httpx.get(document.url).content
    assert b"seller-sku" in content or b"sku" in content.lower()


def test_report_schedules_roundtrip(api_client: Any) -> None:
    from spapi.api.reports_v2021_06_30.reports_api import ReportsApi

    models = _model_module("reports_v2021_06_30")
    api = ReportsApi(api_client)
    report_type = "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA"
    spec = models.CreateReportScheduleSpecification(
        report_type=report_type, marketplace_ids=MARKETPLACES, period="P1D"
    )
    created = api.create_report_schedule(spec)
    assert isinstance(created, models.CreateReportScheduleResponse)
    schedules = api.get_report_schedules([report_type])
    assert isinstance(schedules, models.ReportScheduleList)
    assert [s.report_schedule_id for s in schedules.report_schedules] == [
        created.report_schedule_id
    ]
    assert isinstance(schedules.report_schedules[0], models.ReportSchedule)
    assert schedules.report_schedules[0].period == "P1D"
    one = api.get_report_schedule(created.report_schedule_id)
    assert isinstance(one, models.ReportSchedule)
    assert (one.report_type, one.marketplace_ids) == (report_type, MARKETPLACES)
    assert api.cancel_report_schedule(created.report_schedule_id) is None
    assert api.get_report_schedules([report_type]).report_schedules == []


# ------------------------------------------------------------------ Feeds 2021-06-30


def test_feeds_roundtrip(api_client: Any, live: tuple[str, EmulatorState], data: SeedData) -> None:
    from spapi.api.feeds_v2021_06_30.feeds_api import FeedsApi

    models = _model_module("feeds_v2021_06_30")
    api = FeedsApi(api_client)
    content_type = "application/json; charset=UTF-8"
    doc = api.create_feed_document(
        models.CreateFeedDocumentSpecification(content_type=content_type)
    )
    assert isinstance(doc, models.CreateFeedDocumentResponse)
    sku = sorted(data.listings)[0]
    message = {
        "messageId": 1,
        "sku": sku,
        "operationType": "PATCH",
        "productType": "PRODUCT",
        "patches": [
            {
                "op": "replace",
                "path": "/attributes/purchasable_offer",
                "value": [
                    {
                        "marketplace_id": PRIMARY_MARKETPLACE,
                        "currency": "USD",
                        "our_price": [{"schedule": [{"value_with_tax": 12.34}]}],
                    }
                ],
            }
        ],
    }
    feed_body = {"header": {"sellerId": data.seller_id, "version": "2.0"}, "messages": [message]}
    upload = httpx.put(
        doc.url, content=json.dumps(feed_body).encode(), headers={"content-type": content_type}
    )
    assert upload.status_code == 200
    feed_type = "JSON_LISTINGS_FEED"
    created = api.create_feed(
        models.CreateFeedSpecification(
            feed_type=feed_type,
            marketplace_ids=MARKETPLACES,
            input_feed_document_id=doc.feed_document_id,
        )
    )
    assert isinstance(created, models.CreateFeedResponse)

    to_cancel = api.create_feed(
        models.CreateFeedSpecification(
            feed_type=feed_type,
            marketplace_ids=MARKETPLACES,
            input_feed_document_id=doc.feed_document_id,
        )
    ).feed_id
    assert api.cancel_feed(to_cancel) is None
    assert api.get_feed(to_cancel).processing_status == "CANCELLED"

    listed = api.get_feeds(feed_types=[feed_type])
    assert isinstance(listed, models.GetFeedsResponse)
    assert {f.feed_id for f in listed.feeds} == {created.feed_id, to_cancel}

    live[1].clock.advance(120)
    feed = api.get_feed(created.feed_id)
    assert isinstance(feed, models.Feed)
    assert (feed.feed_id, feed.feed_type) == (created.feed_id, feed_type)
    assert feed.processing_status == "DONE"
    result = api.get_feed_document(feed.result_feed_document_id)
    assert isinstance(result, models.FeedDocument)
    assert result.feed_document_id == feed.result_feed_document_id
    report = json.loads(gzip.decompress(httpx.get(result.url).content))
    assert report["summary"]["messagesAccepted"] == 1
    assert data.listings[sku]["price"] == "12.34"
    # the input document is readable through getFeedDocument too
    input_doc = api.get_feed_document(doc.feed_document_id)
    assert isinstance(input_doc, models.FeedDocument)
    assert input_doc.feed_document_id == doc.feed_document_id


# ------------------------------------------------------------------ FBA Inventory v1


def test_inventory_summaries(api_client: Any, data: SeedData) -> None:
    from spapi.api.fba_inventory_v1.fba_inventory_api import FbaInventoryApi

    models = _model_module("fba_inventory_v1")
    sku = sorted(data.inventory)[0]
    result = FbaInventoryApi(api_client).get_inventory_summaries(
        "Marketplace", PRIMARY_MARKETPLACE, MARKETPLACES, details=True, seller_skus=[sku]
    )
    assert isinstance(result, models.GetInventorySummariesResponse)
    summaries = result.payload.inventory_summaries
    assert [s.seller_sku for s in summaries] == [sku]
    assert isinstance(summaries[0], models.InventorySummary)
    assert summaries[0].asin == data.inventory[sku]["asin"]
    assert summaries[0].total_quantity == data.inventory[sku]["totalQuantity"]


# ------------------------------------------------------------------ Finances v0


def test_finances(api_client: Any, data: SeedData) -> None:
    from spapi.api.finances_v0.finances_v0_api import FinancesV0Api

    models = _model_module("finances_v0")
    api = FinancesV0Api(api_client)
    after = ANCHOR - timedelta(days=90)
    groups = api.list_financial_event_groups(financial_event_group_started_after=after)
    assert isinstance(groups, models.ListFinancialEventGroupsResponse)
    assert groups.payload.financial_event_group_list
    assert all(
        isinstance(g, models.FinancialEventGroup) and g.financial_event_group_id
        for g in groups.payload.financial_event_group_list
    )
    events = api.list_financial_events(posted_after=after)
    assert isinstance(events, models.ListFinancialEventsResponse)
    shipments = events.payload.financial_events.shipment_event_list
    assert shipments
    assert all(data.order(s.amazon_order_id) is not None for s in shipments)

    order_id = shipments[0].amazon_order_id
    by_order = api.list_financial_events_by_order_id(order_id)
    assert isinstance(by_order, models.ListFinancialEventsResponse)
    listed = by_order.payload.financial_events.shipment_event_list
    assert listed and {s.amazon_order_id for s in listed} == {order_id}

    group = groups.payload.financial_event_group_list[0]
    by_group = api.list_financial_events_by_group_id(group.financial_event_group_id)
    assert isinstance(by_group, models.ListFinancialEventsResponse)
    assert isinstance(by_group.payload.financial_events, models.FinancialEvents)


# ------------------------------------------------------------------ Product Pricing v0


def test_pricing(api_client: Any, data: SeedData) -> None:
    from spapi.api.product_pricing_v0.product_pricing_api import ProductPricingApi

    models = _model_module("product_pricing_v0")
    api = ProductPricingApi(api_client)
    sku, listing = sorted(data.listings.items())[0]
    asin = listing["asin"]

    price = api.get_pricing(PRIMARY_MARKETPLACE, "Sku", skus=[sku])
    assert isinstance(price, models.GetPricingResponse)
    assert [(p.seller_sku, p.status) for p in price.payload] == [(sku, "Success")]
    assert isinstance(price.payload[0], models.Price)

    competitive = api.get_competitive_pricing(PRIMARY_MARKETPLACE, "Asin", asins=[asin])
    assert isinstance(competitive, models.GetPricingResponse)
    assert [p.asin for p in competitive.payload] == [asin]

    item = api.get_item_offers(PRIMARY_MARKETPLACE, "New", asin)
    assert isinstance(item, models.GetOffersResponse)
    assert item.payload.asin == asin

    mine = api.get_listing_offers(PRIMARY_MARKETPLACE, "New", sku)
    assert isinstance(mine, models.GetOffersResponse)
    assert mine.payload.sku == sku


def test_pricing_batches(api_client: Any, data: SeedData) -> None:
    from spapi.api.product_pricing_v0.product_pricing_api import ProductPricingApi

    models = _model_module("product_pricing_v0")
    api = ProductPricingApi(api_client)
    chosen = sorted(data.listings.items())[:20]
    requests = [
        models.ItemOffersRequest(
            uri=f"/products/pricing/v0/items/{listing['asin']}/offers",
            method="GET",
            marketplace_id=PRIMARY_MARKETPLACE,
            item_condition="New",
            customer_type="Consumer",
        )
        for _, listing in chosen
    ]
    items = api.get_item_offers_batch(models.GetItemOffersBatchRequest(requests=requests))
    assert isinstance(items, models.GetItemOffersBatchResponse)
    assert [r.status.status_code for r in items.responses] == [200] * 20
    assert [r.body.payload.asin for r in items.responses] == [x["asin"] for _, x in chosen]
    assert isinstance(items.responses[0].body, models.GetOffersResponse)

    skus = [sku for sku, _ in chosen[:5]] + ["NO-SUCH-SKU"]
    listing_requests = [
        models.ListingOffersRequest(
            uri=f"/products/pricing/v0/listings/{sku}/offers",
            method="GET",
            marketplace_id=PRIMARY_MARKETPLACE,
            item_condition="Used",
        )
        for sku in skus
    ]
    mine = api.get_listing_offers_batch(
        models.GetListingOffersBatchRequest(requests=listing_requests)
    )
    assert isinstance(mine, models.GetListingOffersBatchResponse)
    assert [r.request.seller_sku for r in mine.responses] == skus
    assert [r.status.status_code for r in mine.responses] == [200] * 5 + [400]
    assert mine.responses[-1].body.errors[0].code == "InvalidInput"


# ------------------------------------------------------------------ Product Fees v0


def test_product_fees(api_client: Any, data: SeedData) -> None:
    from spapi.api.product_fees_v0.fees_api import FeesApi

    models = _model_module("product_fees_v0")
    api = FeesApi(api_client)
    sku, listing = sorted(data.listings.items())[0]

    def request(identifier: str) -> Any:
        return models.FeesEstimateRequest(
            marketplace_id=PRIMARY_MARKETPLACE,
            is_amazon_fulfilled=True,
            price_to_estimate_fees=models.PriceToEstimateFees(
                listing_price=models.MoneyType(currency_code="USD", amount=24.99),
                shipping=models.MoneyType(currency_code="USD", amount=0.0),
            ),
            identifier=identifier,
        )

    body = [
        models.FeesEstimateByIdRequest(
            fees_estimate_request=request("a"), id_type="SellerSKU", id_value=sku
        ),
        models.FeesEstimateByIdRequest(
            fees_estimate_request=request("b"),
            id_type="ASIN",
            id_value="B0NOTHERE1",
        ),
    ]
    results = api.get_my_fees_estimates(body)
    assert [r.status for r in results] == ["Success", "ClientError"]
    first = results[0]
    assert isinstance(first, models.FeesEstimateResult)
    assert first.fees_estimate_identifier.seller_input_identifier == "a"
    types = [d.fee_type for d in first.fees_estimate.fee_detail_list]
    assert types == ["ReferralFee", "VariableClosingFee", "PerItemFee", "FBAFees"]
    assert results[1].error.code == "InvalidParameterValue"

    one = api.get_my_fees_estimate_for_sku(
        sku, models.GetMyFeesEstimateRequest(fees_estimate_request=request("c"))
    )
    assert isinstance(one, models.GetMyFeesEstimateResponse)
    assert one.payload.fees_estimate_result.status == "Success"
    by_asin = api.get_my_fees_estimate_for_asin(
        listing["asin"],
        models.GetMyFeesEstimateRequest(fees_estimate_request=request("d")),
    )
    assert by_asin.payload.fees_estimate_result.fees_estimate_identifier.id_value == listing["asin"]


# ------------------------------------------------------------------ Catalog Items 2022-04-01


def test_catalog(api_client: Any, data: SeedData) -> None:
    from spapi.api.catalogitems_v2022_04_01.catalog_api import CatalogApi

    models = _model_module("catalogitems_v2022_04_01")
    asin = sorted(data.listings.values(), key=lambda listing: listing["sku"])[0]["asin"]
    result = CatalogApi(api_client).search_catalog_items(
        MARKETPLACES, identifiers=[asin], identifiers_type="ASIN", included_data=["summaries"]
    )
    assert isinstance(result, models.ItemSearchResults)
    assert [i.asin for i in result.items] == [asin]
    assert isinstance(result.items[0], models.Item)
    item = CatalogApi(api_client).get_catalog_item(
        asin, MARKETPLACES, included_data=["summaries", "classifications"]
    )
    assert isinstance(item, models.Item)
    assert item.asin == asin
    assert item.summaries[0].marketplace_id == PRIMARY_MARKETPLACE
    leaf = item.classifications[0].classifications[0]
    assert isinstance(leaf, models.ItemBrowseClassification)
    assert leaf.classification_id == item.summaries[0].browse_classification.classification_id
    assert leaf.parent is not None

    found = CatalogApi(api_client).search_catalog_items(
        MARKETPLACES,
        keywords=["model"],
        classification_ids=["1055398"],
        included_data=["summaries", "classifications"],
        page_size=5,
    )
    assert isinstance(found, models.ItemSearchResults)
    assert len(found.items) == 5 and found.number_of_results > 5
    assert found.pagination.next_token
    assert isinstance(found.refinements, models.Refinements)
    assert sum(b.number_of_results for b in found.refinements.brands) == found.number_of_results


# ------------------------------------------------------------------ Fulfillment Outbound


def test_outbound_roundtrip(api_client: Any, data: SeedData) -> None:
    from spapi.api.fulfillment_outbound_v2020_07_01.fba_outbound_api import FbaOutboundApi

    models = _model_module("fulfillment_outbound_v2020_07_01")
    api = FbaOutboundApi(api_client)
    sku = sorted(data.inventory)[0]
    address = models.Address(
        name="Test Person",
        address_line1="1 Lantern Row",
        city="Seattle",
        state_or_region="WA",
        postal_code="98101",
        country_code="US",
    )
    preview = api.get_fulfillment_preview(
        models.GetFulfillmentPreviewRequest(
            marketplace_id=PRIMARY_MARKETPLACE,
            address=address,
            items=[
                models.GetFulfillmentPreviewItem(
                    seller_sku=sku, seller_fulfillment_order_item_id="item-1", quantity=1
                )
            ],
        )
    )
    assert isinstance(preview, models.GetFulfillmentPreviewResponse)
    previews = preview.payload.fulfillment_previews
    assert [p.shipping_speed_category for p in previews] == ["Standard", "Expedited", "Priority"]
    assert all(isinstance(p, models.FulfillmentPreview) and p.is_fulfillable for p in previews)

    request = models.CreateFulfillmentOrderRequest(
        marketplace_id=PRIMARY_MARKETPLACE,
        seller_fulfillment_order_id="SDK-ROUNDTRIP-1",
        displayable_order_id="SDK-ROUNDTRIP-1",
        displayable_order_date=datetime(2026, 11, 1, 12, tzinfo=UTC),
        displayable_order_comment="Thank you",
        shipping_speed_category="Standard",
        destination_address=models.Address(
            name="Test Person",
            address_line1="1 Lantern Row",
            city="Seattle",
            state_or_region="WA",
            postal_code="98101",
            country_code="US",
        ),
        items=[
            models.CreateFulfillmentOrderItem(
                seller_sku=sku, seller_fulfillment_order_item_id="item-1", quantity=1
            )
        ],
    )
    created = api.create_fulfillment_order(request)
    assert isinstance(created, models.CreateFulfillmentOrderResponse)

    got = api.get_fulfillment_order("SDK-ROUNDTRIP-1")
    assert isinstance(got, models.GetFulfillmentOrderResponse)
    assert got.payload.fulfillment_order.seller_fulfillment_order_id == "SDK-ROUNDTRIP-1"
    assert [i.seller_sku for i in got.payload.fulfillment_order_items] == [sku]

    listed = api.list_all_fulfillment_orders(query_start_date=ANCHOR - timedelta(days=365))
    assert isinstance(listed, models.ListAllFulfillmentOrdersResponse)
    ids = [o.seller_fulfillment_order_id for o in listed.payload.fulfillment_orders]
    assert "SDK-ROUNDTRIP-1" in ids
    assert all(isinstance(o, models.FulfillmentOrder) for o in listed.payload.fulfillment_orders)

    cancelled = api.cancel_fulfillment_order("SDK-ROUNDTRIP-1")
    assert isinstance(cancelled, models.CancelFulfillmentOrderResponse)
    after = api.get_fulfillment_order("SDK-ROUNDTRIP-1").payload.fulfillment_order
    assert after.fulfillment_order_status == "Cancelled"


def test_outbound_tracking_returns_and_update_roundtrip(
    api_client: Any, live: tuple[str, EmulatorState]
) -> None:
    from spapi.api.fulfillment_outbound_v2020_07_01.fba_outbound_api import FbaOutboundApi

    from gateway.emulator.outbound import OutboundSettings, package_number, shipment_id

    models = _model_module("fulfillment_outbound_v2020_07_01")
    api = FbaOutboundApi(api_client)
    api.list_all_fulfillment_orders(query_start_date=ANCHOR - timedelta(days=365))  # seeds
    store = live[1].section("fbaOutbound", OutboundSettings)
    delivered = store.orders["MCF-SEED-0000"]

    tracking = api.get_package_tracking_details(package_number(delivered))
    assert isinstance(tracking, models.GetPackageTrackingDetailsResponse)
    assert isinstance(tracking.payload, models.PackageTrackingDetails)
    assert tracking.payload.package_number == package_number(delivered)
    assert tracking.payload.current_status == "DELIVERED"
    assert all(isinstance(e, models.TrackingEvent) for e in tracking.payload.tracking_events)

    sku = delivered.body["items"][0]["sellerSku"]
    codes = api.list_return_reason_codes(sku, marketplace_id=PRIMARY_MARKETPLACE, language="fr_FR")
    assert isinstance(codes, models.ListReturnReasonCodesResponse)
    assert all(isinstance(c, models.ReasonCodeDetails) for c in codes.payload.reason_code_details)
    assert codes.payload.reason_code_details[0].translated_description

    item_id = delivered.body["items"][0]["sellerFulfillmentOrderItemId"]
    returned = api.create_fulfillment_return(
        "MCF-SEED-0000",
        models.CreateFulfillmentReturnRequest(
            items=[
                models.CreateReturnItem(
                    seller_return_item_id="SDK-RET-1",
                    seller_fulfillment_order_item_id=item_id,
                    amazon_shipment_id=shipment_id(delivered),
                    return_reason_code=codes.payload.reason_code_details[0].return_reason_code,
                )
            ]
        ),
    )
    assert isinstance(returned, models.CreateFulfillmentReturnResponse)
    assert [r.seller_return_item_id for r in returned.payload.return_items] == ["SDK-RET-1"]
    assert all(
        isinstance(a, models.ReturnAuthorization) for a in returned.payload.return_authorizations
    )

    request = models.CreateFulfillmentOrderRequest(
        marketplace_id=PRIMARY_MARKETPLACE,
        seller_fulfillment_order_id="SDK-HOLD-1",
        displayable_order_id="SDK-HOLD-1",
        displayable_order_date=datetime(2026, 11, 1, 12, tzinfo=UTC),
        displayable_order_comment="Hold it",
        shipping_speed_category="Standard",
        fulfillment_action="Hold",
        destination_address=models.Address(
            name="Test Person",
            address_line1="1 Lantern Row",
            state_or_region="WA",
            postal_code="98101",
            country_code="US",
        ),
        items=[
            models.CreateFulfillmentOrderItem(
                seller_sku=sku, seller_fulfillment_order_item_id="hold-1", quantity=2
            )
        ],
    )
    api.create_fulfillment_order(request)
    updated = api.update_fulfillment_order(
        "SDK-HOLD-1",
        models.UpdateFulfillmentOrderRequest(
            displayable_order_comment="Updated",
            items=[
                models.UpdateFulfillmentOrderItem(
                    seller_fulfillment_order_item_id="hold-1", quantity=1
                )
            ],
        ),
    )
    assert isinstance(updated, models.UpdateFulfillmentOrderResponse)
    assert store.orders["SDK-HOLD-1"].body["items"][0]["quantity"] == 1


# ------------------------------------------------------------------ Easy Ship 2022-03-23


def test_easy_ship_roundtrip(api_client: Any, data: SeedData) -> None:
    from spapi.api.easyship_v2022_03_23.easy_ship_api import EasyShipApi

    models = _model_module("easyship_v2022_03_23")
    api = EasyShipApi(api_client)
    pending = next(o for o in data.easy_ship_orders if o["easyShipStatus"] == "PENDING_SCHEDULE")
    slots = api.list_handover_slots(
        list_handover_slots_request=models.ListHandoverSlotsRequest(
            marketplace_id=INDIA,
            amazon_order_id=pending["orderId"],
            package_dimensions=models.Dimensions(length=15.0, width=10.0, height=12.0, unit="cm"),
            package_weight=models.Weight(value=50.0, unit="g"),
        )
    )
    assert isinstance(slots, models.ListHandoverSlotsResponse)
    assert slots.amazon_order_id == pending["orderId"]
    assert all(isinstance(s, models.TimeSlot) for s in slots.time_slots)

    created = api.create_scheduled_package(
        models.CreateScheduledPackageRequest(
            amazon_order_id=pending["orderId"],
            marketplace_id=INDIA,
            package_details=models.PackageDetails(
                package_time_slot=models.TimeSlot(slot_id=slots.time_slots[0].slot_id),
                package_items=[models.Item(order_item_id=pending["orderItems"][0]["orderItemId"])],
            ),
        )
    )
    assert isinstance(created, models.Package)
    assert created.scheduled_package_id.amazon_order_id == pending["orderId"]
    assert created.package_status == "ReadyForPickup"

    got = api.get_scheduled_package(pending["orderId"], INDIA)
    assert isinstance(got, models.Package)
    assert got.scheduled_package_id.package_id == created.scheduled_package_id.package_id

    moved = api.update_scheduled_packages(
        update_scheduled_packages_request=models.UpdateScheduledPackagesRequest(
            marketplace_id=INDIA,
            update_package_details_list=[
                models.UpdatePackageDetails(
                    scheduled_package_id=models.ScheduledPackageId(
                        amazon_order_id=pending["orderId"]
                    ),
                    package_time_slot=models.TimeSlot(slot_id=slots.time_slots[1].slot_id),
                )
            ],
        )
    )
    assert isinstance(moved, models.Packages)
    assert moved.packages[0].package_time_slot.slot_id == slots.time_slots[1].slot_id


# ------------------------------------------------------------------ Shipment Invoicing v0


def test_shipment_invoicing_roundtrip(
    api_client: Any, data: SeedData, live: tuple[str, EmulatorState]
) -> None:
    from spapi.api.shipment_invoicing_v0.shipment_invoice_api import ShipmentInvoiceApi

    models = _model_module("shipment_invoicing_v0")
    shipment = data.brazil_shipments[0]["AmazonShipmentId"]
    rdt = _rdt_client(api_client, live[0], "GET", "/fba/outbound/brazil/v0/shipments/{shipmentId}")
    details = ShipmentInvoiceApi(rdt).get_shipment_details(shipment)
    assert isinstance(details, models.GetShipmentDetailsResponse)
    assert isinstance(details.payload, models.ShipmentDetail)
    assert details.payload.amazon_shipment_id == shipment
    assert all(isinstance(i, models.ShipmentItem) for i in details.payload.shipment_items)

    api = ShipmentInvoiceApi(api_client)
    content = b"<NFe><infNFe/></NFe>"
    submitted = api.submit_invoice(
        shipment,
        models.SubmitInvoiceRequest(
            invoice_content=base64.b64encode(content).decode(),
            marketplace_id="A2Q3Y263D00KWC",
            content_md5_value=base64.b64encode(hashlib.md5(content).digest()).decode(),
        ),
    )
    assert isinstance(submitted, models.SubmitInvoiceResponse)
    status = api.get_invoice_status(shipment)
    assert isinstance(status, models.GetInvoiceStatusResponse)
    assert isinstance(status.payload.shipments, models.ShipmentInvoiceStatusInfo)
    assert status.payload.shipments.invoice_status == "Processing"


# ------------------------------------------------------------------ Merchant Fulfillment v0


def test_mfn_roundtrip(api_client: Any, data: SeedData, live: tuple[str, EmulatorState]) -> None:
    from spapi.api.merchant_fulfillment_v0.merchant_fulfillment_api import (
        MerchantFulfillmentApi,
    )

    models = _model_module("merchant_fulfillment_v0")
    order = next(
        o
        for o in data.orders_sorted()
        if o["fulfillment"]["fulfilledBy"] == "MERCHANT"
        and o["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    )
    item = order["orderItems"][0]
    details = models.ShipmentRequestDetails(
        amazon_order_id=order["orderId"],
        item_list=[models.Item(order_item_id=item["orderItemId"], quantity=1)],
        ship_from_address=models.Address(
            name="Emulated Example Store",
            address_line1="1 Heronsgate Dr",
            city="Seattle",
            state_or_province_code="WA",
            postal_code="98101",
            country_code="US",
            email="store@example.com",
            phone="2065550100",
        ),
        package_dimensions=models.PackageDimensions(
            length=10.0, width=8.0, height=4.0, unit="inches"
        ),
        weight=models.Weight(value=12.0, unit="oz"),
        shipping_service_options=models.ShippingServiceOptions(
            delivery_experience="DeliveryConfirmationWithoutSignature", carrier_will_pick_up=False
        ),
    )
    result = MerchantFulfillmentApi(api_client).get_eligible_shipment_services(
        models.GetEligibleShipmentServicesRequest(shipment_request_details=details)
    )
    assert isinstance(result, models.GetEligibleShipmentServicesResponse)
    services = result.payload.shipping_service_list
    assert len(services) == 3
    assert all(isinstance(s, models.ShippingService) for s in services)
    assert len({s.shipping_service_id for s in services}) == 3
    assert all(s.rate.currency_code == "USD" and s.rate.amount > 0 for s in services)
    assert all(s.shipping_service_offer_id and s.carrier_name for s in services)

    # createShipment and getShipment are restricted: the SDK has no RDT support of its own, so
    # its ApiClient gets a token source that returns the RDT (the SDK sends it as usual).
    chosen = services[0].shipping_service_id
    create = MerchantFulfillmentApi(_rdt_client(api_client, live[0], "POST", SHIPMENTS))
    bought = create.create_shipment(
        models.CreateShipmentRequest(shipment_request_details=details, shipping_service_id=chosen)
    )
    assert isinstance(bought, models.CreateShipmentResponse)
    shipment_id = bought.payload.shipment_id
    assert bought.payload.amazon_order_id == order["orderId"]
    # the SDK's client-side check of the UUID-shaped shipmentId stays on
    read_client = _rdt_client(api_client, live[0], "GET", f"{SHIPMENTS}/{shipment_id}")
    read = MerchantFulfillmentApi(read_client)
    got = read.get_shipment(shipment_id)
    assert isinstance(got, models.GetShipmentResponse)
    assert isinstance(got.payload, models.Shipment)
    assert (got.payload.shipment_id, got.payload.status) == (shipment_id, "Purchased")
    assert got.payload.shipping_service.shipping_service_id == chosen
    assert [i.order_item_id for i in got.payload.item_list] == [item["orderItemId"]]

    cancel_client = _rdt_client(api_client, live[0], "DELETE", f"{SHIPMENTS}/{shipment_id}")
    cancelled = MerchantFulfillmentApi(cancel_client).cancel_shipment(shipment_id)
    assert isinstance(cancelled, models.CancelShipmentResponse)
    assert (cancelled.payload.shipment_id, cancelled.payload.status) == (
        shipment_id,
        "RefundPending",
    )

    fedex = next(s for s in services if s.carrier_name == "FEDEX")
    inputs = MerchantFulfillmentApi(api_client).get_additional_seller_inputs(
        models.GetAdditionalSellerInputsRequest(
            shipping_service_id=fedex.shipping_service_id,
            ship_from_address=details.ship_from_address,
            order_id=order["orderId"],
        )
    )
    assert isinstance(inputs, models.GetAdditionalSellerInputsResponse)
    assert isinstance(inputs.payload, models.GetAdditionalSellerInputsResult)
    shipment_fields = inputs.payload.shipment_level_fields
    assert [f.additional_input_field_name for f in shipment_fields] == [
        "NON_DELIVERABLE_INSTRUCTIONS"
    ]
    asins = sorted({i["product"]["asin"] for i in order["orderItems"] if i["product"]["asin"]})
    assert sorted(f.asin for f in inputs.payload.item_level_fields_list) == asins


SHIPMENTS = "/mfn/v0/shipments"


class _FixedToken:
    """An access-token source for the SDK's ApiClient that always hands out one token."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_lwa_access_token(self) -> str:
        return self.token


def _rdt_client(api_client: Any, base_url: str, method: str, path: str) -> Any:
    from spapi import ApiClient, Configuration
    from spapi.api.tokens_v2021_03_01.tokens_api import TokensApi
    from spapi.models.tokens_v2021_03_01 import (
        CreateRestrictedDataTokenRequest,
        RestrictedResource,
    )

    request = CreateRestrictedDataTokenRequest(
        restricted_resources=[RestrictedResource(method=method, path=path)]
    )
    rdt = TokensApi(api_client).create_restricted_data_token(request).restricted_data_token
    configuration = Configuration()
    configuration.host = base_url
    configuration.access_token_cache = _FixedToken(rdt)
    return ApiClient(configuration=configuration)


# ------------------------------------------------------------------ Notifications v1


def test_notifications_roundtrip(api_client: Any, live: tuple[str, EmulatorState]) -> None:
    """Destinations with a grantless client (scope), subscriptions with the seller's."""
    from spapi.api.notifications_v1.notifications_api import NotificationsApi
    from spapi.auth.credentials import SPAPIConfig
    from spapi.client import SPAPIClient

    models = _model_module("notifications_v1")
    base_url = live[0]
    grantless = SPAPIClient(
        SPAPIConfig(
            client_id=DEMO_CLIENT_ID,
            client_secret=DEMO_CLIENT_SECRET,
            scope="sellingpartnerapi::notifications",
            region="NA",
        ),
        oauth_endpoint=f"{base_url}/auth/o2/token",
        endpoint=base_url,
    ).api_client
    app = NotificationsApi(grantless)
    arn = "arn:aws:sqs:us-east-1:123456789012:sdk-roundtrip"
    created = app.create_destination(
        models.CreateDestinationRequest(
            name="sdk",
            resource_specification=models.DestinationResourceSpecification(
                sqs=models.SqsResource(arn=arn)
            ),
        )
    )
    assert isinstance(created, models.CreateDestinationResponse)
    destination_id = created.payload.destination_id
    listed = app.get_destinations()
    assert isinstance(listed, models.GetDestinationsResponse)
    assert [d.resource.sqs.arn for d in listed.payload if d.destination_id == destination_id] == [
        arn
    ]
    seller = NotificationsApi(api_client)
    sub = seller.create_subscription(
        "REPORT_PROCESSING_FINISHED",
        models.CreateSubscriptionRequest(
            payload_version="2020-09-04", destination_id=destination_id
        ),
    )
    assert isinstance(sub, models.CreateSubscriptionResponse)
    got = seller.get_subscription("REPORT_PROCESSING_FINISHED")
    assert isinstance(got, models.GetSubscriptionResponse)
    assert (got.payload.subscription_id, got.payload.destination_id) == (
        sub.payload.subscription_id,
        destination_id,
    )
    by_id = app.get_subscription_by_id(sub.payload.subscription_id, "REPORT_PROCESSING_FINISHED")
    assert isinstance(by_id, models.GetSubscriptionByIdResponse)
    assert by_id.payload.payload_version == "2020-09-04"
    gone = app.delete_subscription_by_id(sub.payload.subscription_id, "REPORT_PROCESSING_FINISHED")
    assert isinstance(gone, models.DeleteSubscriptionByIdResponse)
    assert app.delete_destination(destination_id) is not None


# ------------------------------------------------------------------ Fulfillment Inbound v0


def test_inbound_v0_roundtrip(api_client: Any, data: SeedData) -> None:
    from spapi.api.fulfillment_inbound_v0.fba_inbound_v0_api import FbaInboundV0Api

    models = _model_module("fulfillment_inbound_v0")
    api = FbaInboundV0Api(api_client)
    sku = sorted(data.listings)[0]
    prep = api.get_prep_instructions("US", seller_sku_list=[sku, "NOT-A-SKU"])
    assert isinstance(prep, models.GetPrepInstructionsResponse)
    assert [p.seller_sku for p in prep.payload.sku_prep_instructions_list] == [sku]
    assert prep.payload.invalid_sku_list[0].error_reason == "DoesNotExist"
    by_asin = api.get_prep_instructions("US", asin_list=[data.listings[sku]["asin"]])
    assert by_asin.payload.asin_prep_instructions_list[0].asin == data.listings[sku]["asin"]

    shipments = api.get_shipments(
        "SHIPMENT", PRIMARY_MARKETPLACE, shipment_status_list=["WORKING", "CLOSED"]
    )
    assert isinstance(shipments, models.GetShipmentsResponse)
    ids = [s.shipment_id for s in shipments.payload.shipment_data]
    assert ids == ["FBA15SEED0001", "FBA15SEED0003"]
    assert isinstance(shipments.payload.shipment_data[0].ship_from_address, models.Address)
    ranged = api.get_shipments(
        "DATE_RANGE",
        PRIMARY_MARKETPLACE,
        last_updated_after=ANCHOR - timedelta(days=365),
        last_updated_before=ANCHOR + timedelta(days=1),
    )
    assert len(ranged.payload.shipment_data) == 3
    items = api.get_shipment_items_by_shipment_id("FBA15SEED0001")
    assert isinstance(items, models.GetShipmentItemsResponse)
    assert {i.shipment_id for i in items.payload.item_data} == {"FBA15SEED0001"}
    all_items = api.get_shipment_items(
        "DATE_RANGE",
        PRIMARY_MARKETPLACE,
        last_updated_after=ANCHOR - timedelta(days=365),
        last_updated_before=ANCHOR + timedelta(days=1),
    )
    assert len(all_items.payload.item_data) == 6

    labels = api.get_labels(
        "FBA15SEED0003", "PackageLabel_Letter_2", "BARCODE_2D", number_of_packages=2
    )
    assert isinstance(labels, models.GetLabelsResponse)
    assert "/_documents/" in labels.payload.download_url
    unique = api.get_labels(
        "FBA15SEED0003", "PackageLabel_Thermal", "UNIQUE", package_labels_to_print=["C1", "C2"]
    )
    assert unique.payload.download_url != labels.payload.download_url


# ------------------------------------------------------------------ Fulfillment Inbound 2024-03-20


def test_inbound_2024_workflow_roundtrip(
    api_client: Any, data: SeedData, live: tuple[str, EmulatorState]
) -> None:
    from spapi.api.fulfillment_inbound_v0.fba_inbound_v0_api import FbaInboundV0Api
    from spapi.api.fulfillment_inbound_v2024_03_20.fba_inbound_api import FbaInboundApi

    from gateway.emulator.inbound.store import InboundStore

    live[1].section("fbaInbound", InboundStore).operation_seconds = 0.0
    models = _model_module("fulfillment_inbound_v2024_03_20")
    api = FbaInboundApi(api_client)
    skus = sorted(data.inventory)[:2]
    source = models.AddressInput(
        name="Ada Warehouse",
        address_line1="12 Analytical Row",
        city="Portland",
        state_or_province_code="OR",
        country_code="US",
        postal_code="97201",
        phone_number="+1 503 555 0100",
    )

    def done(operation_id: str) -> None:
        status = api.get_inbound_operation_status(operation_id)
        assert isinstance(status, models.InboundOperationStatus)
        assert status.operation_status == "SUCCESS", status

    created = api.create_inbound_plan(
        models.CreateInboundPlanRequest(
            destination_marketplaces=[PRIMARY_MARKETPLACE],
            source_address=source,
            name="SDK plan",
            items=[
                models.ItemInput(msku=s, quantity=4, prep_owner="SELLER", label_owner="SELLER")
                for s in skus
            ],
        )
    )
    assert isinstance(created, models.CreateInboundPlanResponse)
    plan_id = created.inbound_plan_id
    done(created.operation_id)
    plans = api.list_inbound_plans(sort_by="CREATION_TIME", sort_order="DESC")
    assert isinstance(plans, models.ListInboundPlansResponse)
    assert plans.inbound_plans[0].inbound_plan_id == plan_id
    items = api.list_inbound_plan_items(plan_id)
    assert [i.msku for i in items.items] == skus

    done(api.generate_packing_options(plan_id).operation_id)
    packing = api.list_packing_options(plan_id)
    assert isinstance(packing, models.ListPackingOptionsResponse)
    option = packing.packing_options[0]
    assert isinstance(option.supported_shipping_configurations[0], models.ShippingConfiguration)
    done(api.confirm_packing_option(plan_id, option.packing_option_id).operation_id)
    done(
        api.generate_placement_options(
            plan_id, models.GeneratePlacementOptionsRequest()
        ).operation_id
    )
    placements = api.list_placement_options(plan_id)
    assert isinstance(placements, models.ListPlacementOptionsResponse)
    split = min(placements.placement_options, key=lambda p: len(p.fees))
    shipment_id = split.shipment_ids[0]
    done(api.confirm_placement_option(plan_id, split.placement_option_id).operation_id)
    shipment = api.get_shipment(plan_id, shipment_id)
    assert isinstance(shipment, models.Shipment)
    assert shipment.status == "WORKING" and shipment.shipment_confirmation_id.startswith("FBA")
    assert isinstance(shipment.destination.address, models.Address)
    shipment_items = api.list_shipment_items(plan_id, shipment_id)
    assert [i.msku for i in shipment_items.items] == [skus[0]]
    assert isinstance(shipment_items.items[0].prep_instructions[0], models.PrepInstruction)

    api.update_shipment_name(plan_id, shipment_id, models.UpdateShipmentNameRequest(name="SDK"))
    moved = api.update_shipment_source_address(
        plan_id,
        shipment_id,
        models.UpdateShipmentSourceAddressRequest(address=source),
    )
    done(moved.operation_id)
    box = models.BoxInput(
        content_information_source="MANUAL_PROCESS",
        dimensions=models.Dimensions(length=12, width=10, height=8, unit_of_measurement="IN"),
        weight=models.Weight(unit="LB", value=6.5),
        quantity=2,
    )
    packed = api.set_packing_information(
        plan_id,
        models.SetPackingInformationRequest(
            package_groupings=[models.PackageGroupingInput(shipment_id=shipment_id, boxes=[box])]
        ),
    )
    done(packed.operation_id)
    boxes = api.list_shipment_boxes(plan_id, shipment_id)
    assert [b.box_id for b in boxes.boxes] == [
        f"{shipment.shipment_confirmation_id}U00000{n}" for n in (1, 2)
    ]
    generated = api.generate_transportation_options(
        plan_id,
        models.GenerateTransportationOptionsRequest(
            placement_option_id=split.placement_option_id,
            shipment_transportation_configurations=[
                models.ShipmentTransportationConfiguration(
                    shipment_id=shipment_id,
                    ready_to_ship_window=models.WindowInput(
                        start=datetime(2026, 12, 1, tzinfo=UTC)
                    ),
                )
            ],
        ),
    )
    done(generated.operation_id)
    options = api.list_transportation_options(plan_id, shipment_id=shipment_id)
    assert isinstance(options, models.ListTransportationOptionsResponse)
    partnered = next(
        o
        for o in options.transportation_options
        if o.shipping_solution == "AMAZON_PARTNERED_CARRIER"
    )
    assert isinstance(partnered.quote.cost, models.Currency)
    confirmed = api.confirm_transportation_options(
        plan_id,
        models.ConfirmTransportationOptionsRequest(
            transportation_selections=[
                models.TransportationSelection(
                    shipment_id=shipment_id,
                    transportation_option_id=partnered.transportation_option_id,
                )
            ]
        ),
    )
    done(confirmed.operation_id)
    shipment = api.get_shipment(plan_id, shipment_id)
    assert shipment.selected_transportation_option_id == partnered.transportation_option_id
    assert shipment.name == "SDK"
    tracking = shipment.tracking_details.spd_tracking_detail.spd_tracking_items
    assert len(tracking) == 2

    v0 = FbaInboundV0Api(api_client)
    listed = v0.get_shipments(
        "SHIPMENT", PRIMARY_MARKETPLACE, shipment_id_list=[shipment.shipment_confirmation_id]
    )
    assert listed.payload.shipment_data[0].shipment_name == "SDK"

    plan = api.get_inbound_plan(plan_id)
    assert isinstance(plan, models.InboundPlan)
    assert plan.status == "ACTIVE"
    done(api.cancel_inbound_plan(plan_id).operation_id)
    assert api.get_inbound_plan(plan_id).status == "VOIDED"
