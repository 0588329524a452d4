"""LWA token endpoint: grants, errors, expiry, counters."""

from __future__ import annotations

import httpx
import pytest

from gateway.emulator.config import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_SELLER_ID,
    EmulatorConfig,
    FaultSpec,
    RefreshGrant,
)
from gateway.emulator.state import EmulatorState
from tests.emulator.conftest import ANCHOR
from tests.emulator.helpers import auth, refresh_form

pytestmark = pytest.mark.anyio
SELLERS = "/sellers/v1/marketplaceParticipations"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    config = EmulatorConfig(data_anchor=ANCHOR, access_token_ttl=5)
    config.refresh_tokens["Atzr|second-seller"] = RefreshGrant("A2SECONDSELLER", DEMO_CLIENT_ID)
    config.refresh_tokens["Atzr|other-app"] = RefreshGrant("A3OTHER", "amzn1.other-app")
    return config


async def test_refresh_grant_issues_a_working_token(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    response = await client.post("/auth/o2/token", data=refresh_form())
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 5
    assert body["access_token"].startswith("Atza|")
    assert body["refresh_token"] == refresh_form()["refresh_token"]
    assert response.headers["cache-control"] == "no-store"
    assert emulator.lwa_exchanges == 1
    assert emulator.lwa_exchanges_by_seller == {DEMO_SELLER_ID: 1}
    ok = await client.get(SELLERS, headers=auth(body["access_token"]))
    assert ok.status_code == 200


async def test_json_body_is_accepted_like_the_java_sdk(client: httpx.AsyncClient) -> None:
    response = await client.post("/auth/o2/token", json=refresh_form())
    assert response.status_code == 200
    assert response.json()["access_token"].startswith("Atza|")


async def test_token_expires_after_its_lifetime(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    token = (await client.post("/auth/o2/token", data=refresh_form())).json()["access_token"]
    emulator.clock.advance(4)
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200
    emulator.clock.advance(2)
    expired = await client.get(SELLERS, headers=auth(token))
    assert expired.status_code == 403
    assert expired.json()["errors"][0]["code"] == "Unauthorized"


async def test_each_seller_gets_its_own_token(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    await client.post("/auth/o2/token", data=refresh_form())
    await client.post("/auth/o2/token", data=refresh_form("Atzr|second-seller"))
    assert emulator.lwa_exchanges == 2
    assert emulator.lwa_exchanges_by_seller == {DEMO_SELLER_ID: 1, "A2SECONDSELLER": 1}


@pytest.mark.parametrize(
    ("form", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "amzn1.unknown"}, 401, "invalid_client"),
        ({"refresh_token": "Atzr|unknown"}, 400, "invalid_grant"),
        ({"refresh_token": "Atzr|other-app"}, 400, "invalid_grant"),
        ({"refresh_token": ""}, 400, "invalid_request"),
        ({"grant_type": ""}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"client_secret": ""}, 400, "invalid_request"),
    ],
)
async def test_bad_requests_get_lwa_errors(
    client: httpx.AsyncClient,
    emulator: EmulatorState,
    form: dict[str, str],
    status: int,
    error: str,
) -> None:
    response = await client.post("/auth/o2/token", data={**refresh_form(), **form})
    assert response.status_code == status
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert emulator.lwa_exchanges == 0
    assert emulator.lwa_failures == 1


async def test_client_credentials_grant_is_grantless_only(client: httpx.AsyncClient) -> None:
    form = {
        "grant_type": "client_credentials",
        "scope": "sellingpartnerapi::notifications",
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
    }
    response = await client.post("/auth/o2/token", data=form)
    assert response.status_code == 200
    body = response.json()
    assert body["scope"] == "sellingpartnerapi::notifications"
    assert "refresh_token" not in body
    # A grantless token cannot call seller operations.
    denied = await client.get(SELLERS, headers=auth(body["access_token"]))
    assert denied.status_code == 403
    bad_scope = await client.post("/auth/o2/token", data={**form, "scope": "sellingpartnerapi::x"})
    assert (bad_scope.status_code, bad_scope.json()["error"]) == (400, "invalid_scope")
    no_scope = await client.post("/auth/o2/token", data={**form, "scope": ""})
    assert (no_scope.status_code, no_scope.json()["error"]) == (400, "invalid_request")


async def test_lwa_faults_use_lwa_error_bodies(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    emulator.faults["lwa.token"] = FaultSpec(error_rate=1, error_status=503, remaining=1)
    failed = await client.post("/auth/o2/token", data=refresh_form())
    assert failed.status_code == 503
    assert failed.json()["error"] == "temporarily_unavailable"
    assert emulator.lwa_exchanges == 0
    retried = await client.post("/auth/o2/token", data=refresh_form())
    assert retried.status_code == 200
    assert emulator.lwa_exchanges == 1
