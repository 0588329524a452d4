"""SpApiClient against a scripted fake SP-API (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
from structlog.testing import capture_logs

from gateway.audit import AuditTrail
from gateway.health import HealthBoard, HealthConfig
from gateway.spapi.errors import (
    CircuitOpen,
    LwaDenied,
    PacingExceeded,
    UpstreamAuthError,
    UpstreamClientError,
    UpstreamDisconnected,
    UpstreamError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamReadTimeout,
    UpstreamServerError,
    UpstreamThrottled,
)
from tests.spapi.fakes import (
    CLIENT_SECRET,
    REFRESH_TOKEN,
    SELLER,
    FakeSpApi,
    api_error,
    make_client,
)

pytestmark = pytest.mark.anyio

SELLERS_OP = "sellers.getMarketplaceParticipations"
SELLERS_PATH = "/sellers/v1/marketplaceParticipations"


async def get(client, audit=None, **kw):  # type: ignore[no-untyped-def]
    args = dict(
        seller_id=SELLER,
        marketplace_id="ATVPDKIKX0DER",
        section="Sellers",
        operation=SELLERS_OP,
        method="GET",
        path=SELLERS_PATH,
        audit=audit or AuditTrail(),
    )
    args.update(kw)
    return await client.call(**args)


async def test_success_records_audit_and_region_routing() -> None:
    fake = FakeSpApi()
    client = make_client(fake.transport())
    audit = AuditTrail()
    resp = await get(client, audit, query={"marketplaceIds": ["A", "B"], "flag": True})
    assert resp.status == 200
    assert resp.data["payload"][0]["marketplace"]["id"] == "ATVPDKIKX0DER"
    assert resp.request_id == "req-1"
    [call] = audit.upstream
    assert (call.operation, call.status, call.attempts, call.request_id, call.error) == (
        SELLERS_OP,
        200,
        1,
        "req-1",
        None,
    )
    assert call.latency_ms >= 0
    sent = fake.hits[0]
    assert sent.url.params["marketplaceIds"] == "A,B"
    assert sent.url.params["flag"] == "true"
    assert sent.headers["x-amz-access-token"].startswith("Atza|")
    assert sent.headers["user-agent"].startswith("mws-gateway/")
    assert client.region_for(SELLER, "A1PA6795UKMFR9") == "eu"
    assert client.region_for(SELLER, None) == "na"
    await client.aclose()


async def test_100_concurrent_calls_cause_one_lwa_exchange() -> None:
    fake = FakeSpApi()
    fake.lwa_delay = 0.05
    client = make_client(fake.transport(), pacing=False)
    results = await asyncio.gather(*(get(client) for _ in range(100)))
    assert all(r.status == 200 for r in results)
    assert fake.exchanges == 1
    assert client.lwa.exchanges == 1
    assert len({r.headers.get("x-amzn-requestid") for r in results}) == 100
    await client.aclose()


async def test_expired_token_is_refreshed_once() -> None:
    fake = FakeSpApi()
    client = make_client(fake.transport())
    await get(client)
    assert fake.exchanges == 1
    fake.valid_tokens.clear()  # SP-API now rejects the cached token (expired/revoked)
    audit = AuditTrail()
    resp = await get(client, audit)
    assert resp.status == 200
    assert fake.exchanges == 2
    assert audit.upstream[0].attempts == 2
    await client.aclose()


async def test_token_rejected_twice_is_access_denied_after_one_refresh() -> None:
    fake = FakeSpApi()

    async def always_403(request: httpx.Request) -> httpx.Response:
        return api_error(403, "Unauthorized", "Access to requested resource is denied.")

    fake.api = always_403
    client = make_client(fake.transport())
    with pytest.raises(UpstreamAuthError) as info:
        await get(client)
    assert (info.value.code, info.value.status, info.value.type) == ("AccessDenied", 401, "Sender")
    assert fake.exchanges == 2  # the first token, then exactly one refresh
    assert len(fake.hits) == 2
    await client.aclose()


async def test_lwa_rejection_and_outage_map_to_mws_errors() -> None:
    fake = FakeSpApi()
    fake.lwa_response = lambda: httpx.Response(
        400, json={"error": "invalid_grant", "error_description": "bad refresh token"}
    )
    client = make_client(fake.transport())
    with pytest.raises(LwaDenied) as denied:
        await get(client)
    assert denied.value.code == "AccessDenied"
    assert fake.exchanges == 1  # not retried: credentials will not get better
    fake.lwa_response = lambda: httpx.Response(503, text="unavailable")
    with pytest.raises(UpstreamError) as down:
        await get(client)
    assert (down.value.code, down.value.status) == ("ServiceUnavailable", 503)
    assert fake.exchanges == 1 + 4  # retried within max_attempts
    assert not fake.hits
    await client.aclose()


async def test_429_storm_becomes_request_throttled_within_budget() -> None:
    fake = FakeSpApi()

    async def storm(request: httpx.Request) -> httpx.Response:
        return api_error(
            429, "QuotaExceeded", "You exceeded your quota for the requested resource."
        )

    fake.api = storm
    client = make_client(fake.transport(), pacing=False, retry_budget_seconds=1.0)
    audit = AuditTrail()
    started = time.monotonic()
    with pytest.raises(UpstreamThrottled) as info:
        await get(client, audit)
    elapsed = time.monotonic() - started
    assert (info.value.code, info.value.status, info.value.type) == (
        "RequestThrottled",
        503,
        "Sender",
    )
    assert elapsed < 1.0 + 0.5
    assert audit.upstream[0].attempts == 4 == len(fake.hits)
    assert audit.upstream[0].error == "QuotaExceeded"
    await client.aclose()


async def test_5xx_is_retried_for_get_then_service_unavailable() -> None:
    fake = FakeSpApi()

    async def broken(request: httpx.Request) -> httpx.Response:
        return api_error(500, "InternalFailure")

    fake.api = broken
    client = make_client(fake.transport())
    with pytest.raises(UpstreamServerError) as info:
        await get(client)
    assert (info.value.code, info.value.status, info.value.type) == (
        "ServiceUnavailable",
        503,
        "Receiver",
    )
    assert len(fake.hits) == 4
    await client.aclose()


async def test_transient_5xx_then_success() -> None:
    fake = FakeSpApi()
    seen = 0

    async def flaky(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        return api_error(503, "ServiceUnavailable") if seen < 3 else await fake.ok(request)

    fake.api = flaky
    client = make_client(fake.transport())
    audit = AuditTrail()
    assert (await get(client, audit)).status == 200
    assert audit.upstream[0].attempts == 3
    await client.aclose()


async def test_latency_beyond_timeout_is_service_unavailable_within_budget() -> None:
    fake = FakeSpApi()

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return await fake.ok(request)

    fake.api = slow
    client = make_client(fake.transport(), timeout_seconds=0.2, retry_budget_seconds=0.7)
    started = time.monotonic()
    with pytest.raises(UpstreamReadTimeout) as info:
        await get(client)
    elapsed = time.monotonic() - started
    assert (info.value.code, info.value.status) == ("ServiceUnavailable", 503)
    assert elapsed < 0.7 + 0.5
    assert len(fake.hits) >= 2  # GET is idempotent: retried inside the budget
    await client.aclose()


async def test_connection_reset_is_service_unavailable() -> None:
    fake = FakeSpApi()

    async def reset(request: httpx.Request) -> httpx.Response:
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    fake.api = reset
    client = make_client(fake.transport())
    with pytest.raises(UpstreamDisconnected) as info:
        await get(client)
    assert info.value.code == "ServiceUnavailable"
    assert len(fake.hits) == 4
    await client.aclose()


@pytest.mark.parametrize("body", [b'{"payload": [', b"\x00<html>oops"])
async def test_truncated_or_malformed_body_is_internal_error(body: bytes) -> None:
    fake = FakeSpApi()

    async def garbage(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    fake.api = garbage
    client = make_client(fake.transport())
    with pytest.raises(UpstreamProtocolError) as info:
        await get(client)
    assert (info.value.code, info.value.status, info.value.type) == (
        "InternalError",
        500,
        "Receiver",
    )
    await client.aclose()


async def test_non_idempotent_post_is_not_retried_after_read_timeout() -> None:
    fake = FakeSpApi()

    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(202, json={"feedId": "1"})

    fake.api = slow
    client = make_client(fake.transport(), timeout_seconds=0.2, retry_budget_seconds=2.0)
    audit = AuditTrail()
    with pytest.raises(UpstreamReadTimeout):
        await client.call(
            seller_id=SELLER,
            marketplace_id=None,
            section="Feeds",
            operation="feeds_2021-06-30.createFeed",
            method="POST",
            path="/feeds/2021-06-30/feeds",
            json={"feedType": "X"},
            audit=audit,
        )
    assert len(fake.hits) == 1
    assert audit.upstream[0].attempts == 1
    await client.aclose()


@pytest.mark.parametrize("status", [500, 503])
async def test_non_idempotent_post_is_not_retried_after_5xx(status: int) -> None:
    fake = FakeSpApi()

    async def fail(request: httpx.Request) -> httpx.Response:
        return api_error(status, "InternalFailure")

    fake.api = fail
    client = make_client(fake.transport())
    with pytest.raises(UpstreamServerError):
        await client.call(
            seller_id=SELLER,
            marketplace_id=None,
            section="Reports",
            operation="reports_2021-06-30.createReport",
            method="POST",
            path="/reports/2021-06-30/reports",
            json={"reportType": "X"},
            audit=AuditTrail(),
        )
    assert len(fake.hits) == 1
    await client.aclose()


async def test_non_idempotent_post_is_retried_when_provably_not_sent() -> None:
    fake = FakeSpApi()
    seen = 0

    async def connect_fail_then_429_then_ok(request: httpx.Request) -> httpx.Response:
        nonlocal seen
        seen += 1
        if seen == 1:
            raise httpx.ConnectError("connection refused")
        if seen == 2:
            return api_error(429, "QuotaExceeded")
        return httpx.Response(202, json={"reportId": "42"})

    fake.api = connect_fail_then_429_then_ok
    # Without client-side pacing: with it, a 429 on createReport (1 per 60 s) empties the
    # bucket and the next try would wait longer than the budget (tested separately).
    client = make_client(fake.transport(), pacing=False)
    resp = await client.call(
        seller_id=SELLER,
        marketplace_id=None,
        section="Reports",
        operation="reports_2021-06-30.createReport",
        method="POST",
        path="/reports/2021-06-30/reports",
        json={"reportType": "X"},
        audit=AuditTrail(),
    )
    assert resp.data == {"reportId": "42"}
    assert seen == 3
    await client.aclose()


async def test_4xx_passes_upstream_message_and_404_uses_callers_code() -> None:
    fake = FakeSpApi()

    async def invalid(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/missing"):
            return api_error(404, "NotFound", "Report not found")
        return api_error(400, "InvalidInput", "Invalid Report Type _GET_X_")

    fake.api = invalid
    client = make_client(fake.transport())
    with pytest.raises(UpstreamClientError) as bad:
        await get(client, path="/reports/2021-06-30/reports")
    assert (bad.value.code, bad.value.status, bad.value.message) == (
        "InvalidParameterValue",
        400,
        "Invalid Report Type _GET_X_",
    )
    with pytest.raises(UpstreamNotFound) as missing:
        await get(client, path="/reports/2021-06-30/reports/missing", not_found="InvalidReportId")
    assert (missing.value.code, missing.value.status, missing.value.type) == (
        "InvalidReportId",
        400,
        "Sender",
    )
    assert len(fake.hits) == 2  # client errors are not retried
    await client.aclose()


async def test_pacing_waits_briefly_then_refuses_beyond_budget() -> None:
    fake = FakeSpApi()
    rates = {"operations": {SELLERS_OP: {"rate": 20, "burst": 2}}}
    client = make_client(fake.transport(), rate_limits=rates)
    started = time.monotonic()
    for _ in range(4):
        await get(client)
    assert time.monotonic() - started >= 0.09  # two paced waits of ~50 ms each
    assert len(fake.hits) == 4

    slow_rates = {"operations": {SELLERS_OP: {"rate": 0.001, "burst": 1}}}
    client2 = make_client(fake.transport(), rate_limits=slow_rates)
    await get(client2)
    audit = AuditTrail()
    with pytest.raises(PacingExceeded) as info:
        await get(client2, audit)
    assert (info.value.code, info.value.status) == ("RequestThrottled", 503)
    assert len(fake.hits) == 5  # refused without calling SP-API
    await client.aclose()
    await client2.aclose()


async def test_short_alias_names_resolve_to_model_rates() -> None:
    fake = FakeSpApi()
    client = make_client(fake.transport())
    limit = client.rates.get("orders.searchOrders")
    assert limit is not None and (limit.rate, limit.burst) == (0.0056, 20)
    sandbox_client = make_client(fake.transport(), mode="sandbox", endpoints={})
    assert sandbox_client.pacer is not None
    assert sandbox_client.pacer.table.get("orders.searchOrders", sandbox=True) is not None
    await client.aclose()
    await sandbox_client.aclose()


async def test_restricted_call_uses_one_cached_rdt() -> None:
    fake = FakeSpApi()
    client = make_client(fake.transport())
    audit = AuditTrail()
    path = "/orders/v0/orders/123-1234567-1234567"
    for _ in range(2):
        await client.call(
            seller_id=SELLER,
            marketplace_id="ATVPDKIKX0DER",
            section="Orders",
            operation="ordersV0.getOrder",
            method="GET",
            path=path,
            restricted=["buyerInfo", "shippingAddress"],
            audit=audit,
        )
    assert client.rdt.created == 1
    [body] = fake.rdts.values()
    assert body == {
        "restrictedResources": [
            {"method": "GET", "path": path, "dataElements": ["buyerInfo", "shippingAddress"]},
        ]
    }
    order_hits = [h for h in fake.hits if h.url.path == path]
    assert all(h.headers["x-amz-access-token"].startswith("Atz.sprdt|") for h in order_hits)
    ops = [c.operation for c in audit.upstream]
    assert ops == [
        "ordersV0.getOrder",
        "tokens_2021-03-01.createRestrictedDataToken",
        "ordersV0.getOrder",
    ]
    assert audit.upstream[0].rdt is True
    await client.aclose()


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_health_goes_yellow_red_and_back_to_green() -> None:
    clock = Clock()
    health = HealthBoard(
        HealthConfig(
            window_seconds=60,
            min_samples=4,
            yellow_error_rate=0.2,
            open_error_rate=0.9,
            open_after_failures=3,
            cooldown_seconds=30,
        ),
        clock=clock,
    )
    fake = FakeSpApi()
    failing = False

    async def api(request: httpx.Request) -> httpx.Response:
        return api_error(503, "ServiceUnavailable") if failing else await fake.ok(request)

    fake.api = api
    client = make_client(fake.transport(), health=health, max_attempts=1)
    for _ in range(4):
        await get(client)
    assert health.status("Sellers") == ("GREEN", None)
    failing = True
    with pytest.raises(UpstreamServerError):
        await get(client)
    assert health.status("Sellers")[0] == "YELLOW"
    for _ in range(2):
        with pytest.raises(UpstreamServerError):
            await get(client)
    assert health.status("Sellers")[0] == "RED"
    hits = len(fake.hits)
    with pytest.raises(CircuitOpen) as info:
        await get(client)
    assert info.value.code == "ServiceUnavailable"
    assert len(fake.hits) == hits  # refused without calling upstream
    failing = False
    clock.now += 30  # cool-down over: half-open, one trial call closes the circuit
    await get(client)
    assert health.status("Sellers")[0] != "RED"
    clock.now += 61
    await get(client)
    assert health.status("Sellers") == ("GREEN", None)
    assert health.status("Orders") == ("GREEN", None)
    await client.aclose()


async def test_connect_failures_make_section_red_as_unreachable() -> None:
    health = HealthBoard(HealthConfig(open_after_failures=10))
    fake = FakeSpApi()

    async def refused(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    fake.api = refused
    client = make_client(fake.transport(), health=health, max_attempts=2)
    with pytest.raises(UpstreamError) as info:
        await get(client)
    assert info.value.code == "ServiceUnavailable"
    status, message = health.status("Sellers")
    assert status == "RED" and message is not None
    await client.aclose()


async def test_no_secret_in_logs_or_exception_strings() -> None:
    fake = FakeSpApi()
    scenario = iter(["reset", "500", "garbage", "403"])

    async def api(request: httpx.Request) -> httpx.Response:
        kind = next(scenario, "403")
        if kind == "reset":
            raise httpx.RemoteProtocolError("peer closed connection")
        if kind == "500":
            return api_error(500, "InternalFailure")
        if kind == "garbage":
            return httpx.Response(200, content=b"not json")
        return api_error(403, "Unauthorized")

    fake.api = api
    client = make_client(fake.transport(), max_attempts=1)
    texts: list[str] = []
    with capture_logs() as logs:
        for _ in range(4):
            with pytest.raises(UpstreamError) as info:
                await get(client)
            texts += [str(info.value), repr(info.value), str(info.value.message)]
            assert info.value.__cause__ is None
        fake.lwa_response = lambda: httpx.Response(401, json={"error": "invalid_client"})
        client.lwa.forget(SELLER)
        with pytest.raises(LwaDenied) as denied:
            await get(client)
        texts += [str(denied.value), repr(denied.value)]
    dumped = repr(logs) + "\n".join(texts)
    tokens = [t for t in fake.valid_tokens] + [CLIENT_SECRET, REFRESH_TOKEN, "Atza|"]
    for secret in tokens:
        assert secret not in dumped
    assert any(e.get("event") == "spapi.call_failed" for e in logs)
    await client.aclose()


async def test_429_drains_the_local_bucket_so_next_call_is_refused_locally() -> None:
    fake = FakeSpApi()

    async def throttled(request: httpx.Request) -> httpx.Response:
        return api_error(429, "QuotaExceeded")

    fake.api = throttled
    client = make_client(fake.transport())  # createReport: 0.0167/s, burst 15
    call = dict(
        seller_id=SELLER,
        marketplace_id=None,
        section="Reports",
        operation="reports_2021-06-30.createReport",
        method="POST",
        path="/reports/2021-06-30/reports",
        json={"reportType": "X"},
    )
    with pytest.raises(UpstreamThrottled):
        await client.call(**call, audit=AuditTrail())  # type: ignore[arg-type]
    assert len(fake.hits) == 1
    with pytest.raises(PacingExceeded) as info:
        await client.call(**call, audit=AuditTrail())  # type: ignore[arg-type]
    assert info.value.code == "RequestThrottled"
    assert len(fake.hits) == 1
    await client.aclose()
