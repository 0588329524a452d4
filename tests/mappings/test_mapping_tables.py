"""The shipped mapping tables: sections, versions, namespaces, throttles and targets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from gateway.catalog import Catalog, Section, load_catalog, resolve_handler
from tests.support.recordings import load_exchanges

REPO_ROOT = Path(__file__).resolve().parents[2]

REPORTS_FEEDS_NS = "http://mws.amazonaws.com/doc/2009-01-01/"
# section -> (version, path, namespace) as real MWS served them
SECTIONS: dict[str, tuple[str, str, str]] = {
    "Orders": (
        "2013-09-01",
        "/Orders/2013-09-01",
        "https://mws.amazonservices.com/Orders/2013-09-01",
    ),
    "Reports": ("2009-01-01", "/", REPORTS_FEEDS_NS),
    "Feeds": ("2009-01-01", "/", REPORTS_FEEDS_NS),
    "Products": (
        "2011-10-01",
        "/Products/2011-10-01",
        "http://mws.amazonservices.com/schema/Products/2011-10-01",
    ),
    "Sellers": (
        "2011-07-01",
        "/Sellers/2011-07-01",
        "https://mws.amazonservices.com/Sellers/2011-07-01",
    ),
    "Finances": (
        "2015-05-01",
        "/Finances/2015-05-01",
        "http://mws.amazonservices.com/Finances/2015-05-01",
    ),
    "FulfillmentInventory": (
        "2010-10-01",
        "/FulfillmentInventory/2010-10-01",
        "http://mws.amazonaws.com/FulfillmentInventory/2010-10-01/",
    ),
    "FulfillmentOutboundShipment": (
        "2010-10-01",
        "/FulfillmentOutboundShipment/2010-10-01",
        "http://mws.amazonaws.com/FulfillmentOutboundShipment/2010-10-01/",
    ),
    "FulfillmentInboundShipment": (
        "2010-10-01",
        "/FulfillmentInboundShipment/2010-10-01",
        "http://mws.amazonaws.com/FulfillmentInboundShipment/2010-10-01/",
    ),
    "MerchantFulfillment": (
        "2015-06-01",
        "/MerchantFulfillment/2015-06-01",
        "http://mws.amazonservices.com/MerchantFulfillment/2015-06-01",
    ),
    "Subscriptions": (
        "2013-07-01",
        "/Subscriptions/2013-07-01",
        "http://mws.amazonservices.com/schema/Subscriptions/2013-07-01",
    ),
    "Recommendations": (
        "2013-04-01",
        "/Recommendations/2013-04-01",
        "https://mws.amazonservices.com/Recommendations/2013-04-01",
    ),
    "ShipmentInvoicing": (
        "2018-09-01",
        "/ShipmentInvoicing/2018-09-01",
        "https://mws.amazonservices.com/ShipmentInvoicing/2018-09-01",
    ),
    "EasyShip": (
        "2018-09-01",
        "/EasyShip/2018-09-01",
        "https://mws.amazonservices.com/EasyShip/2018-09-01",
    ),
}
STATUS_SECTIONS = sorted(set(SECTIONS) - {"Reports", "Feeds"})
# The sections whose tables this directory's owner maintains.
MY_SECTIONS = sorted(set(SECTIONS) - {"Orders", "Reports", "Feeds"})

# Every MWS operation of the sections above (from the MWS docs), GetServiceStatus included.
OPERATIONS: dict[str, set[str]] = {
    "Products": {
        "GetServiceStatus", "ListMatchingProducts", "GetMatchingProduct",
        "GetMatchingProductForId", "GetCompetitivePricingForSKU", "GetCompetitivePricingForASIN",
        "GetLowestOfferListingsForSKU", "GetLowestOfferListingsForASIN",
        "GetLowestPricedOffersForSKU", "GetLowestPricedOffersForASIN", "GetMyPriceForSKU",
        "GetMyPriceForASIN", "GetProductCategoriesForSKU", "GetProductCategoriesForASIN",
        "GetMyFeesEstimate",
    },
    "Sellers": {
        "GetServiceStatus", "ListMarketplaceParticipations",
        "ListMarketplaceParticipationsByNextToken",
    },
    "Finances": {
        "GetServiceStatus", "ListFinancialEventGroups", "ListFinancialEventGroupsByNextToken",
        "ListFinancialEvents", "ListFinancialEventsByNextToken",
    },
    "FulfillmentInventory": {
        "GetServiceStatus", "ListInventorySupply", "ListInventorySupplyByNextToken",
    },
    "FulfillmentOutboundShipment": {
        "GetServiceStatus", "GetFulfillmentPreview", "CreateFulfillmentOrder",
        "UpdateFulfillmentOrder", "GetFulfillmentOrder", "ListAllFulfillmentOrders",
        "ListAllFulfillmentOrdersByNextToken", "GetPackageTrackingDetails",
        "CancelFulfillmentOrder", "ListReturnReasonCodes", "CreateFulfillmentReturn",
    },
    "FulfillmentInboundShipment": {
        "GetServiceStatus", "GetInboundGuidanceForSKU", "GetInboundGuidanceForASIN",
        "CreateInboundShipmentPlan", "CreateInboundShipment", "UpdateInboundShipment",
        "GetPreorderInfo", "ConfirmPreorder", "GetPrepInstructionsForSKU",
        "GetPrepInstructionsForASIN", "PutTransportContent", "EstimateTransportRequest",
        "GetTransportContent", "ConfirmTransportRequest", "VoidTransportRequest",
        "GetPackageLabels", "GetUniquePackageLabels", "GetPalletLabels", "GetBillOfLading",
        "ListInboundShipments", "ListInboundShipmentsByNextToken", "ListInboundShipmentItems",
        "ListInboundShipmentItemsByNextToken",
    },
    "MerchantFulfillment": {
        "GetServiceStatus", "GetEligibleShippingServices", "GetAdditionalSellerInputs",
        "CreateShipment", "GetShipment", "CancelShipment",
    },
    "Subscriptions": {
        "GetServiceStatus", "RegisterDestination", "DeregisterDestination",
        "ListRegisteredDestinations", "SendTestNotificationToDestination", "CreateSubscription",
        "GetSubscription", "DeleteSubscription", "ListSubscriptions", "UpdateSubscription",
    },
    "Recommendations": {
        "GetServiceStatus", "GetLastUpdatedTimeForRecommendations", "ListRecommendations",
        "ListRecommendationsByNextToken",
    },
    "ShipmentInvoicing": {
        "GetServiceStatus", "GetFBAOutboundShipmentDetail", "SubmitFBAOutboundShipmentInvoice",
        "GetFBAOutboundShipmentInvoiceStatus",
    },
    "EasyShip": {
        "GetServiceStatus", "ListPickupSlots", "CreateScheduledPackage", "GetScheduledPackage",
        "UpdateScheduledPackages",
    },
}  # fmt: skip

# Operation pairs the MWS docs say share one throttle bucket.
SHARED_BUCKETS: list[tuple[str, str, str]] = [
    ("Sellers", "ListMarketplaceParticipations", "ListMarketplaceParticipationsByNextToken"),
    ("FulfillmentInventory", "ListInventorySupply", "ListInventorySupplyByNextToken"),
    ("FulfillmentOutboundShipment", "ListAllFulfillmentOrders",
     "ListAllFulfillmentOrdersByNextToken"),
    ("FulfillmentInboundShipment", "ListInboundShipments", "ListInboundShipmentsByNextToken"),
    ("FulfillmentInboundShipment", "ListInboundShipmentItems",
     "ListInboundShipmentItemsByNextToken"),
    ("Products", "GetCompetitivePricingForSKU", "GetCompetitivePricingForASIN"),
    ("Products", "GetLowestOfferListingsForSKU", "GetLowestOfferListingsForASIN"),
    ("Products", "GetLowestPricedOffersForSKU", "GetLowestPricedOffersForASIN"),
    ("Products", "GetMyPriceForSKU", "GetMyPriceForASIN"),
    ("Products", "GetProductCategoriesForSKU", "GetProductCategoriesForASIN"),
]  # fmt: skip

# Products operations restoring per item, with the list parameter whose members are counted.
PER_ITEM: dict[str, str] = {
    "GetMatchingProduct": "ASINList.ASIN",
    "GetMatchingProductForId": "IdList.Id",
    "GetCompetitivePricingForSKU": "SellerSKUList.SellerSKU",
    "GetCompetitivePricingForASIN": "ASINList.ASIN",
    "GetLowestOfferListingsForSKU": "SellerSKUList.SellerSKU",
    "GetLowestOfferListingsForASIN": "ASINList.ASIN",
    "GetMyPriceForSKU": "SellerSKUList.SellerSKU",
    "GetMyPriceForASIN": "ASINList.ASIN",
    "GetMyFeesEstimate": "FeesEstimateRequestList.FeesEstimateRequest",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    # Other owners' tables may name handlers still being written: load without importing
    # handlers here; test_handlers_of_these_tables_resolve imports this directory's ones.
    return load_catalog(check_handlers=False)


def _section(catalog: Catalog, name: str) -> Section:
    assert name in catalog.sections, f"section {name} has no mapping table"
    return catalog.sections[name]


@pytest.mark.parametrize("name", sorted(SECTIONS))
def test_section_present_with_version_path_namespace(catalog: Catalog, name: str) -> None:
    version, path, namespace = SECTIONS[name]
    section = _section(catalog, name)
    info = next((v for v in section.versions if v.version == version), None)
    assert info is not None, f"{name} lacks version {version}"
    assert path in info.paths
    assert info.namespace == namespace
    assert section.namespace_for(version) == namespace


@pytest.mark.parametrize("name", MY_SECTIONS)
def test_every_documented_operation_is_listed(catalog: Catalog, name: str) -> None:
    assert set(_section(catalog, name).operations) == OPERATIONS[name]


@pytest.mark.parametrize("name", STATUS_SECTIONS)
def test_get_service_status_is_local_with_the_common_throttle(catalog: Catalog, name: str) -> None:
    version, path, _ = SECTIONS[name]
    resolved = catalog.resolve(path, version, "GetServiceStatus")
    assert resolved is not None, f"{name} has no GetServiceStatus"
    section, _, op = resolved
    assert section.name == name
    assert (op.throttle.max, op.throttle.restore, op.throttle.period) == (2, 1, 300)
    assert op.throttle.hourly is None
    assert op.target.kind == "local"
    assert op.target.handler == "service_status:service_status"


def test_handlers_of_these_tables_resolve(catalog: Catalog) -> None:
    handlers = {
        op.target.handler
        for name in MY_SECTIONS
        for op in _section(catalog, name).operations.values()
        if op.target.kind != "unsupported"
    }
    assert "service_status:service_status" in handlers
    for handler in handlers:
        assert handler is not None
        assert callable(resolve_handler(handler)), handler


@pytest.mark.parametrize("name", ["Reports", "Feeds"])
def test_reports_and_feeds_have_no_get_service_status(catalog: Catalog, name: str) -> None:
    assert "GetServiceStatus" not in _section(catalog, name).operations


def test_finances_get_service_status_answers_in_the_schema_namespace(catalog: Catalog) -> None:
    finances = _section(catalog, "Finances")
    status = finances.operations["GetServiceStatus"]
    groups = finances.operations["ListFinancialEventGroups"]
    assert (
        finances.namespace_for("2015-05-01", status)
        == "http://mws.amazonservices.com/schema/Finances/2015-05-01"
    )
    assert (
        finances.namespace_for("2015-05-01", groups)
        == "http://mws.amazonservices.com/Finances/2015-05-01"
    )


def test_every_throttle_is_positive(catalog: Catalog) -> None:
    count = 0
    for section in catalog.sections.values():
        for op in section.operations.values():
            t = op.throttle
            assert t.max >= 1 and t.restore > 0 and t.period > 0, (section.name, op.name)
            assert t.hourly is None or t.hourly > 0, (section.name, op.name)
            count += 1
    assert count >= sum(len(ops) for ops in OPERATIONS.values())


@pytest.mark.parametrize(("name", "base", "twin"), SHARED_BUCKETS)
def test_documented_shared_buckets_are_shared(
    catalog: Catalog, name: str, base: str, twin: str
) -> None:
    ops = _section(catalog, name).operations
    assert ops[base].throttle == ops[twin].throttle
    assert ops[base].throttle.bucket == ops[twin].throttle.bucket


def test_unshared_operations_have_their_own_bucket(catalog: Catalog) -> None:
    shared = {(s, op) for s, a, b in SHARED_BUCKETS for op in (a, b)}
    for name in MY_SECTIONS:
        for op in _section(catalog, name).operations.values():
            if (name, op.name) not in shared:
                assert op.throttle.bucket == op.name, (name, op.name)


def test_documented_throttle_values(catalog: Catalog) -> None:
    def values(section: str, op: str) -> tuple[int, float, float, int | None]:
        t = catalog.sections[section].operations[op].throttle
        return t.max, t.restore, t.period, t.hourly

    assert values("Products", "ListMatchingProducts") == (20, 1, 5, 720)
    assert values("Products", "GetMatchingProduct") == (20, 2, 1, 7200)
    assert values("Products", "GetMatchingProductForId") == (20, 5, 1, 18000)
    assert values("Products", "GetLowestPricedOffersForASIN") == (10, 5, 1, 200)
    assert values("Products", "GetMyFeesEstimate") == (20, 10, 1, 36000)
    assert values("Sellers", "ListMarketplaceParticipations") == (15, 1, 60, None)
    assert values("Finances", "ListFinancialEvents") == (30, 1, 2, 1800)
    assert values("FulfillmentInventory", "ListInventorySupply") == (30, 2, 1, None)
    assert values("FulfillmentOutboundShipment", "CreateFulfillmentOrder") == (30, 2, 1, None)
    assert values("FulfillmentInboundShipment", "GetInboundGuidanceForSKU") == (200, 200, 1, 500)
    assert values("FulfillmentInboundShipment", "GetBillOfLading") == (30, 2, 1, None)
    assert values("MerchantFulfillment", "CreateShipment") == (10, 5, 1, None)
    assert values("Subscriptions", "CreateSubscription") == (25, 2, 1, 7200)
    assert values("Recommendations", "ListRecommendations") == (8, 1, 2, None)
    assert values("ShipmentInvoicing", "SubmitFBAOutboundShipmentInvoice") == (25, 340, 300, None)
    assert values("EasyShip", "ListPickupSlots") == (15, 15, 60, None)
    assert values("EasyShip", "UpdateScheduledPackages") == (10, 15, 60, None)


def test_products_per_item_prefixes(catalog: Catalog) -> None:
    products = _section(catalog, "Products")
    found = {
        name: op.spec["throttle"]["per_item"]
        for name, op in products.operations.items()
        if "per_item" in op.spec["throttle"]
    }
    assert found == PER_ITEM


@pytest.mark.parametrize("name", MY_SECTIONS)
def test_unsupported_targets_name_their_successor(catalog: Catalog, name: str) -> None:
    for op in _section(catalog, name).operations.values():
        if op.target.kind != "unsupported":
            continue  # GetServiceStatus, and operations translated since (tests/sections)
        note = op.target.note or ""
        assert "SP-API" in note, (op.name, note)
        # one line without "|": the note lands in the markdown table `mws-gateway coverage` prints
        assert "|" not in note and "\n" not in note, (op.name, note)
        if op.target.spapi:
            # the note names the SP-API operation(s) the reference points at
            assert any(ref.split(".", 1)[1] in note for ref in op.target.spapi), op.name
        else:
            assert "no SP-API equivalent" in note, (op.name, note)


def _models_dir() -> Path:
    env = os.environ.get("SPAPI_MODELS_DIR")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "spapi-models"
    assert path.is_dir(), f"SP-API models directory {path} is missing"
    return path


def test_spapi_references_exist_in_the_models(catalog: Catalog) -> None:
    models = _models_dir()
    operation_ids: dict[str, set[str]] = {}
    checked = 0
    for name in MY_SECTIONS:
        for op in _section(catalog, name).operations.values():
            for ref in op.target.spapi:
                model, _, op_id = ref.partition(".")
                if model not in operation_ids:
                    doc = json.loads((models / f"{model}.json").read_text(encoding="utf-8"))
                    operation_ids[model] = {
                        o["operationId"]
                        for item in doc["paths"].values()
                        for o in item.values()
                        if isinstance(o, dict) and "operationId" in o
                    }
                assert op_id in operation_ids[model], f"{name}.{op.name}: {ref} not in model"
                checked += 1
    assert checked >= 60


def test_recorded_response_namespaces_match_the_tables(catalog: Catalog) -> None:
    """Every recorded XML response of these sections is in the namespace the table gives."""
    checked = 0
    for ex in load_exchanges():
        if ex.path_section not in MY_SECTIONS or not ex.is_xml or ex.action is None:
            continue
        if ex.path not in catalog.paths:  # the front door's InvalidAddress for "/Sellers/"
            assert ex.root_tag == "ErrorResponse" and ex.status == 404, ex.file
            continue
        resolved = catalog.resolve(ex.path, ex.version or "", ex.action)
        assert resolved is not None, f"{ex.file}: {ex.path} {ex.action} not in the tables"
        section, version, op = resolved
        assert ex.root_namespace == section.namespace_for(version, op), ex.file
        checked += 1
    assert checked >= 15
