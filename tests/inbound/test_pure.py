"""Pure pieces of the inbound translation: MWS requests -> SP-API bodies (checked against
Amazon's models), the choices the workflow makes, TransportDocument building, and the engine
parts it added (nested structures, bounded polling)."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway.catalog import load_catalog
from gateway.health import HealthBoard
from gateway.mws.credentials import Identity
from gateway.mws.errors import MwsError
from gateway.mws.render import render_success
from gateway.state.quota_memory import MemoryQuotaBackend
from gateway.state.store_sqlite import SqliteStore
from gateway.translate.engine.call import Call, Services
from gateway.translate.engine.polling import Budget, PollPlan, wait_for
from gateway.translate.engine.structures import build
from gateway.translate.inbound.labels import zip_download
from gateway.translate.inbound.plans import cheapest, label_owner, plan_children, plan_member
from gateway.translate.inbound.plans import plan_request as build_plan
from gateway.translate.inbound.records import ShipmentRecord, digest
from gateway.translate.inbound.transport import boxes, configuration
from gateway.translate.inbound.v0 import status_query
from tests.emulator.modelcheck import validate_request_body
from tests.inbound.helpers import package_params, plan_params
from tests.support.gateway import demo_settings
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

CATALOG = load_catalog()
SECTION = CATALOG.sections["FulfillmentInboundShipment"]
TABLES = SECTION.tables
V2024 = "fulfillmentInbound_2024-03-20.json"
NS = "http://mws.amazonaws.com/FulfillmentInboundShipment/2010-10-01/"


def call_of(tmp_path: Path, action: str, params: dict[str, str], **settings: Any) -> Call:
    services = Services(
        settings=demo_settings(tmp_path, **settings),
        catalog=CATALOG,
        health=HealthBoard(),
        quotas=MemoryQuotaBackend(),
        store=SqliteStore(tmp_path / "unused.db"),
        spapi=None,
    )
    return Call(
        request_id="r-1",
        section=SECTION,
        operation=SECTION.operations[action],
        version="2010-10-01",
        namespace=NS,
        params=params,
        identity=Identity("AKIA", "A1SELLER", None, ("ATVPDKIKX0DER", "A2EUQ1WTGCTBG2")),
        services=services,
    )


def plan_request(tmp_path: Path, params: dict[str, str], **settings: Any) -> tuple[Any, Any]:
    return build_plan(call_of(tmp_path, "CreateInboundShipmentPlan", params, **settings))


# ------------------------------------------------------------------ requests


def test_a_plan_request_becomes_a_model_valid_create_inbound_plan(tmp_path: Path) -> None:
    params = plan_params([("SKU-A", 12), ("SKU-B", 6)])
    lead = "InboundShipmentPlanRequestItems.member.1"
    params[f"{lead}.QuantityInCase"] = "6"
    params[f"{lead}.PrepDetailsList.PrepDetails.1.PrepInstruction"] = "Polybagging"
    params[f"{lead}.PrepDetailsList.PrepDetails.1.PrepOwner"] = "SELLER"
    params[f"{lead}.PrepDetailsList.PrepDetails.2.PrepInstruction"] = "Labeling"
    params[f"{lead}.PrepDetailsList.PrepDetails.2.PrepOwner"] = "SELLER"
    body, canonical = plan_request(tmp_path, params)
    validate_request_body(V2024, "createInboundPlan", {**body, "name": "MWS test"})
    assert body["destinationMarketplaces"] == ["ATVPDKIKX0DER"]
    assert body["sourceAddress"] == {
        "name": "Ada Warehouse",
        "addressLine1": "12 Analytical Row",
        "city": "Portland",
        "stateOrProvinceCode": "OR",
        "countryCode": "US",
        "postalCode": "97201",
        "phoneNumber": "+1 206 555 0100",
    }
    assert body["items"] == [
        {"msku": "SKU-A", "quantity": 12, "prepOwner": "SELLER", "labelOwner": "SELLER"},
        {"msku": "SKU-B", "quantity": 6, "prepOwner": "NONE", "labelOwner": "SELLER"},
    ]
    assert canonical["items"][0]["prep"] == ["ITEM_LABELING", "ITEM_POLYBAGGING"]


def test_the_canonical_request_ignores_encodings_and_order(tmp_path: Path) -> None:
    official = plan_params([("SKU-A", 3), ("SKU-B", 4)])
    boto = plan_params([("SKU-B", 4), ("SKU-A", 3)], member="")
    (_, one), (_, two) = plan_request(tmp_path, official), plan_request(tmp_path, boto)
    assert digest("S", one) == digest("S", two)
    (_, other) = plan_request(tmp_path, plan_params([("SKU-A", 3), ("SKU-B", 5)]))
    assert digest("S", one) != digest("S", other)


def test_the_destination_follows_the_country(tmp_path: Path) -> None:
    body, _ = plan_request(tmp_path, plan_params([("SKU-A", 1)], ShipToCountryCode="CA"))
    assert body["destinationMarketplaces"] == ["A2EUQ1WTGCTBG2"]
    with pytest.raises(MwsError, match="no marketplace in that country"):
        plan_request(tmp_path, plan_params([("SKU-A", 1)], ShipToCountrySubdivisionCode="IN-MH"))


def test_label_preferences_become_label_owners() -> None:
    assert label_owner(None, "ATVPDKIKX0DER", TABLES) == "SELLER"
    assert label_owner("AMAZON_LABEL_ONLY", "ATVPDKIKX0DER", TABLES) == "AMAZON"
    assert label_owner("AMAZON_LABEL_PREFERRED", "ATVPDKIKX0DER", TABLES) == "SELLER"
    assert label_owner("AMAZON_LABEL_PREFERRED", "A2EUQ1WTGCTBG2", TABLES) == "AMAZON"


def test_two_prep_owners_for_one_sku_are_refused(tmp_path: Path) -> None:
    params = plan_params([("SKU-A", 2)])
    lead = "InboundShipmentPlanRequestItems.member.1.PrepDetailsList.member"
    params.update(
        {
            f"{lead}.1.PrepInstruction": "Taping",
            f"{lead}.1.PrepOwner": "SELLER",
            f"{lead}.2.PrepInstruction": "Labeling",
            f"{lead}.2.PrepOwner": "AMAZON",
        }
    )
    with pytest.raises(MwsError) as caught:
        plan_request(tmp_path, params)
    assert caught.value.code == "InvalidParameterValue"
    assert "one PrepOwner per SellerSKU" in str(caught.value.message)


def test_structures_refuse_mixed_list_spellings() -> None:
    params = plan_params([("SKU-A", 2)])
    params["InboundShipmentPlanRequestItems.2.SellerSKU"] = "SKU-B"
    params["InboundShipmentPlanRequestItems.2.Quantity"] = "1"
    with pytest.raises(MwsError, match="not several"):
        build(params, "plan", "", TABLES["request"], TABLES["enums"])
    del params["InboundShipmentPlanRequestItems.member.1.SellerSKU"]
    with pytest.raises(MwsError) as caught:
        build(params, "plan", "", TABLES["request"], TABLES["enums"])
    assert caught.value.code in ("MissingParameter", "InvalidParameterValue")


def test_transport_bodies_fit_the_model() -> None:
    request = build(
        package_params("sh" + "1" * 36, [9.5, 9.5, 4.0]),
        "transport",
        "",
        TABLES["request"],
        TABLES["enums"],
    )
    details = request["details"]["PartneredSmallParcelData"]
    grouped = boxes(details, "MANUAL_PROCESS")
    assert [(b["weight"]["value"], b["quantity"]) for b in grouped] == [(9.5, 2), (4.0, 1)]
    grouping = {"shipmentId": "sh" + "1" * 36, "boxes": grouped}
    validate_request_body(V2024, "setPackingInformation", {"packageGroupings": [grouping]})
    record = ShipmentRecord(
        shipment_id="sh" + "1" * 36,
        plan_id="wf" + "2" * 36,
        placement_option_id="pl" + "3" * 36,
        placement_shipments=["sh" + "1" * 36],
        marketplace_id="ATVPDKIKX0DER",
        warehouse_id="ABE2",
        label_owner="SELLER",
        items=[],
        source={},
        plan_intent="k",
    )
    ltl = {
        "Contact": {"Name": "N", "Phone": "1", "Email": "e@example.com"},
        "BoxCount": 3,
        "SellerFreightClass": "FC_77_5",
        "FreightReadyDate": "2026-12-01",
        "PalletList": [
            {
                "Dimensions": {"Length": 40, "Width": 48, "Height": 50, "Unit": "IN"},
                "IsStacked": True,
            }
        ],
        "SellerDeclaredValue": {"CurrencyCode": "USD", "Value": 1500},
    }
    body = {
        "placementOptionId": record.placement_option_id,
        "shipmentTransportationConfigurations": [configuration(record, "PartneredLtlData", ltl)],
    }
    validate_request_body(V2024, "generateTransportationOptions", body)
    config = body["shipmentTransportationConfigurations"][0]
    assert config["readyToShipWindow"] == {"start": "2026-12-01T00:00:00Z"}
    assert config["freightInformation"] == {
        "freightClass": "FC_77_5",
        "declaredValue": {"amount": 1500, "code": "USD"},
    }
    assert config["pallets"][0]["stackability"] == "STACKABLE"


# ------------------------------------------------------------------ answers


def test_the_cheapest_option_is_chosen_unless_one_is_accepted() -> None:
    fee = lambda amount: {"value": {"amount": amount, "code": "USD"}}  # noqa: E731
    offered = [
        {"placementOptionId": "a", "status": "OFFERED", "fees": [fee(6.3)], "discounts": []},
        {"placementOptionId": "b", "status": "OFFERED", "fees": [fee(2)], "discounts": [fee(1)]},
        {"placementOptionId": "c", "status": "OFFERED", "fees": [], "discounts": []},
    ]
    assert cheapest(offered)["placementOptionId"] == "c"  # type: ignore[index]
    offered[0]["status"] = "ACCEPTED"
    assert cheapest(offered)["placementOptionId"] == "a"  # type: ignore[index]
    assert cheapest([]) is None


def test_plan_members_render_as_the_xsd_says() -> None:
    shipment = {
        "destination": {
            "destinationType": "AMAZON_WAREHOUSE",
            "warehouseId": "ABE2",
            "address": {
                "name": "Amazon",
                "addressLine1": "705 Boulder Drive",
                "city": "Breinigsville",
                "stateOrProvinceCode": "PA",
                "countryCode": "US",
                "postalCode": "18031",
            },
        }
    }
    items = [
        {
            "msku": "SKU-A",
            "fnsku": "X00ABCDEFG",
            "quantity": 12,
            "prepInstructions": [
                {"prepType": "ITEM_POLYBAGGING", "prepOwner": "SELLER"},
                {"prepType": "ITEM_NO_PREP", "prepOwner": "NONE"},
            ],
        }
    ]
    member = plan_member("sh" + "1" * 36, shipment, items, "SELLER", TABLES)
    body = render_success("CreateInboundShipmentPlan", NS, "r-1", plan_children([member], TABLES))
    root = assert_valid_mws_xml(body)
    path = "CreateInboundShipmentPlanResult/InboundShipmentPlans/member"
    assert find_text(root, f"{path}/ShipToAddress/City") == "Breinigsville"
    assert find_text(root, f"{path}/LabelPrepType") == "SELLER_LABEL"
    prep = f"{path}/Items/member/PrepDetailsList/PrepDetails"
    assert find_text(root, f"{prep}/PrepInstruction") == "Polybagging"
    assert find_text(root, f"{prep}/PrepOwner") == "SELLER"


def test_status_query_asks_for_what_mws_shows_as_working() -> None:
    assert status_query(["WORKING", "CLOSED"], TABLES) == ["WORKING", "CLOSED", "READY_TO_SHIP"]
    assert status_query(["CLOSED"], TABLES) == ["CLOSED"]


# ------------------------------------------------------------------ TransportDocument


async def _chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


@pytest.mark.anyio
async def test_a_pdf_is_zipped_hashed_and_base64_streamed() -> None:
    pdf = b"%PDF-1.4\n" + bytes(range(256)) * 800 + b"\n%%EOF\n"
    spooled = await zip_download(_chunks([pdf[:3], pdf[3:70000], pdf[70000:]]), "L.pdf", 10**7)
    text = spooled.base64_text()
    encoded = b"".join([c async for c in text.chunks])
    text.close()
    assert len(encoded) == text.length
    archive = base64.b64decode(encoded, validate=True)
    assert spooled.md5_base64 == base64.b64encode(hashlib.md5(archive).digest()).decode()
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        assert zipped.namelist() == ["L.pdf"]
        assert zipped.read("L.pdf") == pdf


@pytest.mark.anyio
async def test_a_zip_download_is_kept_and_a_huge_one_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("amazon.pdf", b"%PDF-1.4 from Amazon")
    original = buffer.getvalue()
    spooled = await zip_download(_chunks([original]), "ignored.pdf", 10**6)
    text = spooled.base64_text()
    assert base64.b64decode(b"".join([c async for c in text.chunks])) == original
    text.close()
    with pytest.raises(MwsError, match="larger than the gateway accepts"):
        await zip_download(_chunks([b"%PDF" + b"x" * 5000]), "big.pdf", 1000)


# ------------------------------------------------------------------ bounded polling


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.mark.anyio
async def test_polls_grow_and_stop_at_the_budget() -> None:
    fake = FakeTime()
    checks: list[float] = []

    async def never() -> str | None:
        checks.append(fake.now)
        return None

    budget = Budget(6.0, clock=fake.clock)
    result = await wait_for(never, budget, PollPlan(0.5, 2.0, 2.0), sleep=fake.sleep)
    assert result is None
    assert fake.slept == [0.5, 1.0, 2.0, 2.0]
    assert fake.now <= 6.0 and len(checks) == 5

    fake = FakeTime()
    answers = iter([None, None, "SUCCESS"])

    async def third() -> str | None:
        return next(answers)

    budget = Budget(60.0, clock=fake.clock)
    assert await wait_for(third, budget, PollPlan(0.5, 1.5, 2.0), sleep=fake.sleep) == "SUCCESS"
    assert fake.slept == [0.5, 0.75]


def test_the_coverage_table_shows_17_translated_and_5_explicit_errors() -> None:
    from gateway.cli import coverage_table

    rows = [
        r for r in coverage_table(CATALOG).splitlines() if "| FulfillmentInboundShipment |" in r
    ]
    routes = {r.split(" | ")[1]: r.split(" | ")[2] for r in rows}
    assert routes.pop("GetServiceStatus") == "local"
    assert len(routes) == 22
    assert sorted(n for n, kind in routes.items() if kind == "unsupported") == [
        "ConfirmPreorder",
        "GetInboundGuidanceForASIN",
        "GetInboundGuidanceForSKU",
        "GetPreorderInfo",
        "VoidTransportRequest",
    ]
    assert sum(kind == "spapi" for kind in routes.values()) == 17
