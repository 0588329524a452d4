"""The emulated Easy Ship API 2022-03-23: bodies checked against Amazon's model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.easyship import EasyShipSettings
from tests.emulator.helpers import get_lwa_token
from tests.emulator.modelcheck import validate_against_model

pytestmark = pytest.mark.anyio
MODEL = "easyShip_2022-03-23.json"
BASE = "/easyShip/2022-03-23"
INDIA = "A21TJRUUN4KGV"


@pytest.fixture
def emulator_app() -> Starlette:
    return create_emulator_app(EmulatorConfig())


@pytest.fixture
async def sp(emulator_app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=emulator_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as c:
        c.headers["x-amz-access-token"] = await get_lwa_token(c)
        yield c


def orders(app: Starlette, status: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        o for o in app.state.emulator.data.easy_ship_orders if o["easyShipStatus"] == status
    ]
    return found


def measure(order_id: str, **change: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "marketplaceId": INDIA,
        "amazonOrderId": order_id,
        "packageDimensions": {"length": 15.0, "width": 10.0, "height": 12.0, "unit": "cm"},
        "packageWeight": {"value": 50.0, "unit": "g"},
    }
    body.update(change)
    return body


async def test_every_operation_answers_what_the_model_says(
    sp: httpx.AsyncClient, emulator_app: Starlette
) -> None:
    pending = orders(emulator_app, "PENDING_SCHEDULE")[0]
    slots = await sp.post(f"{BASE}/timeSlot", json=measure(pending["orderId"]))
    assert slots.status_code == 200, slots.text
    validate_against_model(MODEL, "listHandoverSlots", 200, slots.json())
    offered = slots.json()["timeSlots"]
    assert {s["handoverMethod"] for s in offered} == {"PICKUP", "DROPOFF"}

    created = await sp.post(
        f"{BASE}/package",
        json={
            "amazonOrderId": pending["orderId"],
            "marketplaceId": INDIA,
            "packageDetails": {
                "packageTimeSlot": {"slotId": offered[0]["slotId"]},
                "packageItems": [
                    {
                        "orderItemId": pending["orderItems"][0]["orderItemId"],
                        "orderItemSerialNumbers": ["S1"],
                    }
                ],
                "packageIdentifier": "P-1",
            },
        },
    )
    assert created.status_code == 200, created.text
    validate_against_model(MODEL, "createScheduledPackage", 200, created.json())
    assert created.json()["packageDimensions"]["length"] == 15.0  # as measured for the slots

    got = await sp.get(
        f"{BASE}/package", params={"amazonOrderId": pending["orderId"], "marketplaceId": INDIA}
    )
    assert got.status_code == 200
    validate_against_model(MODEL, "getScheduledPackage", 200, got.json())
    assert got.json() == created.json()

    moved = await sp.patch(
        f"{BASE}/package",
        json={
            "marketplaceId": INDIA,
            "updatePackageDetailsList": [
                {
                    "scheduledPackageId": {"amazonOrderId": pending["orderId"]},
                    "packageTimeSlot": {"slotId": offered[1]["slotId"]},
                }
            ],
        },
    )
    assert moved.status_code == 200, moved.text
    validate_against_model(MODEL, "updateScheduledPackages", 200, moved.json())
    settings = emulator_app.state.emulator.sections["easyShip"]
    assert isinstance(settings, EasyShipSettings)
    stored = settings.packages[pending["orderId"]]
    assert stored["packageTimeSlot"]["slotId"] == offered[1]["slotId"]


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"marketplaceId": "ATVPDKIKX0DER"}, 400, "RegionNotSupported"),
        ({"amazonOrderId": "408-0000000-0000000"}, 404, "ResourceNotFound"),
        ({"packageWeight": {"value": 5, "unit": "g"}}, 400, "InvalidInput"),
        ({"packageDimensions": {"length": 1, "width": 1, "height": 1, "unit": "in"}}, 400,
         "InvalidInput"),
    ],
)  # fmt: skip
async def test_slot_refusals(
    sp: httpx.AsyncClient, emulator_app: Starlette, change: dict[str, Any], status: int, code: str
) -> None:
    pending = orders(emulator_app, "PENDING_SCHEDULE")[0]
    response = await sp.post(f"{BASE}/timeSlot", json=measure(pending["orderId"], **change))
    assert response.status_code == status
    validate_against_model(MODEL, "listHandoverSlots", status, response.json())
    assert response.json()["errors"][0]["code"] == code


async def test_package_refusals(sp: httpx.AsyncClient, emulator_app: Starlette) -> None:
    scheduled = orders(emulator_app, "PENDING_PICK_UP")[0]
    again = await sp.post(
        f"{BASE}/package",
        json={
            "amazonOrderId": scheduled["orderId"],
            "marketplaceId": INDIA,
            "packageDetails": {"packageTimeSlot": {"slotId": "x"}},
        },
    )
    assert again.status_code == 400
    validate_against_model(MODEL, "createScheduledPackage", 400, again.json())
    assert again.json()["errors"][0]["code"] == "ScheduledPackageAlreadyExists"
    pending = orders(emulator_app, "PENDING_SCHEDULE")[0]
    missing = await sp.get(
        f"{BASE}/package", params={"amazonOrderId": pending["orderId"], "marketplaceId": INDIA}
    )
    assert missing.status_code == 404
    validate_against_model(MODEL, "getScheduledPackage", 404, missing.json())
    picked = orders(emulator_app, "PICKED_UP")[0]
    late = await sp.patch(
        f"{BASE}/package",
        json={
            "marketplaceId": INDIA,
            "updatePackageDetailsList": [
                {
                    "scheduledPackageId": {"amazonOrderId": picked["orderId"]},
                    "packageTimeSlot": {"slotId": "x"},
                }
            ],
        },
    )
    assert late.status_code == 400
    validate_against_model(MODEL, "updateScheduledPackages", 400, late.json())
    assert late.json()["errors"][0]["code"] == "OrderNotEligibleForRescheduling"
