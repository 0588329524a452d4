"""Real legacy clients against a live gateway (uvicorn) and its emulator:

* python-amazon-mws 0.8.15 (``mws.InboundShipments``): plan (2 SKUs) -> create shipment ->
  list shipments -> list items -> prep instructions -> package labels (ZIP with a PDF,
  checksum verified) -> transport put, estimate, confirm (the client lacks PutTransportContent
  and ConfirmTransportRequest: its ``make_request``, as integrators did); and a plan that
  outlasts the wait budget (503, then the retry returns the same ShipmentIds with one
  createInboundPlan upstream);
* boto 2.49.0: plan, create, list shipments and items (boto has no other inbound calls);
* the ``amazon-mws`` npm client 0.0.27 (the ScaleLeap client is not in the npm registry this
  machine reaches; ``mws-simple`` 1.0.2 and ``@ericblade/mws-simple`` 5.1.2 hard-code
  ``https://`` and cannot reach a plain-http gateway): the same workflow as python-amazon-mws.
"""

from __future__ import annotations

import base64
import collections
import collections.abc
import hashlib
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mws
import pytest
from boto.mws.connection import MWSConnection

from gateway.app import create_app
from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.emulator.inbound.prep import prep_instructions
from gateway.emulator.inbound.store import InboundStore, Plan
from tests.inbound.helpers import ADDRESS, package_params
from tests.support.gateway import demo_settings
from tests.support.live import LiveServer, serve_in_thread
from tests.support.npm import NodeMws

# boto 2.49.0 flattens structures with collections.Mapping/Iterable, which Python 3.10
# removed; the aliases are restored for this test module only.
collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
collections.Iterable = collections.abc.Iterable  # type: ignore[attr-defined]

pytestmark = pytest.mark.live
CREATE_PLAN = "fbaInbound2024.createInboundPlan"
FROM = {
    "name": ADDRESS["Name"],
    "address_1": ADDRESS["AddressLine1"],
    "city": ADDRESS["City"],
    "state_or_province": ADDRESS["StateOrProvinceCode"],
    "postal_code": ADDRESS["PostalCode"],
    "country": ADDRESS["CountryCode"],
}


def emulator(server: LiveServer) -> Any:
    return server.app.state.emulator_app.state.emulator


def inbound(server: LiveServer) -> InboundStore:
    found = emulator(server).section("fbaInbound", InboundStore)
    assert isinstance(found, InboundStore)
    return found


def the_plan(server: LiveServer) -> Plan:
    (plan,) = inbound(server).plans.values()
    return plan


@pytest.fixture
def gateway(tmp_path: Path) -> Iterator[LiveServer]:
    app = create_app(demo_settings(tmp_path, inbound={"wait_seconds": 8}))
    with serve_in_thread(app) as server:
        inbound(server).operation_seconds = 0.2  # IN_PROGRESS first, then SUCCESS
        yield server


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def unzip_checked(document: dict[str, Any]) -> bytes:
    archive = base64.b64decode(document["PdfDocument"], validate=True)
    assert base64.b64encode(hashlib.md5(archive).digest()).decode() == document["Checksum"]
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        (name,) = zipped.namelist()
        return zipped.read(name)


# ------------------------------------------------------------------ python-amazon-mws


def test_python_amazon_mws_inbound_workflow(gateway: LiveServer) -> None:
    api = mws.InboundShipments(
        DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=gateway.url, from_address=FROM
    )
    skus = sorted(emulator(gateway).data.inventory)[:2]
    plan = api.create_inbound_shipment_plan(
        [{"sku": skus[0], "quantity": 12}, {"sku": skus[1], "quantity": 6}], country_code="US"
    ).parsed
    members = as_list(plan["InboundShipmentPlans"]["member"])
    emulated = the_plan(gateway)
    assert [m["ShipmentId"] for m in members] == next(
        p["shipmentIds"] for p in emulated.placement_options if not p["fees"]
    )
    first = members[0]
    shipment = emulated.shipments[first["ShipmentId"]]
    assert first["DestinationFulfillmentCenterId"] == shipment.warehouse_id
    assert first["Items"]["member"]["SellerSKU"] == skus[0]
    assert (
        first["Items"]["member"]["FulfillmentNetworkSKU"]
        == (emulator(gateway).data.inventory[skus[0]]["fnSku"])
    )

    created = api.create_inbound_shipment(
        first["ShipmentId"],
        "Python restock",
        first["DestinationFulfillmentCenterId"],
        [{"sku": skus[0], "quantity": 12}],
        shipment_status="WORKING",
        label_preference="SELLER_LABEL",
    ).parsed
    assert created["ShipmentId"] == first["ShipmentId"]
    assert (shipment.status, shipment.name) == ("WORKING", "Python restock")

    listed = api.list_inbound_shipments(shipment_ids=[first["ShipmentId"]]).parsed
    info = listed["ShipmentData"]["member"]
    assert (info["ShipmentId"], info["ShipmentStatus"]) == (first["ShipmentId"], "WORKING")
    assert info["ShipFromAddress"]["City"] == ADDRESS["City"]
    items = api.list_inbound_shipment_items(shipment_id=first["ShipmentId"]).parsed
    item = items["ItemData"]["member"]
    assert (item["SellerSKU"], item["QuantityShipped"]) == (skus[0], "12")

    prep = api.get_prep_instructions_for_sku(skus=skus, country_code="US").parsed
    got = as_list(prep["SKUPrepInstructionsList"]["SKUPrepInstructions"])
    assert [p["SellerSKU"] for p in got] == skus
    asins = [emulator(gateway).data.listings[s]["asin"] for s in skus]
    assert [p["ASIN"] for p in got] == asins

    put = api.make_request(
        {"Action": "PutTransportContent", **package_params(first["ShipmentId"], [7.5, 3.0])},
        method="POST",
    ).parsed
    assert put["TransportResult"]["TransportStatus"] == "WORKING"
    labels = api.get_package_labels(
        first["ShipmentId"], 2, page_type="PackageLabel_Letter_2"
    ).parsed
    pdf = unzip_checked(labels["TransportDocument"])
    assert pdf.startswith(b"%PDF-1.4") and pdf.count(b"/Type /Page ") == 2
    assert f"Shipment {shipment.confirmation_id}".encode() in pdf

    estimated = api.estimate_transport_request(first["ShipmentId"]).parsed
    assert estimated["TransportResult"]["TransportStatus"] == "ESTIMATED"
    content = api.get_transport_content(first["ShipmentId"]).parsed
    estimate = content["TransportContent"]["TransportDetails"]["PartneredSmallParcelData"]
    option = next(
        o
        for o in emulated.transport_options
        if o["shipmentId"] == first["ShipmentId"]
        and o["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"
    )
    assert estimate["PartneredEstimate"]["Amount"]["Value"] == str(
        option["quote"]["cost"]["amount"]
    )
    confirmed = api.make_request(
        {"Action": "ConfirmTransportRequest", "ShipmentId": first["ShipmentId"]}, method="POST"
    ).parsed
    assert confirmed["TransportResult"]["TransportStatus"] == "CONFIRMED"
    assert shipment.transport_option_id == option["transportationOptionId"]
    assert emulator(gateway).calls[CREATE_PLAN] == 1

    with pytest.raises(mws.MWSError) as caught:
        api.void_transport_request(first["ShipmentId"])
    assert "UnsupportedOperation" in caught.value.response.text
    assert caught.value.response.status_code == 400


def test_python_amazon_mws_retries_a_plan_that_outlasted_the_budget(tmp_path: Path) -> None:
    app = create_app(demo_settings(tmp_path, inbound={"wait_seconds": 0.5}))
    with serve_in_thread(app) as server:
        store = inbound(server)
        store.operation_seconds = 3600.0
        api = mws.InboundShipments(
            DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=server.url, from_address=FROM
        )
        items = [{"sku": s, "quantity": 4} for s in sorted(emulator(server).data.inventory)[:2]]
        with pytest.raises(mws.MWSError) as caught:
            api.create_inbound_shipment_plan(items)
        assert caught.value.response.status_code == 503
        assert "<Code>ServiceUnavailable</Code>" in caught.value.response.text
        store.operation_seconds = 0.0
        emulator(server).clock.advance(3601)
        first = api.create_inbound_shipment_plan(items).parsed
        again = api.create_inbound_shipment_plan(items).parsed
        ids = [m["ShipmentId"] for m in as_list(first["InboundShipmentPlans"]["member"])]
        assert [m["ShipmentId"] for m in as_list(again["InboundShipmentPlans"]["member"])] == ids
        assert len(ids) == 2
        assert emulator(server).calls[CREATE_PLAN] == 1


# ------------------------------------------------------------------ boto


def test_boto_plan_create_and_list(gateway: LiveServer) -> None:
    conn = MWSConnection(
        DEMO_ACCESS_KEY,
        DEMO_SECRET,
        Merchant=DEMO_SELLER,
        host="127.0.0.1",
        port=gateway.port,
        is_secure=False,
    )
    sku = sorted(emulator(gateway).data.inventory)[3]
    plan = conn.create_inbound_shipment_plan(
        ShipFromAddress=dict(ADDRESS),
        InboundShipmentPlanRequestItems=[{"SellerSKU": sku, "Quantity": "9"}],
    )
    (member,) = plan.CreateInboundShipmentPlanResult.InboundShipmentPlans
    assert [i.SellerSKU for i in member.Items] == [sku]
    shipment_id = member.ShipmentId
    assert shipment_id in the_plan(gateway).shipments
    conn.create_inbound_shipment(
        ShipmentId=shipment_id,
        InboundShipmentHeader={
            "ShipmentName": "Boto restock",
            "ShipFromAddress": dict(ADDRESS),
            "DestinationFulfillmentCenterId": member.DestinationFulfillmentCenterId,
            "LabelPrepPreference": "SELLER_LABEL",
            "ShipmentStatus": "WORKING",
        },
        InboundShipmentItems=[{"SellerSKU": sku, "QuantityShipped": "9"}],
    )
    assert the_plan(gateway).shipments[shipment_id].name == "Boto restock"
    listed = conn.list_inbound_shipments(ShipmentIdList=[shipment_id])
    (info,) = listed.ListInboundShipmentsResult.ShipmentData
    assert (info.ShipmentId, info.ShipmentStatus) == (shipment_id, "WORKING")
    assert info.ShipFromAddress.PostalCode == ADDRESS["PostalCode"]
    items = conn.list_inbound_shipment_items(ShipmentId=shipment_id)
    (item,) = items.ListInboundShipmentItemsResult.ItemData
    assert (item.SellerSKU, item.QuantityShipped) == (sku, "9")
    statuses = conn.list_inbound_shipments(ShipmentStatusList=["CLOSED", "RECEIVING"])
    ids = [s.ShipmentId for s in statuses.ListInboundShipmentsResult.ShipmentData]
    assert ids == ["FBA15SEED0001", "FBA15SEED0002"]


# ------------------------------------------------------------------ the amazon-mws npm client


def test_amazon_mws_npm_client_workflow(gateway: LiveServer, npm_clients: None) -> None:
    client = NodeMws("127.0.0.1", gateway.port, DEMO_ACCESS_KEY, DEMO_SECRET)

    def send(action: str, params: dict[str, str]) -> dict[str, Any]:
        request = {"Version": "2010-10-01", "Action": action, "SellerId": DEMO_SELLER, **params}
        return client.call("fulfillmentInboundShipment", request, method="search")

    def call(action: str, params: dict[str, str]) -> Any:
        done = send(action, params)
        assert done["ok"], done["error"]
        return done["response"]

    skus = sorted(emulator(gateway).data.inventory)[4:6]
    plan_request = {f"ShipFromAddress.{k}": v for k, v in ADDRESS.items()}
    for n, sku in enumerate(skus, 1):
        plan_request[f"InboundShipmentPlanRequestItems.member.{n}.SellerSKU"] = sku
        plan_request[f"InboundShipmentPlanRequestItems.member.{n}.Quantity"] = str(5 * n)
    plan = call("CreateInboundShipmentPlan", plan_request)
    members = as_list(plan["InboundShipmentPlans"]["member"])
    assert len(members) == 2
    first = members[0]
    shipment = the_plan(gateway).shipments[first["ShipmentId"]]
    header = {f"InboundShipmentHeader.ShipFromAddress.{k}": v for k, v in ADDRESS.items()}
    created = call(
        "CreateInboundShipment",
        {
            "ShipmentId": first["ShipmentId"],
            "InboundShipmentHeader.ShipmentName": "Node restock",
            "InboundShipmentHeader.DestinationFulfillmentCenterId": first[
                "DestinationFulfillmentCenterId"
            ],
            "InboundShipmentHeader.ShipmentStatus": "WORKING",
            **header,
            "InboundShipmentItems.member.1.SellerSKU": skus[0],
            "InboundShipmentItems.member.1.QuantityShipped": "5",
        },
    )
    assert created["ShipmentId"] == first["ShipmentId"] and shipment.name == "Node restock"
    listed = call("ListInboundShipments", {"ShipmentIdList.member.1": first["ShipmentId"]})
    assert listed["ShipmentData"]["member"]["ShipmentStatus"] == "WORKING"
    items = call("ListInboundShipmentItems", {"ShipmentId": first["ShipmentId"]})
    assert items["ItemData"]["member"]["SellerSKU"] == skus[0]
    # The client's XML parser (xml2js with charkey "Value") breaks on any element named Value
    # (AmazonPrepFeesDetails/FeePerUnit/Value, as real MWS sent too): a SKU without prep fees.
    plain = next(s for s in sorted(emulator(gateway).data.listings) if not prep_instructions(s))
    prep = call(
        "GetPrepInstructionsForSKU",
        {"SellerSKUList.Id.1": plain, "SellerSKUList.Id.2": "NOT-A-SKU", "ShipToCountryCode": "US"},
    )
    assert prep["SKUPrepInstructionsList"]["SKUPrepInstructions"]["SellerSKU"] == plain
    assert prep["SKUPrepInstructionsList"]["SKUPrepInstructions"]["PrepGuidance"] == (
        "NoAdditionalPrepRequired"
    )
    assert prep["InvalidSKUList"]["InvalidSKU"]["ErrorReason"] == "DoesNotExist"
    put = call("PutTransportContent", package_params(first["ShipmentId"], [5.0]))
    assert put["TransportResult"]["TransportStatus"] == "WORKING"
    labels = call(
        "GetPackageLabels",
        {"ShipmentId": first["ShipmentId"], "PageType": "PackageLabel_Thermal"},
    )
    pdf = unzip_checked(labels["TransportDocument"])
    assert pdf.count(b"/Type /Page ") == 1
    estimated = call("EstimateTransportRequest", {"ShipmentId": first["ShipmentId"]})
    assert estimated["TransportResult"]["TransportStatus"] == "ESTIMATED"
    confirmed = call("ConfirmTransportRequest", {"ShipmentId": first["ShipmentId"]})
    assert confirmed["TransportResult"]["TransportStatus"] == "CONFIRMED"
    assert shipment.transport_option_id is not None
    refused = send("GetPreorderInfo", {"ShipmentId": first["ShipmentId"]})
    assert not refused["ok"] and refused["error"]["code"] == "UnsupportedOperation"
