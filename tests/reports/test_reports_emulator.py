"""The emulated SP-API Reports 2021-06-30 endpoints, every body checked against Amazon's model."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import auth, get_lwa_token, get_rdt
from tests.emulator.modelcheck import validate_against_model, validate_request_body

pytestmark = pytest.mark.anyio

MODEL = "reports_2021-06-30.json"
BASE = "/reports/2021-06-30"
US = "ATVPDKIKX0DER"


@pytest.fixture
def app() -> Starlette:
    return create_emulator_app(EmulatorConfig(data_anchor=datetime(2026, 11, 1, tzinfo=UTC)))


@pytest.fixture
def state(app: Starlette) -> EmulatorState:
    emulator: EmulatorState = app.state.emulator
    return emulator


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as c:
        yield c


@pytest.fixture
async def headers(client: httpx.AsyncClient) -> dict[str, str]:
    return auth(await get_lwa_token(client))


async def create(client: httpx.AsyncClient, headers: dict[str, str], spec: dict[str, Any]) -> str:
    validate_request_body(MODEL, "createReport", spec)
    resp = await client.post(f"{BASE}/reports", json=spec, headers=headers)
    assert resp.status_code == 202, resp.text
    validate_against_model(MODEL, "createReport", 202, resp.json())
    return str(resp.json()["reportId"])


async def get(client: httpx.AsyncClient, headers: dict[str, str], report_id: str) -> dict[str, Any]:
    resp = await client.get(f"{BASE}/reports/{report_id}", headers=headers)
    assert resp.status_code == 200, resp.text
    validate_against_model(MODEL, "getReport", 200, resp.json())
    body: dict[str, Any] = resp.json()
    return body


async def test_report_lifecycle_and_document(
    client: httpx.AsyncClient, headers: dict[str, str], state: EmulatorState
) -> None:
    report_id = await create(
        client, headers, {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]}
    )
    assert (await get(client, headers, report_id))["processingStatus"] == "IN_QUEUE"
    state.clock.advance(0.25)
    assert (await get(client, headers, report_id))["processingStatus"] == "IN_PROGRESS"
    state.clock.advance(1)
    report = await get(client, headers, report_id)
    assert report["processingStatus"] == "DONE" and report["processingEndTime"]
    resp = await client.get(f"{BASE}/documents/{report['reportDocumentId']}", headers=headers)
    assert resp.status_code == 200
    validate_against_model(MODEL, "getReportDocument", 200, resp.json())
    assert "compressionAlgorithm" not in resp.json()
    doc = await client.get(resp.json()["url"])
    assert doc.status_code == 200
    lines = doc.text.splitlines()
    assert lines[0].startswith("item-name\titem-description\tlisting-id\tseller-sku")
    assert len(lines) == 1 + len(state.data.listings)


async def test_order_report_is_gzip_and_filtered_by_window(
    client: httpx.AsyncClient, headers: dict[str, str], state: EmulatorState
) -> None:
    start = "2026-10-25T00:00:00Z"
    report_id = await create(
        client,
        headers,
        {"reportType": "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL",
         "marketplaceIds": [US], "dataStartTime": start, "dataEndTime": "2026-11-01T00:00:00Z"},
    )  # fmt: skip
    state.clock.advance(2)
    report = await get(client, headers, report_id)
    resp = await client.get(f"{BASE}/documents/{report['reportDocumentId']}", headers=headers)
    assert resp.json()["compressionAlgorithm"] == "GZIP"
    raw = await client.get(resp.json()["url"], headers={"accept-encoding": "identity"})
    text = gzip.decompress(raw.content).decode()
    rows = [line.split("\t") for line in text.splitlines()[1:]]
    assert rows and all("2026-10-25" <= r[2] <= "2026-11-01T" for r in rows)
    expected = {
        o["orderId"] for o in state.data.orders if "2026-10-25" <= o["createdTime"] < "2026-11-01"
    }
    assert {r[0] for r in rows} == expected


async def test_unknown_data_ends_cancelled_and_restricted_needs_rdt(
    client: httpx.AsyncClient, headers: dict[str, str], state: EmulatorState
) -> None:
    nodata = await create(
        client, headers, {"reportType": "GET_SELLER_FEEDBACK_DATA", "marketplaceIds": [US]}
    )
    restricted = await create(
        client, headers,
        {"reportType": "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING", "marketplaceIds": [US],
         "dataStartTime": "2026-01-01T00:00:00Z"},
    )  # fmt: skip
    state.clock.advance(2)
    assert (await get(client, headers, nodata))["processingStatus"] == "CANCELLED"
    report = await get(client, headers, restricted)
    path = f"{BASE}/documents/{report['reportDocumentId']}"
    denied = await client.get(path, headers=headers)
    assert denied.status_code == 403
    validate_against_model(MODEL, "getReportDocument", 403, denied.json())
    rdt = await get_rdt(client, headers["x-amz-access-token"], [{"method": "GET", "path": path}])
    ok = await client.get(path, headers=auth(rdt))
    assert ok.status_code == 200
    validate_against_model(MODEL, "getReportDocument", 200, ok.json())


async def test_get_reports_filters_paging_and_cancel(
    client: httpx.AsyncClient, headers: dict[str, str], state: EmulatorState
) -> None:
    ids = [
        await create(
            client, headers, {"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US]}
        )
        for _ in range(3)
    ]
    resp = await client.delete(f"{BASE}/reports/{ids[0]}", headers=headers)
    assert resp.status_code == 200
    q = {"reportTypes": "GET_AFN_INVENTORY_DATA", "pageSize": "2"}
    page = await client.get(f"{BASE}/reports", params=q, headers=headers)
    validate_against_model(MODEL, "getReports", 200, page.json())
    assert [r["reportId"] for r in page.json()["reports"]] == [ids[2], ids[1]]
    token = page.json()["nextToken"]
    bad = await client.get(
        f"{BASE}/reports", params={"nextToken": token, "pageSize": "2"}, headers=headers
    )
    assert bad.status_code == 400
    validate_against_model(MODEL, "getReports", 400, bad.json())
    rest = await client.get(f"{BASE}/reports", params={"nextToken": token}, headers=headers)
    assert [r["reportId"] for r in rest.json()["reports"]] == [ids[0]]
    assert rest.json()["reports"][0]["processingStatus"] == "CANCELLED"
    state.clock.advance(2)
    again = await client.delete(f"{BASE}/reports/{ids[1]}", headers=headers)
    assert again.status_code == 400  # only IN_QUEUE can be cancelled
    done = await client.get(
        f"{BASE}/reports",
        params={"reportTypes": "GET_AFN_INVENTORY_DATA", "processingStatuses": "DONE"},
        headers=headers,
    )
    assert {r["reportId"] for r in done.json()["reports"]} == {ids[1], ids[2]}
    missing = await client.get(f"{BASE}/reports", headers=headers)
    assert missing.status_code == 400
    unknown = await client.get(f"{BASE}/reports/1", headers=headers)
    assert unknown.status_code == 404
    validate_against_model(MODEL, "getReport", 404, unknown.json())


async def test_settlements_seeded_and_not_requestable(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    q = {"reportTypes": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE"}
    page = await client.get(f"{BASE}/reports", params=q, headers=headers)
    assert len(page.json()["reports"]) == 2
    resp = await client.post(
        f"{BASE}/reports",
        json={"reportType": "GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE", "marketplaceIds": [US]},
        headers=headers,
    )
    assert resp.status_code == 400
    validate_against_model(MODEL, "createReport", 400, resp.json())


async def test_schedules_create_reports_over_time(
    client: httpx.AsyncClient, headers: dict[str, str], state: EmulatorState
) -> None:
    spec = {"reportType": "GET_AFN_INVENTORY_DATA", "marketplaceIds": [US], "period": "PT15M"}
    validate_request_body(MODEL, "createReportSchedule", spec)
    resp = await client.post(f"{BASE}/schedules", json=spec, headers=headers)
    assert resp.status_code == 201
    validate_against_model(MODEL, "createReportSchedule", 201, resp.json())
    schedule_id = resp.json()["reportScheduleId"]
    # same type and marketplaces: replaced
    resp = await client.post(f"{BASE}/schedules", json={**spec, "period": "PT30M"}, headers=headers)
    listed = await client.get(
        f"{BASE}/schedules", params={"reportTypes": "GET_AFN_INVENTORY_DATA"}, headers=headers
    )
    validate_against_model(MODEL, "getReportSchedules", 200, listed.json())
    assert [s["period"] for s in listed.json()["reportSchedules"]] == ["PT30M"]
    gone = await client.get(f"{BASE}/schedules/{schedule_id}", headers=headers)
    assert gone.status_code == 404
    state.clock.advance(65 * 60)
    headers = auth(await get_lwa_token(client))  # the first token expired meanwhile
    reports = await client.get(
        f"{BASE}/reports", params={"reportTypes": "GET_AFN_INVENTORY_DATA"}, headers=headers
    )
    new_id = resp.json()["reportScheduleId"]
    made = [r.get("reportScheduleId") for r in reports.json()["reports"]]
    assert made.count(new_id) == 3  # t=0, 30 and 60 minutes
    assert made.count(schedule_id) == 1  # the replaced schedule was due at t=0 once
    one = await client.get(f"{BASE}/schedules/{new_id}", headers=headers)
    validate_against_model(MODEL, "getReportSchedule", 200, one.json())
    assert (await client.delete(f"{BASE}/schedules/{new_id}", headers=headers)).status_code == 200
    assert (await client.get(f"{BASE}/schedules/{new_id}", headers=headers)).status_code == 404


async def test_big_generated_document_is_lazy(
    client: httpx.AsyncClient, headers: dict[str, str], state: EmulatorState
) -> None:
    size = 5 * 1024 * 1024 + 17
    report_id = await create(
        client, headers,
        {"reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US],
         "reportOptions": {"emulatorSize": str(size)}},
    )  # fmt: skip
    state.clock.advance(2)
    report = await get(client, headers, report_id)
    stored = state.documents.get(report["reportDocumentId"])
    assert stored is not None and stored.factory is not None and stored.memory is None
    resp = await client.get(f"{BASE}/documents/{report['reportDocumentId']}", headers=headers)
    doc = await client.get(resp.json()["url"])
    assert len(doc.content) == size
