"""Fault injection through httpx.ASGITransport: each fault type, patterns, runtime control."""

from __future__ import annotations

import json

import httpx
import pytest

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig, FaultSpec
from gateway.emulator.faults import EmulatedConnectionReset, EmulatedTruncatedBody
from gateway.emulator.state import EmulatorState
from tests.emulator.conftest import ANCHOR
from tests.emulator.helpers import auth, get_lwa_token
from tests.emulator.modelcheck import validate_against_model

pytestmark = pytest.mark.anyio
SELLERS = "/sellers/v1/marketplaceParticipations"
OP = "sellers.getMarketplaceParticipations"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(data_anchor=ANCHOR, rate_mode="off")


@pytest.mark.parametrize(
    ("status", "code"), [(500, "InternalFailure"), (503, "ServiceUnavailable")]
)
async def test_error_fault(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState, status: int, code: str
) -> None:
    emulator.faults[OP] = FaultSpec(error_rate=1.0, error_status=status)
    response = await client.get(SELLERS, headers=auth(token))
    assert response.status_code == status
    assert response.json()["errors"][0]["code"] == code
    assert response.headers["x-amzn-RequestId"]
    validate_against_model("sellers.json", "getMarketplaceParticipations", status, response.json())
    assert emulator.faults.fired[f"{OP}:error"] == 1


async def test_429_storm(client: httpx.AsyncClient, token: str, emulator: EmulatorState) -> None:
    emulator.faults[OP] = FaultSpec(throttle_rate=1.0)
    statuses = [(await client.get(SELLERS, headers=auth(token))).status_code for _ in range(30)]
    assert statuses == [429] * 30
    assert emulator.throttled[OP] == 30
    # Other operations are unaffected.
    assert (await client.get("/sellers/v1/account", headers=auth(token))).status_code == 200


async def test_connection_reset_raises_a_protocol_error(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults[OP] = FaultSpec(reset_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError) as info:
        await client.get(SELLERS, headers=auth(token))
    assert isinstance(info.value, EmulatedConnectionReset)
    assert emulator.responses[f"{OP}:dropped"] == 1


async def test_truncated_body_raises_a_protocol_error(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults[OP] = FaultSpec(truncate_rate=1.0)
    with pytest.raises(EmulatedTruncatedBody, match="expected"):
        await client.get(SELLERS, headers=auth(token))


async def test_malformed_body(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults[OP] = FaultSpec(malformed_rate=1.0)
    response = await client.get(SELLERS, headers=auth(token))
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert int(response.headers["content-length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


async def test_latency_fault_is_counted(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults[OP] = FaultSpec(latency_ms=5, latency_jitter_ms=5)
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200
    assert emulator.faults.fired[f"{OP}:latency"] == 1


async def test_remaining_limits_the_faulted_calls(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults[OP] = FaultSpec(error_rate=1.0, error_status=503, remaining=2)
    statuses = [(await client.get(SELLERS, headers=auth(token))).status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]
    assert OP not in emulator.faults


async def test_partial_error_rate_is_seeded_and_plausible(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults[OP] = FaultSpec(error_rate=0.3)
    statuses = [(await client.get(SELLERS, headers=auth(token))).status_code for _ in range(200)]
    errors = statuses.count(500)
    assert 30 <= errors <= 90
    assert set(statuses) == {200, 500}


async def test_most_specific_pattern_wins(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults["*"] = FaultSpec(error_rate=1.0, error_status=500)
    emulator.faults["sellers.*"] = FaultSpec(error_rate=1.0, error_status=503)
    emulator.faults[OP] = FaultSpec()
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200
    assert (await client.get("/sellers/v1/account", headers=auth(token))).status_code == 503
    rdt = await client.post(
        "/tokens/2021-03-01/restrictedDataToken",
        headers=auth(token),
        json={"restrictedResources": [{"method": "GET", "path": "/mfn/v0/shipments/S"}]},
    )
    assert rdt.status_code == 500


async def test_faults_from_config() -> None:
    config = EmulatorConfig(
        data_anchor=ANCHOR, faults={"sellers.getAccount": FaultSpec(throttle_rate=1.0)}
    )
    app = create_emulator_app(config)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://emulator.test"
    ) as client:
        token = await get_lwa_token(client)
        response = await client.get("/sellers/v1/account", headers=auth(token))
    assert response.status_code == 429


async def test_runtime_fault_control(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    posted = await client.post(
        "/_emulator/faults", json={OP: {"error_rate": 1, "error_status": 503, "remaining": 1}}
    )
    assert posted.status_code == 200
    assert posted.json()["faults"][OP]["error_status"] == 503
    assert emulator.faults[OP].error_rate == 1.0
    listed = await client.get("/_emulator/faults")
    assert OP in listed.json()["faults"]
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 503
    await client.post("/_emulator/faults", json={"*": {"throttle_rate": 1}})
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 429
    cleared = await client.delete("/_emulator/faults")
    assert cleared.json() == {"faults": {}}
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200
    stats = (await client.get("/_emulator/stats")).json()
    assert stats["calls"][OP] == 3
    assert stats["lwa_exchanges"] == 1
    assert stats["faults_fired"] == {f"{OP}:error": 1, f"{OP}:throttle": 1}


async def test_delete_one_pattern(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    await client.post("/_emulator/faults", json={"a.b": {}, "c.*": {"error_rate": 0.5}})
    remaining = await client.delete("/_emulator/faults", params={"operation": "a.b"})
    assert list(remaining.json()["faults"]) == ["c.*"]


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        {OP: {"error_rate": 2}},
        {OP: {"error_status": 200}},
        {OP: {"bogus": 1}},
        {OP: {"error_rate": "high"}},
        {OP: "x"},
        {OP: {"remaining": -1}},
        {OP: {"duration_s": 0}},
        {OP: {"duration_s": "soon"}},
    ],
)
async def test_invalid_fault_specs_are_rejected(
    client: httpx.AsyncClient, emulator: EmulatorState, body: object
) -> None:
    response = await client.post("/_emulator/faults", json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert len(emulator.faults) == 0


async def test_admin_routes_can_be_disabled() -> None:
    app = create_emulator_app(EmulatorConfig(data_anchor=ANCHOR, admin_enabled=False))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://emulator.test"
    ) as client:
        response = await client.post("/_emulator/faults", json={})
    assert response.status_code == 404


async def test_timed_429_storm_ends_by_itself(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    posted = await client.post(
        "/_emulator/faults", json={"sellers.*": {"throttle_rate": 1, "duration_s": 5}}
    )
    assert posted.json()["faults"]["sellers.*"]["duration_s"] == 5.0
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 429
    emulator.clock.advance(4)
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 429
    emulator.clock.advance(1.5)
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200
    assert "sellers.*" not in emulator.faults


async def test_expired_specific_spec_falls_back_to_broader_one(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.faults["*"] = FaultSpec(error_rate=1.0, error_status=503)
    emulator.faults[OP] = FaultSpec(remaining=1)
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 503
