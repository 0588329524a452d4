"""Two gateway replicas sharing PostgreSQL and one SP-API (the emulator): a plan started on one
is resumed by the other after a 503, and a shipment planned on one is created, transported and
labelled through the other, because the MWS ShipmentId <-> plan mapping is in the durable store.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import psycopg
import pytest
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.inbound.store import InboundStore
from gateway.state.store_postgres import PostgresStore
from tests.inbound.helpers import (
    call,
    create_params,
    error_of,
    ok,
    package_params,
    pdf_of,
    plan_members,
    plan_params,
)
from tests.state.conftest import POSTGRES_URL
from tests.support.gateway import MwsClient, demo_settings
from tests.support.xmlcheck import child, kids, text

pytestmark = [pytest.mark.anyio, pytest.mark.services]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def pg_schema() -> Iterator[str]:
    schema = f"mwsgw_test_{uuid.uuid4().hex[:16]}"
    yield schema
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture
def emulator_app() -> Starlette:
    return create_emulator_app(EmulatorConfig(rate_mode="production"))


@pytest.fixture
async def replicas(
    tmp_path: Path, emulator_app: Starlette, pg_schema: str
) -> AsyncIterator[tuple[MwsClient, MwsClient]]:
    clients: list[MwsClient] = []
    async with AsyncExitStack() as stack:
        for name in ("a", "b"):
            settings = demo_settings(tmp_path / name, inbound={"wait_seconds": 0.3})
            store = PostgresStore(POSTGRES_URL, schema=pg_schema)
            app = create_app(
                settings, upstream_transport=httpx.ASGITransport(app=emulator_app), store=store
            )
            app.state.emulator_app = emulator_app
            await stack.enter_async_context(app.router.lifespan_context(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app), base_url="http://testserver"
                )
            )
            clients.append(MwsClient(http, app))
        yield clients[0], clients[1]


async def test_one_replica_resumes_and_the_other_continues(
    replicas: tuple[MwsClient, MwsClient], emulator_app: Starlette
) -> None:
    a, b = replicas
    emulator = emulator_app.state.emulator
    store = emulator.section("fbaInbound", InboundStore)
    store.operation_seconds = 3600.0
    skus = sorted(emulator.data.inventory)[:2]
    params = plan_params([(skus[0], 6), (skus[1], 4)])
    assert error_of(await call(a, "CreateInboundShipmentPlan", params))[:2] == (
        503,
        "ServiceUnavailable",
    )
    store.operation_seconds = 0.0
    emulator.clock.advance(3601)
    result = await ok(b, "CreateInboundShipmentPlan", params)  # the other replica resumes
    members = plan_members(result)
    assert emulator.calls["fbaInbound2024.createInboundPlan"] == 1
    first = members[0]
    shipment_id = text(first, "ShipmentId")
    center = text(first, "DestinationFulfillmentCenterId")
    await ok(a, "CreateInboundShipment", create_params(shipment_id, center, [(skus[0], 6)]))
    listed = await ok(b, "ListInboundShipments", {"ShipmentIdList.member.1": shipment_id})
    (info,) = kids(child(listed, "ShipmentData"), "member")
    assert text(info, "ShipmentId") == shipment_id
    await ok(b, "PutTransportContent", package_params(shipment_id, [4.5]))
    estimated = await ok(a, "EstimateTransportRequest", {"ShipmentId": shipment_id})
    assert text(estimated, "TransportResult/TransportStatus") == "ESTIMATED"
    confirmed = await ok(b, "ConfirmTransportRequest", {"ShipmentId": shipment_id})
    assert text(confirmed, "TransportResult/TransportStatus") == "CONFIRMED"
    labels = await ok(
        a, "GetPackageLabels", {"ShipmentId": shipment_id, "PageType": "PackageLabel_Thermal"}
    )
    _, pdf = pdf_of(child(labels, "TransportDocument"))
    (plan,) = store.plans.values()
    assert f"Shipment {plan.shipments[shipment_id].confirmation_id}".encode() in pdf
    # one of its shipments was created: the same request again is a new plan
    again = await ok(a, "CreateInboundShipmentPlan", params)
    fresh = [text(m, "ShipmentId") for m in plan_members(again)]
    assert len(fresh) == 2 and not set(fresh) & {text(m, "ShipmentId") for m in members}
    assert emulator.calls["fbaInbound2024.createInboundPlan"] == 2
