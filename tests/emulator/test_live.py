"""Fidelity under a real uvicorn: Amazon's official SDK (amzn-sp-api) and real socket faults."""

from __future__ import annotations

import gzip
import logging
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

from gateway.emulator.app import create_emulator_app
from gateway.emulator.common import JsonBody, OperationContext, require_rdt, spapi_operation
from gateway.emulator.config import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_REFRESH_TOKEN,
    EmulatorConfig,
)
from gateway.emulator.documents import synthetic_tsv
from gateway.emulator.state import EmulatorState
from tests.emulator.conftest import ANCHOR
from tests.emulator.live import running_emulator

pytestmark = pytest.mark.live


@spapi_operation("test.getShipment")
async def _restricted(request: Request, ctx: OperationContext) -> JsonBody:
    return {"covered": require_rdt(request).path}


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[str, Starlette]]:
    app = create_emulator_app(EmulatorConfig(data_anchor=ANCHOR, rate_mode="off"))
    # a probe in front of the real Merchant Fulfillment route: require_rdt in isolation
    app.router.routes.insert(0, Route("/mfn/v0/shipments/{shipmentId}", _restricted))
    with running_emulator(app=app) as base_url:
        yield base_url, app


@pytest.fixture
def state(live: tuple[str, Starlette]) -> Iterator[EmulatorState]:
    emulator: EmulatorState = live[1].state.emulator
    emulator.faults.clear()
    yield emulator
    emulator.faults.clear()


def _sdk_client(base_url: str):  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    from spapi.auth.credentials import SPAPIConfig
    from spapi.client import SPAPIClient  # calls logging.basicConfig on first import

    root.setLevel(level)
    root.handlers[:] = handlers

    config = SPAPIConfig(
        client_id=DEMO_CLIENT_ID,
        client_secret=DEMO_CLIENT_SECRET,
        refresh_token=DEMO_REFRESH_TOKEN,
        region="NA",
    )
    return SPAPIClient(config, oauth_endpoint=f"{base_url}/auth/o2/token", endpoint=base_url)


def test_official_sdk_sellers(live: tuple[str, Starlette], state: EmulatorState) -> None:
    from spapi.api.sellers_v1.sellers_api import SellersApi

    before = state.lwa_exchanges
    client = _sdk_client(live[0])
    api = SellersApi(client.api_client)
    participations = api.get_marketplace_participations()
    ids = [p.marketplace.id for p in participations.payload]
    assert ids == ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"]
    assert participations.payload[0].marketplace.default_currency_code == "USD"
    assert participations.payload[0].participation.is_participating is True
    account = api.get_account()
    assert account.payload.selling_plan == "PROFESSIONAL"
    assert account.payload.business.registered_business_address.country_code == "US"
    assert state.lwa_exchanges == before + 1  # the SDK cached the token


def test_official_sdk_tokens_and_rdt_use(live: tuple[str, Starlette], state: EmulatorState) -> None:
    from spapi.api.tokens_v2021_03_01.tokens_api import TokensApi
    from spapi.models.tokens_v2021_03_01 import (
        CreateRestrictedDataTokenRequest,
        RestrictedResource,
    )

    client = _sdk_client(live[0])
    api = TokensApi(client.api_client)
    request = CreateRestrictedDataTokenRequest(
        restricted_resources=[RestrictedResource(method="GET", path="/mfn/v0/shipments/SHIP9")]
    )
    result = api.create_restricted_data_token(request)
    assert result.restricted_data_token.startswith("Atz.sprdt|")
    assert result.expires_in == 3600
    covered = httpx.get(
        f"{live[0]}/mfn/v0/shipments/SHIP9",
        headers={"x-amz-access-token": result.restricted_data_token},
    )
    assert covered.json() == {"covered": "/mfn/v0/shipments/SHIP9"}


def test_official_sdk_sees_api_errors(live: tuple[str, Starlette], state: EmulatorState) -> None:
    from spapi.api.sellers_v1.sellers_api import SellersApi
    from spapi.rest import ApiException

    api = SellersApi(_sdk_client(live[0]).api_client)
    state.faults.set("sellers.getAccount", throttle_rate=1.0, remaining=1)
    with pytest.raises(ApiException) as info:
        api.get_account()
    assert info.value.status == 429
    assert b"QuotaExceeded" in (
        info.value.body if isinstance(info.value.body, bytes) else info.value.body.encode()
    )


def _token(base_url: str) -> str:
    response = httpx.post(
        f"{base_url}/auth/o2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": DEMO_REFRESH_TOKEN,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": DEMO_CLIENT_SECRET,
        },
    )
    token: str = response.json()["access_token"]
    return token


def test_reset_over_a_real_socket(live: tuple[str, Starlette], state: EmulatorState) -> None:
    base_url = live[0]
    headers = {"x-amz-access-token": _token(base_url)}
    state.faults.set("sellers.getAccount", reset_rate=1.0, remaining=1)
    with httpx.Client(base_url=base_url) as client:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            client.get("/sellers/v1/account", headers=headers)
        # The server survives and the next call on a new connection works.
        assert client.get("/sellers/v1/account", headers=headers).status_code == 200


def test_truncated_body_over_a_real_socket(
    live: tuple[str, Starlette], state: EmulatorState
) -> None:
    base_url = live[0]
    headers = {"x-amz-access-token": _token(base_url)}
    state.faults.set("sellers.getAccount", truncate_rate=1.0, remaining=1)
    with httpx.Client(base_url=base_url) as client:
        with pytest.raises(httpx.RemoteProtocolError, match=r"incomplete|complete message"):
            client.get("/sellers/v1/account", headers=headers)
        assert client.get("/sellers/v1/account", headers=headers).status_code == 200


def test_truncated_stream_over_a_real_socket(
    live: tuple[str, Starlette], state: EmulatorState
) -> None:
    doc_id = state.documents.register_generated(
        synthetic_tsv(2_000_000), "text/plain", size=2_000_000
    )
    state.faults.set("documents.download", truncate_rate=1.0, remaining=1)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(state.documents.download_url(doc_id))


def test_runtime_faults_and_documents_over_http(
    live: tuple[str, Starlette], state: EmulatorState
) -> None:
    base_url = live[0]
    headers = {"x-amz-access-token": _token(base_url)}
    with httpx.Client(base_url=base_url) as client:
        client.post("/_emulator/faults", json={"sellers.*": {"error_rate": 1, "error_status": 503}})
        assert client.get("/sellers/v1/account", headers=headers).status_code == 503
        client.delete("/_emulator/faults")
        assert client.get("/sellers/v1/account", headers=headers).status_code == 200
    # Presigned URLs carry the host the client used.
    content = b"col\n" + b"value\n" * 10000
    doc_id = state.documents.put_document(content, "text/plain", compression="GZIP")
    url = state.documents.download_url(doc_id)
    assert url.startswith(base_url)
    assert gzip.decompress(httpx.get(url).content) == content
