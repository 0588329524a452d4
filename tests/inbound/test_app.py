"""FulfillmentInboundShipment through the app (ASGI) against the embedded emulator: the plan /
shipment / transport workflow on 2024-03-20, the v0 translations, labels as MWS's
TransportDocument, retries that resume, and MWS errors for bad input. Every body is checked
against the project's XSDs; values against the emulator's data."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.emulator.inbound.store import Plan
from gateway.translate.inbound.records import PLAN_INTENT, SHIPMENT
from tests.inbound.helpers import (
    address,
    call,
    create_params,
    error_of,
    ok,
    package_params,
    page_count,
    pdf_of,
    plan_members,
    plan_params,
    store_of,
)
from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.xmlcheck import assert_valid_mws_xml, child, kids, text

pytestmark = pytest.mark.anyio
CREATE_PLAN = "fbaInbound2024.createInboundPlan"
PREP = "InboundShipmentPlanRequestItems.member.1.PrepDetailsList.member.1"


@pytest.fixture
async def gw(tmp_path: Path) -> AsyncIterator[MwsClient]:
    async with running_gateway(demo_settings(tmp_path, inbound={"wait_seconds": 5})) as mws:
        store_of(mws).operation_seconds = 0.0
        yield mws


def skus(mws: MwsClient, n: int = 2) -> list[str]:
    return sorted(mws.emulator.data.inventory)[:n]


def emulator_plan(mws: MwsClient) -> Plan:
    (plan,) = store_of(mws).plans.values()
    return plan


async def planned(mws: MwsClient, items: list[tuple[str, int]]) -> list[dict[str, Any]]:
    result = await ok(mws, "CreateInboundShipmentPlan", plan_params(items))
    return [
        {
            "id": text(m, "ShipmentId"),
            "center": text(m, "DestinationFulfillmentCenterId"),
            "items": [
                (text(i, "SellerSKU"), int(text(i, "Quantity")))
                for i in kids(child(m, "Items"), "member")
            ],
            "element": m,
        }
        for m in plan_members(result)
    ]


async def created(mws: MwsClient, sku: str = "", quantity: int = 8) -> dict[str, Any]:
    """A one-SKU plan whose shipment is created."""
    sku = sku or skus(mws, 1)[0]
    (member,) = await planned(mws, [(sku, quantity)])
    await ok(
        mws, "CreateInboundShipment", create_params(member["id"], member["center"], member["items"])
    )
    return member


# ------------------------------------------------------------------ the whole workflow


async def test_plan_create_list_labels_and_transport(gw: MwsClient) -> None:
    two = skus(gw)
    members = await planned(gw, [(two[0], 12), (two[1], 6)])
    plan = emulator_plan(gw)
    inventory = gw.emulator.data.inventory
    # the split placement (no fee) was chosen: two shipments, one SKU each
    chosen = next(p for p in plan.placement_options if not p["fees"])
    assert [m["id"] for m in members] == chosen["shipmentIds"]
    for member, sku, quantity in zip(members, two, (12, 6), strict=True):
        shipment = plan.shipments[member["id"]]
        assert member["center"] == shipment.warehouse_id
        assert member["items"] == [(sku, quantity)]
        element = member["element"]
        assert text(element, "Items/member/FulfillmentNetworkSKU") == inventory[sku]["fnSku"]
        assert text(element, "ShipToAddress/City") == shipment.destination()["address"]["city"]
        assert text(element, "LabelPrepType") == "SELLER_LABEL"
    assert plan.source["phoneNumber"] == "+1 206 555 0100"  # inbound.ship_from_phone (demo)
    assert [i["labelOwner"] for i in plan.items] == ["SELLER", "SELLER"]

    first = members[0]
    result = await ok(
        gw, "CreateInboundShipment", create_params(first["id"], first["center"], first["items"])
    )
    assert text(result, "ShipmentId") == first["id"]
    shipment = plan.shipments[first["id"]]
    assert (shipment.status, shipment.name) == ("WORKING", "Spring restock")
    assert chosen["status"] == "ACCEPTED"
    assert shipment.confirmation_id and shipment.confirmation_id.startswith("FBA")

    listed = await ok(gw, "ListInboundShipments", {"ShipmentIdList.member.1": first["id"]})
    (info,) = kids(child(listed, "ShipmentData"), "member")
    assert text(info, "ShipmentId") == first["id"]  # the id the client knows, not FBA...
    assert (text(info, "ShipmentName"), text(info, "ShipmentStatus")) == (
        "Spring restock",
        "WORKING",
    )
    assert text(info, "DestinationFulfillmentCenterId") == first["center"]
    items = await ok(gw, "ListInboundShipmentItems", {"ShipmentId": first["id"]})
    (item,) = kids(child(items, "ItemData"), "member")
    assert (text(item, "ShipmentId"), text(item, "SellerSKU"), text(item, "QuantityShipped")) == (
        first["id"],
        two[0],
        "12",
    )

    put = await ok(gw, "PutTransportContent", package_params(first["id"], [9.5, 4.0]))
    assert text(put, "TransportResult/TransportStatus") == "WORKING"
    assert [b["weight"]["value"] for b in shipment.boxes] == [9.5, 4.0]
    estimated = await ok(gw, "EstimateTransportRequest", {"ShipmentId": first["id"]})
    assert text(estimated, "TransportResult/TransportStatus") == "ESTIMATED"
    option = next(
        o
        for o in plan.transport_options
        if o["shipmentId"] == first["id"] and o["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"
    )
    content = await ok(gw, "GetTransportContent", {"ShipmentId": first["id"]})
    estimate = child(content, "TransportContent/TransportDetails/PartneredSmallParcelData")
    assert text(estimate, "PartneredEstimate/Amount/Value") == str(
        option["quote"]["cost"]["amount"]
    )
    assert text(content, "TransportContent/TransportHeader/IsPartnered") == "true"
    confirmed = await ok(gw, "ConfirmTransportRequest", {"ShipmentId": first["id"]})
    assert text(confirmed, "TransportResult/TransportStatus") == "CONFIRMED"
    assert shipment.transport_option_id == option["transportationOptionId"]
    content = await ok(gw, "GetTransportContent", {"ShipmentId": first["id"]})
    packages = kids(
        child(content, "TransportContent/TransportDetails/PartneredSmallParcelData/PackageList"),
        "member",
    )
    tracking = [t["trackingId"] for t in shipment.tracking["spdTrackingDetail"]["spdTrackingItems"]]
    assert [text(p, "TrackingId") for p in packages] == tracking
    assert {text(p, "PackageStatus") for p in packages} == {"SHIPPED"}

    labels = await ok(
        gw, "GetPackageLabels", {"ShipmentId": first["id"], "PageType": "PackageLabel_Letter_2"}
    )
    name, pdf = pdf_of(child(labels, "TransportDocument"))
    assert name == f"PackageLabels_{first['id']}.pdf"
    assert pdf.startswith(b"%PDF-1.4") and page_count(pdf) == 2  # one per package put
    assert f"Shipment {shipment.confirmation_id}".encode() in pdf
    # labels printed: v0 says READY_TO_SHIP, MWS never had it and shows WORKING
    again = await ok(gw, "ListInboundShipments", {"ShipmentStatusList.member.1": "WORKING"})
    shown = {
        text(m, "ShipmentId"): text(m, "ShipmentStatus")
        for m in kids(child(again, "ShipmentData"), "member")
    }
    assert shown[first["id"]] == "WORKING"
    assert "FBA15SEED0003" in shown

    unique = await ok(
        gw,
        "GetUniquePackageLabels",
        {
            "ShipmentId": first["id"],
            "PageType": "PackageLabel_Thermal",
            "PackageLabelsToPrint.member.1": f"{shipment.confirmation_id}U000001",
            "PackageLabelsToPrint.member.2": f"{shipment.confirmation_id}U000002",
        },
    )
    _, pdf = pdf_of(child(unique, "TransportDocument"))
    assert page_count(pdf) == 2 and f"Carton {shipment.confirmation_id}U000002".encode() in pdf


async def test_labels_are_streamed_without_content_md5(gw: MwsClient) -> None:
    response = await call(
        gw,
        "GetPackageLabels",
        {"ShipmentId": "FBA15SEED0003", "PageType": "PackageLabel_A4_4", "NumberOfPackages": "40"},
    )
    assert response.status_code == 200
    assert "content-md5" not in response.headers  # boto asserts a Content-MD5 on XML answers
    assert int(response.headers["content-length"]) == len(response.content)
    root = assert_valid_mws_xml(response.content)
    name, pdf = pdf_of(child(root, "GetPackageLabelsResult/TransportDocument"))
    assert name == "PackageLabels_FBA15SEED0003.pdf" and page_count(pdf) == 40


async def test_a_retried_plan_is_answered_from_its_record(gw: MwsClient) -> None:
    sku = skus(gw, 1)[0]
    first = await planned(gw, [(sku, 4)])
    second = await planned(gw, [(sku, 4)])
    assert [m["id"] for m in second] == [m["id"] for m in first]
    assert gw.emulator.calls[CREATE_PLAN] == 1
    # once a shipment of it is created, the same request is a new plan
    await ok(
        gw,
        "CreateInboundShipment",
        create_params(first[0]["id"], first[0]["center"], first[0]["items"]),
    )
    third = await planned(gw, [(sku, 4)])
    assert third[0]["id"] != first[0]["id"]
    assert gw.emulator.calls[CREATE_PLAN] == 2


async def test_the_budget_runs_out_and_the_retry_resumes_the_same_plan(tmp_path: Path) -> None:
    settings = demo_settings(tmp_path, inbound={"wait_seconds": 0.3})
    async with running_gateway(settings) as mws:
        store = store_of(mws)
        store.operation_seconds = 3600.0
        params = plan_params([(s, 5) for s in skus(mws)])
        slow = await call(mws, "CreateInboundShipmentPlan", params)
        assert error_of(slow)[:2] == (503, "ServiceUnavailable")
        (plan_id,) = store.plans
        record = await mws.app.state.services.store.list(PLAN_INTENT, "A1EXAMPLESELLER")
        assert record[0].data["steps"]["plan_id"] == plan_id  # recorded before the answer
        still = await call(mws, "CreateInboundShipmentPlan", params)
        assert error_of(still)[:2] == (503, "ServiceUnavailable")

        store.operation_seconds = 0.0
        mws.emulator.clock.advance(3601)
        resumed = await ok(mws, "CreateInboundShipmentPlan", params)
        ids = [text(m, "ShipmentId") for m in plan_members(resumed)]
        again = await ok(mws, "CreateInboundShipmentPlan", params)
        assert [text(m, "ShipmentId") for m in plan_members(again)] == ids
        assert mws.emulator.calls[CREATE_PLAN] == 1
        assert list(store.plans) == [plan_id]
        assert set(ids) <= set(store.plans[plan_id].shipments)


async def test_a_failed_step_after_create_is_resumed_on_the_same_plan(gw: MwsClient) -> None:
    store = store_of(gw)
    store.fail_operations["generatePlacementOptions"] = "Placement is paused for this seller."
    params = plan_params([(s, 3) for s in skus(gw)])
    failed = await call(gw, "CreateInboundShipmentPlan", params)
    status, code, message = error_of(failed)
    assert (status, code) == (400, "InvalidRequest")
    assert "Placement is paused for this seller." in message
    (plan_id,) = store.plans
    retried = await ok(gw, "CreateInboundShipmentPlan", params)
    assert len(plan_members(retried)) == 2
    assert list(store.plans) == [plan_id]
    assert gw.emulator.calls[CREATE_PLAN] == 1


async def test_an_unknown_sku_fails_with_amazons_problem_text(gw: MwsClient) -> None:
    failed = await call(gw, "CreateInboundShipmentPlan", plan_params([("NO-SUCH-SKU", 3)]))
    status, code, message = error_of(failed)
    assert (status, code) == (400, "InvalidRequest")
    assert "NO-SUCH-SKU" in message and "could not be found" in message
    (plan,) = store_of(gw).plans.values()
    assert plan.status == "ERRORED"


async def test_python_amazon_mws_and_boto_encodings(gw: MwsClient) -> None:
    sku = skus(gw, 1)[0]
    boto = plan_params([(sku, 6)], member="")  # boto's flattener: Items.N.Field
    boto["InboundShipmentPlanRequestItems.1.PrepDetailsList.PrepDetails.1.PrepInstruction"] = (
        "Polybagging"
    )
    boto["InboundShipmentPlanRequestItems.1.PrepDetailsList.PrepDetails.1.PrepOwner"] = "SELLER"
    result = await ok(gw, "CreateInboundShipmentPlan", boto)
    (member,) = plan_members(result)
    plan = emulator_plan(gw)
    assert plan.items == [
        {"msku": sku, "quantity": 6, "prepOwner": "SELLER", "labelOwner": "SELLER"}
    ]
    preps = kids(child(member, "Items/member/PrepDetailsList"), "PrepDetails")
    expected = [
        p["prepType"]
        for p in plan.shipments[text(member, "ShipmentId")].items[0]["prepInstructions"]
    ]
    names = {
        "ITEM_POLYBAGGING": "Polybagging",
        "ITEM_BUBBLEWRAP": "BubbleWrapping",
        "ITEM_TAPING": "Taping",
        "ITEM_LABELING": "Labeling",
    }
    assert [text(p, "PrepInstruction") for p in preps] == [names[t] for t in expected if t in names]
    mixed = plan_params([(sku, 6)])
    mixed["InboundShipmentPlanRequestItems.1.SellerSKU"] = sku
    error = error_of(await call(gw, "CreateInboundShipmentPlan", mixed))
    assert error[:2] == (400, "InvalidParameterValue") and "not several" in error[2]


@pytest.mark.parametrize(
    ("change", "expected", "words"),
    [
        ({"ShipFromAddress.City": None}, "MissingParameter", "ShipFromAddress.City"),
        ({"ShipFromAddress.PostalCode": None}, "MissingParameter", "ShipFromAddress.PostalCode"),
        ({"ShipFromAddress.Name": "x" * 51}, "InvalidParameterValue", "ShipFromAddress.Name"),
        (
            {"ShipToCountryCode": "US", "ShipToCountrySubdivisionCode": "US-WA"},
            "InvalidParameterValue",
            "ShipToCountrySubdivisionCode",
        ),
        ({"ShipToCountryCode": "DE"}, "InvalidParameterValue", "no marketplace in that country"),
        ({"LabelPrepPreference": "STICKERS"}, "InvalidParameterValue", "LabelPrepPreference"),
        (
            {"InboundShipmentPlanRequestItems.member.1.Quantity": "many"},
            "InvalidParameterValue",
            "Quantity",
        ),
        (
            {f"{PREP}.PrepInstruction": "Glitter", f"{PREP}.PrepOwner": "SELLER"},
            "InvalidParameterValue",
            "PrepInstruction",
        ),
        (
            {"InboundShipmentPlanRequestItems.member.1.QuantityInCase": "4"},
            "InvalidParameterValue",
            "multiple of QuantityInCase",
        ),
    ],
)
async def test_bad_plan_requests_get_mws_errors(
    gw: MwsClient, change: dict[str, str | None], expected: str, words: str
) -> None:
    params = plan_params([(skus(gw, 1)[0], 6)])
    for key, value in change.items():
        if value is None:
            params.pop(key)
        else:
            params[key] = value
    status, code, message = error_of(await call(gw, "CreateInboundShipmentPlan", params))
    assert (status, code) == (400, expected)
    assert words in message
    assert gw.emulator.calls[CREATE_PLAN] == 0


async def test_too_many_skus_and_amazon_labels_in_the_us(gw: MwsClient) -> None:
    many = plan_params([(f"SKU-{n}", 1) for n in range(201)])
    status, code, message = error_of(await call(gw, "CreateInboundShipmentPlan", many))
    assert (status, code) == (400, "InvalidParameterValue") and "at most 200" in message
    amazon = plan_params([(skus(gw, 1)[0], 2)], LabelPrepPreference="AMAZON_LABEL_ONLY")
    status, code, message = error_of(await call(gw, "CreateInboundShipmentPlan", amazon))
    assert (status, code) == (400, "InvalidParameterValue")
    assert "AMAZON is not an accepted value in the US" in message  # Amazon's own text
    preferred = plan_params([(skus(gw, 1)[0], 2)], LabelPrepPreference="AMAZON_LABEL_PREFERRED")
    await ok(gw, "CreateInboundShipmentPlan", preferred)  # falls back to seller labels in the US
    assert emulator_plan(gw).items[0]["labelOwner"] == "SELLER"


async def test_a_ship_from_phone_is_needed(tmp_path: Path) -> None:
    async with running_gateway(demo_settings(tmp_path, inbound={"ship_from_phone": ""})) as mws:
        params = plan_params([(skus(mws, 1)[0], 2)])
        status, code, message = error_of(await call(mws, "CreateInboundShipmentPlan", params))
        assert (status, code) == (400, "MissingParameter")
        assert "ShipFromAddress.PhoneNumber" in message
        params["ShipFromAddress.PhoneNumber"] = "+1 503 555 0199"
        await ok(mws, "CreateInboundShipmentPlan", params)
        (plan,) = store_of(mws).plans.values()
        assert plan.source["phoneNumber"] == "+1 503 555 0199"


# ------------------------------------------------------------------ shipments


async def test_create_inbound_shipment_checks_against_the_plan(gw: MwsClient) -> None:
    sku = skus(gw, 1)[0]
    (member,) = await planned(gw, [(sku, 5)])
    cases = [
        (
            create_params("sh" + "0" * 36, member["center"], member["items"]),
            "InvalidParameterValue",
            "ShipmentId",
        ),
        (create_params(member["id"], "XXX1", member["items"]), "InvalidParameterValue", "goes to"),
        (
            create_params(member["id"], member["center"], [(sku, 7)]),
            "InvalidRequest",
            f"{sku} 5 -> 7",
        ),
        (
            create_params(member["id"], member["center"], [("OTHER", 5)]),
            "InvalidParameterValue",
            "OTHER",
        ),
        (
            {
                k: v
                for k, v in create_params(member["id"], member["center"], member["items"]).items()
                if k != "ShipmentId"
            },
            "MissingParameter",
            "ShipmentId",
        ),
    ]
    for params, expected, words in cases:
        status, code, message = error_of(await call(gw, "CreateInboundShipment", params))
        assert (status, code) == (400, expected), message
        assert words in message
    assert gw.emulator.calls["fbaInbound2024.confirmPlacementOption"] == 0
    await ok(
        gw, "CreateInboundShipment", create_params(member["id"], member["center"], member["items"])
    )
    # a retry of the same call changes nothing and confirms nothing again
    await ok(
        gw, "CreateInboundShipment", create_params(member["id"], member["center"], member["items"])
    )
    assert gw.emulator.calls["fbaInbound2024.confirmPlacementOption"] == 1


async def test_update_inbound_shipment(gw: MwsClient) -> None:
    member = await created(gw)
    shipment = emulator_plan(gw).shipments[member["id"]]
    params = create_params(member["id"], member["center"], member["items"], name="Renamed")
    params.update(address("InboundShipmentHeader.ShipFromAddress", AddressLine1="99 New Dock"))
    await ok(gw, "UpdateInboundShipment", params)
    assert shipment.name == "Renamed"
    assert shipment.source["addressLine1"] == "99 New Dock"
    refusals = [
        ({"InboundShipmentItems.member.1.QuantityShipped": "99"}, "InboundShipmentItems"),
        ({"InboundShipmentHeader.ShipmentStatus": "SHIPPED"}, "ShipmentStatus SHIPPED"),
        ({"InboundShipmentHeader.AreCasesRequired": "true"}, "AreCasesRequired"),
        ({"InboundShipmentHeader.LabelPrepPreference": "AMAZON_LABEL_ONLY"}, "LabelPrepPreference"),
    ]
    for change, words in refusals:
        status, code, message = error_of(
            await call(gw, "UpdateInboundShipment", {**params, **change})
        )
        assert (status, code) == (400, "InvalidRequest") and words in message, message
    assert shipment.name == "Renamed"
    params["InboundShipmentHeader.ShipmentStatus"] = "CANCELLED"
    await ok(gw, "UpdateInboundShipment", params)
    assert emulator_plan(gw).status == "VOIDED" and shipment.status == "CANCELLED"


async def test_cancelling_one_shipment_of_several_is_refused(gw: MwsClient) -> None:
    members = await planned(gw, [(s, 2) for s in skus(gw)])
    for member in members:
        await ok(
            gw,
            "CreateInboundShipment",
            create_params(member["id"], member["center"], member["items"]),
        )
    params = create_params(members[0]["id"], members[0]["center"], members[0]["items"])
    params["InboundShipmentHeader.ShipmentStatus"] = "CANCELLED"
    status, code, message = error_of(await call(gw, "UpdateInboundShipment", params))
    assert (status, code) == (400, "InvalidRequest")
    assert "whole inbound plans only" in message and members[1]["id"] in message
    assert emulator_plan(gw).status == "ACTIVE"


async def test_a_shipment_of_another_seller_is_not_found(tmp_path: Path) -> None:
    from gateway.emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, RefreshGrant

    settings = demo_settings(
        tmp_path,
        access_keys={
            "AKIASECONDSELLER": {"secret": "second-secret", "sellers": {"A2SECONDSELLER": {}}}
        },
        sellers={
            "A2SECONDSELLER": {
                "marketplaces": ["ATVPDKIKX0DER"],
                "lwa": {
                    "client_id": DEMO_CLIENT_ID,
                    "client_secret": DEMO_CLIENT_SECRET,
                    "refresh_token": "Atzr|second-seller",
                },
            }
        },
    )
    async with running_gateway(settings) as mws:
        mws.emulator.config.refresh_tokens["Atzr|second-seller"] = RefreshGrant(
            "A2SECONDSELLER", DEMO_CLIENT_ID
        )
        store_of(mws).operation_seconds = 0.0
        member = await created(mws)
        other = {
            "access_key": "AKIASECONDSELLER",
            "secret": "second-secret",
            "seller": "A2SECONDSELLER",
        }
        for action, params in (
            (
                "CreateInboundShipment",
                create_params(member["id"], member["center"], member["items"]),
            ),
            ("GetTransportContent", {"ShipmentId": member["id"]}),
            (
                "GetPackageLabels",
                {
                    "ShipmentId": member["id"],
                    "PageType": "PackageLabel_Letter_2",
                    "NumberOfPackages": "1",
                },
            ),
        ):
            response = await mws.call(
                "/FulfillmentInboundShipment/2010-10-01",
                action,
                "2010-10-01",
                params,
                method="POST",
                in_body=True,
                **other,
            )
            status, code, _ = error_of(response)
            assert (status, code) == (400, "InvalidParameterValue"), action
        confirmation = emulator_plan(mws).shipments[member["id"]].confirmation_id
        response = await mws.call(
            "/FulfillmentInboundShipment/2010-10-01",
            "ListInboundShipmentItems",
            "2010-10-01",
            {"ShipmentId": str(confirmation)},
            **other,
        )
        status, code, message = error_of(response)
        assert (status, code) == (400, "InvalidParameterValue") and "not found" in message
        stored = await mws.app.state.services.store.get(SHIPMENT, "A2SECONDSELLER", member["id"])
        assert stored is None


# ------------------------------------------------------------------ transport


async def test_transport_needs_its_steps_in_order(gw: MwsClient) -> None:
    member = await created(gw)
    for action, words in (
        ("EstimateTransportRequest", "PutTransportContent first"),
        ("ConfirmTransportRequest", "PutTransportContent first"),
        ("GetTransportContent", "PutTransportContent first"),
    ):
        status, code, message = error_of(await call(gw, action, {"ShipmentId": member["id"]}))
        assert (status, code) == (400, "InvalidRequest") and words in message
    wrong = package_params(member["id"], [3.0])
    wrong["ShipmentType"] = "LTL"
    status, code, message = error_of(await call(gw, "PutTransportContent", wrong))
    assert (status, code) == (400, "MissingParameter") and "PartneredLtlData" in message
    await ok(gw, "PutTransportContent", package_params(member["id"], [3.0]))
    status, code, message = error_of(
        await call(gw, "ConfirmTransportRequest", {"ShipmentId": member["id"]})
    )
    assert (status, code) == (400, "InvalidRequest") and "EstimateTransportRequest first" in message
    not_created = (await planned(gw, [(skus(gw, 2)[1], 2)]))[0]
    status, code, message = error_of(
        await call(gw, "PutTransportContent", package_params(not_created["id"], [1.0]))
    )
    assert (status, code) == (400, "InvalidRequest") and "CreateInboundShipment first" in message


async def test_partnered_ltl_pallets_and_bill_of_lading(gw: MwsClient) -> None:
    member = await created(gw)
    lead = "TransportDetails.PartneredLtlData"
    params = {
        "ShipmentId": member["id"],
        "IsPartnered": "true",
        "ShipmentType": "LTL",
        f"{lead}.Contact.Name": "Dock Manager",
        f"{lead}.Contact.Phone": "+1 503 555 0142",
        f"{lead}.Contact.Email": "dock@example.com",
        f"{lead}.BoxCount": "12",
        f"{lead}.SellerFreightClass": "77.5",
        f"{lead}.FreightReadyDate": "2026-12-01",
        f"{lead}.PalletList.member.1.Dimensions.Length": "40",
        f"{lead}.PalletList.member.1.Dimensions.Width": "48",
        f"{lead}.PalletList.member.1.Dimensions.Height": "50",
        f"{lead}.PalletList.member.1.Dimensions.Unit": "inches",
        f"{lead}.PalletList.member.1.Weight.Value": "400",
        f"{lead}.PalletList.member.1.Weight.Unit": "pounds",
        f"{lead}.PalletList.member.1.IsStacked": "false",
        f"{lead}.SellerDeclaredValue.CurrencyCode": "USD",
        f"{lead}.SellerDeclaredValue.Value": "1500.00",
    }
    await ok(gw, "PutTransportContent", params)
    shipment = emulator_plan(gw).shipments[member["id"]]
    assert shipment.pallets == [
        {
            "quantity": 1,
            "dimensions": {
                "height": 50.0,
                "length": 40.0,
                "width": 48.0,
                "unitOfMeasurement": "IN",
            },
            "weight": {"unit": "LB", "value": 400.0},
            "stackability": "NON_STACKABLE",
        }
    ]
    assert (
        text(
            await ok(gw, "EstimateTransportRequest", {"ShipmentId": member["id"]}),
            "TransportResult/TransportStatus",
        )
        == "ESTIMATED"
    )
    assert (
        text(
            await ok(gw, "ConfirmTransportRequest", {"ShipmentId": member["id"]}),
            "TransportResult/TransportStatus",
        )
        == "CONFIRMED"
    )
    content = await ok(gw, "GetTransportContent", {"ShipmentId": member["id"]})
    ltl = child(content, "TransportContent/TransportDetails/PartneredLtlData")
    assert (text(ltl, "SellerFreightClass"), text(ltl, "IsBillOfLadingAvailable")) == (
        "77.5",
        "true",
    )
    assert text(ltl, "CarrierName") == "Emulated Freight Lines"
    pallets = await ok(
        gw,
        "GetPalletLabels",
        {"ShipmentId": member["id"], "PageType": "PackageLabel_Letter_2", "NumberOfPallets": "1"},
    )
    _, pdf = pdf_of(child(pallets, "TransportDocument"))
    assert page_count(pdf) == 4  # four labels per pallet
    bol = await ok(gw, "GetBillOfLading", {"ShipmentId": member["id"]})
    name, pdf = pdf_of(child(bol, "TransportDocument"))
    number = shipment.tracking["ltlTrackingDetail"]["billOfLadingNumber"]
    assert name == f"BillOfLading_{member['id']}.pdf" and f"Bill of lading {number}".encode() in pdf


async def test_non_partnered_small_parcel_is_confirmed_at_once(gw: MwsClient) -> None:
    member = await created(gw)
    lead = "TransportDetails.NonPartneredSmallParcelData"
    params = {
        "ShipmentId": member["id"],
        "IsPartnered": "false",
        "ShipmentType": "SP",
        f"{lead}.CarrierName": "UNITED_STATES_POSTAL_SERVICE",
        f"{lead}.PackageList.member.1.TrackingId": "9400100000000000000001",
    }
    put = await ok(gw, "PutTransportContent", params)
    assert text(put, "TransportResult/TransportStatus") == "CONFIRMED"
    shipment = emulator_plan(gw).shipments[member["id"]]
    option = next(
        o
        for o in emulator_plan(gw).transport_options
        if o["transportationOptionId"] == shipment.transport_option_id
    )
    assert (option["shippingSolution"], option["shippingMode"]) == (
        "USE_YOUR_OWN_CARRIER",
        "GROUND_SMALL_PARCEL",
    )
    content = await ok(gw, "GetTransportContent", {"ShipmentId": member["id"]})
    package = child(
        content, "TransportContent/TransportDetails/NonPartneredSmallParcelData/PackageList/member"
    )
    assert (text(package, "CarrierName"), text(package, "TrackingId")) == (
        "UNITED_STATES_POSTAL_SERVICE",
        "9400100000000000000001",
    )
    again = package_params(member["id"], [1.0])
    status, code, message = error_of(await call(gw, "PutTransportContent", again))
    assert (status, code) == (400, "InvalidRequest") and "cannot be changed" in message


async def test_no_partnered_option_is_an_estimate_error(gw: MwsClient) -> None:
    member = await created(gw)
    store = store_of(gw)
    await ok(gw, "PutTransportContent", package_params(member["id"], [2.0]))
    shipment = emulator_plan(gw).shipments[member["id"]]
    plan = emulator_plan(gw)
    plan.transport_options = [
        o for o in plan.transport_options if o["shippingSolution"] != "AMAZON_PARTNERED_CARRIER"
    ]
    assert store.plans  # the emulator keeps the other options
    estimated = await ok(gw, "EstimateTransportRequest", {"ShipmentId": member["id"]})
    assert text(estimated, "TransportResult/TransportStatus") == "ERROR_ON_ESTIMATING"
    assert text(estimated, "TransportResult/ErrorCode") == "CannotEstimateTransportContent"
    assert shipment.transport_option_id is None


async def test_a_slow_confirmation_answers_confirming_then_confirmed(tmp_path: Path) -> None:
    async with running_gateway(demo_settings(tmp_path, inbound={"wait_seconds": 0.3})) as mws:
        store = store_of(mws)
        store.operation_seconds = 0.0
        member = await created(mws)
        await ok(mws, "PutTransportContent", package_params(member["id"], [2.0]))
        await ok(mws, "EstimateTransportRequest", {"ShipmentId": member["id"]})
        store.operation_seconds = 600.0
        confirming = await ok(mws, "ConfirmTransportRequest", {"ShipmentId": member["id"]})
        assert text(confirming, "TransportResult/TransportStatus") == "CONFIRMING"
        content = await ok(mws, "GetTransportContent", {"ShipmentId": member["id"]})
        assert text(content, "TransportContent/TransportResult/TransportStatus") == "CONFIRMING"
        mws.emulator.clock.advance(601)
        content = await ok(mws, "GetTransportContent", {"ShipmentId": member["id"]})
        assert text(content, "TransportContent/TransportResult/TransportStatus") == "CONFIRMED"
        again = await ok(mws, "ConfirmTransportRequest", {"ShipmentId": member["id"]})
        assert text(again, "TransportResult/TransportStatus") == "CONFIRMED"
        assert mws.emulator.calls["fbaInbound2024.confirmTransportationOptions"] == 1


# ------------------------------------------------------------------ v0 straight translations


async def test_list_inbound_shipments_pages_and_filters(gw: MwsClient) -> None:
    store_of(gw).page_size = 2
    first = await ok(
        gw,
        "ListInboundShipments",
        {
            "ShipmentStatusList.member.1": "CLOSED",
            "ShipmentStatusList.member.2": "RECEIVING",
            "ShipmentStatusList.member.3": "WORKING",
        },
    )
    ids = [text(m, "ShipmentId") for m in kids(child(first, "ShipmentData"), "member")]
    assert ids == ["FBA15SEED0001", "FBA15SEED0002"]
    seeded = store_of(gw).legacy["FBA15SEED0002"].info
    second_member = kids(child(first, "ShipmentData"), "member")[1]
    assert text(second_member, "EstimatedBoxContentsFee/TotalFee/Value") == str(
        seeded["EstimatedBoxContentsFee"]["TotalFee"]["Value"]
    )
    token = text(first, "NextToken")
    more = await ok(gw, "ListInboundShipmentsByNextToken", {"NextToken": token})
    assert [text(m, "ShipmentId") for m in kids(child(more, "ShipmentData"), "member")] == [
        "FBA15SEED0003"
    ]
    assert not kids(more, "NextToken")
    boto_style = await ok(gw, "ListInboundShipments", {"ShipmentIdList.Id.1": "FBA15SEED0002"})
    assert [
        text(m, "ShipmentStatus") for m in kids(child(boto_style, "ShipmentData"), "member")
    ] == ["RECEIVING"]
    dates = await ok(
        gw,
        "ListInboundShipments",
        {"LastUpdatedAfter": "2000-01-01T00:00:00Z", "LastUpdatedBefore": "2099-01-01T00:00:00Z"},
    )
    assert len(kids(child(dates, "ShipmentData"), "member")) == 2
    for params, expected in (
        ({}, "MissingParameter"),
        ({"ShipmentStatusList.member.1": "LOST"}, "InvalidParameterValue"),
        (
            {"ShipmentStatusList.member.1": "WORKING", "LastUpdatedAfter": "2020-01-01T00:00:00Z"},
            "InvalidParameterValue",
        ),
    ):
        assert error_of(await call(gw, "ListInboundShipments", params))[:2] == (400, expected)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert (
        error_of(await call(gw, "ListInboundShipmentsByNextToken", {"NextToken": tampered}))[1]
        == "NextTokenCorrupted"
    )


async def test_list_inbound_shipment_items_by_date_and_next_token(gw: MwsClient) -> None:
    store_of(gw).page_size = 4
    window = {
        "LastUpdatedAfter": "2000-01-01T00:00:00Z",
        "LastUpdatedBefore": "2099-01-01T00:00:00Z",
    }
    first = await ok(gw, "ListInboundShipmentItems", window)
    rows = kids(child(first, "ItemData"), "member")
    legacy = store_of(gw).legacy
    expected = [i for s in sorted(legacy.values(), key=lambda s: s.updated) for i in s.items]
    assert [text(r, "SellerSKU") for r in rows] == [i["SellerSKU"] for i in expected[:4]]
    prep = child(rows[1], "PrepDetailsList/PrepDetails")
    assert (text(prep, "PrepInstruction"), text(prep, "PrepOwner")) == ("Polybagging", "SELLER")
    more = await ok(
        gw, "ListInboundShipmentItemsByNextToken", {"NextToken": text(first, "NextToken")}
    )
    assert [text(r, "SellerSKU") for r in kids(child(more, "ItemData"), "member")] == [
        i["SellerSKU"] for i in expected[4:]
    ]
    one = await ok(gw, "ListInboundShipmentItems", {"ShipmentId": "FBA15SEED0001", **window})
    assert {text(r, "ShipmentId") for r in kids(child(one, "ItemData"), "member")} == {
        "FBA15SEED0001"
    }
    assert error_of(await call(gw, "ListInboundShipmentItems", {}))[:2] == (400, "MissingParameter")
    only_after = {"LastUpdatedAfter": "2000-01-01T00:00:00Z"}
    assert error_of(await call(gw, "ListInboundShipmentItems", only_after))[:2] == (
        400,
        "InvalidParameterValue",
    )


async def test_prep_instructions_for_skus_and_asins(gw: MwsClient) -> None:
    listings = gw.emulator.data.listings
    sku = sorted(listings)[3]
    result = await ok(
        gw,
        "GetPrepInstructionsForSKU",
        {"SellerSKUList.ID.1": sku, "SellerSKUList.ID.2": "NOPE", "ShipToCountryCode": "US"},
    )  # python-amazon-mws spells the list SellerSKUList.ID.N
    (good,) = kids(child(result, "SKUPrepInstructionsList"), "SKUPrepInstructions")
    assert (text(good, "SellerSKU"), text(good, "ASIN")) == (sku, listings[sku]["asin"])
    (bad,) = kids(child(result, "InvalidSKUList"), "InvalidSKU")
    assert (text(bad, "SellerSKU"), text(bad, "ErrorReason")) == ("NOPE", "DoesNotExist")
    asin = listings[sku]["asin"]
    result = await ok(
        gw, "GetPrepInstructionsForASIN", {"AsinList.Id.1": asin, "ShipToCountryCode": "US"}
    )
    (good,) = kids(child(result, "ASINPrepInstructionsList"), "ASINPrepInstructions")
    assert text(good, "ASIN") == asin
    many = {f"SellerSKUList.Id.{n}": f"S{n}" for n in range(1, 52)}
    status, code, message = error_of(
        await call(gw, "GetPrepInstructionsForSKU", {**many, "ShipToCountryCode": "US"})
    )
    assert (status, code) == (400, "InvalidParameterValue") and "at most 50" in message
    status, code, _ = error_of(
        await call(gw, "GetPrepInstructionsForSKU", {"SellerSKUList.Id.1": sku})
    )
    assert (status, code) == (400, "MissingParameter")


async def test_label_errors(gw: MwsClient) -> None:
    for action, params, expected, words in (
        ("GetPackageLabels", {"ShipmentId": "FBA15SEED0003"}, "MissingParameter", "PageType"),
        (
            "GetPackageLabels",
            {"ShipmentId": "FBA15SEED0003", "PageType": "Napkin"},
            "InvalidParameterValue",
            "PageType",
        ),
        (
            "GetPackageLabels",
            {
                "ShipmentId": "FBA15NOTMINE",
                "PageType": "PackageLabel_Letter_2",
                "NumberOfPackages": "1",
            },
            "InvalidParameterValue",
            "not found",
        ),
        (
            "GetPalletLabels",
            {
                "ShipmentId": "FBA15SEED0003",
                "PageType": "PackageLabel_Letter_2",
                "NumberOfPallets": "2",
            },
            "InvalidParameterValue",
            "Less Than Truckload",
        ),
        (
            "GetUniquePackageLabels",
            {"ShipmentId": "FBA15SEED0003", "PageType": "PackageLabel_Letter_2"},
            "MissingParameter",
            "PackageLabelsToPrint",
        ),
        (
            "GetBillOfLading",
            {"ShipmentId": "FBA15SEED0003"},
            "InvalidParameterValue",
            "bill of lading",
        ),
    ):
        status, code, message = error_of(await call(gw, action, params))
        assert (status, code) == (400, expected), (action, message)
        assert words in message


@pytest.mark.parametrize(
    ("action", "words"),
    [
        ("GetInboundGuidanceForSKU", "getInboundGuidance was sunset"),
        ("GetInboundGuidanceForASIN", "getInboundGuidance was sunset"),
        ("GetPreorderInfo", "no preorder operation"),
        ("ConfirmPreorder", "no preorder operation"),
        ("VoidTransportRequest", "cancels the whole plan"),
    ],
)
async def test_operations_without_a_successor_say_so(
    gw: MwsClient, action: str, words: str
) -> None:
    status, code, message = error_of(await call(gw, action, {"ShipmentId": "FBA15SEED0003"}))
    assert (status, code) == (400, "UnsupportedOperation")
    assert words in message
    assert sum(gw.emulator.calls.values()) == 0


class LoseCreatePlanAnswer(httpx.AsyncBaseTransport):
    """Lets createInboundPlan reach the emulator, then loses its answer (once)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.lost = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if (
            request.method == "POST"
            and request.url.path == "/inbound/fba/2024-03-20/inboundPlans"
            and not self.lost
        ):
            await response.aread()
            self.lost += 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


async def test_a_lost_create_inbound_plan_answer_is_found_again(tmp_path: Path) -> None:
    wrappers: list[LoseCreatePlanAnswer] = []

    def upstream(inner: httpx.AsyncBaseTransport) -> httpx.AsyncBaseTransport:
        wrappers.append(LoseCreatePlanAnswer(inner))
        return wrappers[0]

    settings = demo_settings(tmp_path, inbound={"wait_seconds": 5})
    async with running_gateway(settings, upstream=upstream) as mws:
        store_of(mws).operation_seconds = 0.0
        params = plan_params([(s, 2) for s in skus(mws)])
        lost = await call(mws, "CreateInboundShipmentPlan", params)
        assert error_of(lost)[:2] == (503, "ServiceUnavailable")
        assert wrappers[0].lost == 1 and len(store_of(mws).plans) == 1
        result = await ok(mws, "CreateInboundShipmentPlan", params)
        assert len(plan_members(result)) == 2
        assert mws.emulator.calls[CREATE_PLAN] == 1
        (plan,) = store_of(mws).plans.values()
        assert plan.name.startswith("MWS ")
        assert {text(m, "ShipmentId") for m in plan_members(result)} <= set(plan.shipments)


async def test_concurrent_identical_plans_make_one_plan(tmp_path: Path) -> None:
    async with running_gateway(demo_settings(tmp_path, inbound={"wait_seconds": 4})) as mws:
        store_of(mws).operation_seconds = 0.1
        params = plan_params([(s, 3) for s in skus(mws)])
        answers = await asyncio.gather(
            *(call(mws, "CreateInboundShipmentPlan", params) for _ in range(3))
        )
        ids = set()
        for answer in answers:
            if answer.status_code == 200:
                root = assert_valid_mws_xml(answer.content)
                ids.add(
                    tuple(
                        text(m, "ShipmentId")
                        for m in plan_members(child(root, "CreateInboundShipmentPlanResult"))
                    )
                )
            else:  # still being worked on by the first call: MWS's retryable answer
                assert error_of(answer)[:2] == (503, "ServiceUnavailable")
        assert len(ids) == 1
        assert mws.emulator.calls[CREATE_PLAN] == 1


async def test_items_change_once_the_partnered_carrier_is_confirmed(gw: MwsClient) -> None:
    member = await created(gw, quantity=10)
    sku = member["items"][0][0]
    await ok(gw, "PutTransportContent", package_params(member["id"], [6.0]))
    await ok(gw, "EstimateTransportRequest", {"ShipmentId": member["id"]})
    await ok(gw, "ConfirmTransportRequest", {"ShipmentId": member["id"]})
    before = await ok(gw, "GetTransportContent", {"ShipmentId": member["id"]})
    path = "TransportContent/TransportDetails/PartneredSmallParcelData/PartneredEstimate/Amount"
    params = create_params(member["id"], member["center"], [(sku, 14)])
    await ok(gw, "UpdateInboundShipment", params)
    shipment = emulator_plan(gw).shipments[member["id"]]
    assert [(i["msku"], i["quantity"]) for i in shipment.items] == [(sku, 14)]
    items = await ok(gw, "ListInboundShipmentItems", {"ShipmentId": member["id"]})
    assert text(child(items, "ItemData/member"), "QuantityShipped") == "14"
    after = await ok(gw, "GetTransportContent", {"ShipmentId": member["id"]})
    option = next(
        o
        for o in emulator_plan(gw).transport_options
        if o["transportationOptionId"] == shipment.transport_option_id
    )
    assert text(after, f"{path}/Value") == str(option["quote"]["cost"]["amount"])
    assert text(before, f"{path}/Value") == text(after, f"{path}/Value")  # same packages
    assert gw.emulator.calls["fbaInbound2024.confirmShipmentContentUpdatePreview"] == 1
    other = create_params(member["id"], member["center"], [(sku, 14), ("NEW-SKU", 1)])
    status, code, message = error_of(await call(gw, "UpdateInboundShipment", other))
    assert (status, code) == (400, "InvalidRequest") and "NEW-SKU" in message
