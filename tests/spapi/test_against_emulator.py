"""SpApiClient against the real in-process SP-API emulator (ASGITransport)."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest
import yaml

from gateway.audit import AuditTrail
from gateway.config import settings_from_document
from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_REFRESH_TOKEN,
    DEMO_SELLER_ID,
    EmulatorConfig,
    FaultSpec,
)
from gateway.health import HealthBoard
from gateway.spapi.client import SpApiClient
from gateway.spapi.errors import UpstreamError
from tests.spapi.fakes import MAPPINGS, table

pytestmark = pytest.mark.anyio
OP = "sellers.getMarketplaceParticipations"


def build(rate_mode: str = "off", budget: float = 2.0):  # type: ignore[no-untyped-def]
    app = create_emulator_app(EmulatorConfig(rate_mode=rate_mode))  # type: ignore[arg-type]
    settings = settings_from_document(
        {
            "upstream": {
                "mode": "emulator",
                "emulator_url": "http://emulator.test",
                "timeout_seconds": 0.3,
                "retry_budget_seconds": budget,
            },
            "access_keys": {"AKIA": {"secret": "x", "sellers": {DEMO_SELLER_ID: {}}}},
            "sellers": {
                DEMO_SELLER_ID: {
                    "marketplaces": ["ATVPDKIKX0DER"],
                    "lwa": {
                        "client_id": DEMO_CLIENT_ID,
                        "client_secret": DEMO_CLIENT_SECRET,
                        "refresh_token": DEMO_REFRESH_TOKEN,
                    },
                }
            },
        }
    )
    client = SpApiClient(
        settings,
        marketplaces=yaml.safe_load((MAPPINGS / "marketplaces.yaml").read_text()),
        rate_limits=table("spapi/rate_limits"),
        error_table=table("spapi/errors"),
        health=HealthBoard(),
        transport=httpx.ASGITransport(app=app),
        pacing=False,
    )
    client.policy.base_delay = 0.01
    return app, client


async def call(client: SpApiClient) -> object:
    return await client.call(
        seller_id=DEMO_SELLER_ID,
        marketplace_id="ATVPDKIKX0DER",
        section="Sellers",
        operation=OP,
        method="GET",
        path="/sellers/v1/marketplaceParticipations",
        audit=AuditTrail(),
    )


async def test_100_concurrent_calls_one_lwa_exchange_on_emulator() -> None:
    app, client = build()
    results = await asyncio.gather(*(call(client) for _ in range(100)))
    assert len(results) == 100
    assert app.state.emulator.lwa_exchanges == 1
    await client.aclose()


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"throttle_rate": 1.0}, "RequestThrottled"),
        ({"error_rate": 1.0, "error_status": 503}, "ServiceUnavailable"),
        ({"reset_rate": 1.0}, "ServiceUnavailable"),
        ({"truncate_rate": 1.0}, "ServiceUnavailable"),
        ({"malformed_rate": 1.0}, "InternalError"),
        ({"latency_ms": 2000}, "ServiceUnavailable"),
    ],
)
async def test_emulator_faults_map_to_mws_errors_within_budget(fault: dict, code: str) -> None:
    app, client = build(budget=1.0)
    await call(client)  # token cached, healthy
    app.state.emulator.faults[OP] = FaultSpec(**fault)
    started = time.monotonic()
    with pytest.raises(UpstreamError) as info:
        await call(client)
    assert info.value.code == code
    assert time.monotonic() - started < 1.0 + 0.5
    await client.aclose()


async def grantless_call(client: SpApiClient) -> object:
    return await client.call(
        seller_id=DEMO_SELLER_ID,
        marketplace_id="ATVPDKIKX0DER",
        section="Subscriptions",
        operation="notifications.getDestinations",
        method="GET",
        path="/notifications/v1/destinations",
        audit=AuditTrail(),
        grantless="sellingpartnerapi::notifications",
    )


async def test_grantless_calls_share_one_client_credentials_exchange() -> None:
    app, client = build()
    results = await asyncio.gather(*(grantless_call(client) for _ in range(50)))
    assert all(getattr(r, "status", None) == 200 for r in results)
    state = app.state.emulator
    assert state.lwa_exchanges == 1  # one client_credentials exchange, cached and shared
    assert state.lwa_exchanges_by_seller == {}  # no seller's refresh token was used
    [token] = [t for t in state.tokens._tokens.values() if t.kind == "grantless"]
    assert token.scope == "sellingpartnerapi::notifications"
    await call(client)  # a seller call still takes the seller's own token
    assert state.lwa_exchanges == 2 and state.lwa_exchanges_by_seller[DEMO_SELLER_ID] == 1
    await client.aclose()


async def test_a_rejected_grantless_token_is_exchanged_again_once() -> None:
    app, client = build()
    await grantless_call(client)
    app.state.emulator.tokens.expire_all()  # SP-API answers 403 to the cached token
    assert getattr(await grantless_call(client), "status", None) == 200
    assert app.state.emulator.lwa_exchanges == 2
    await client.aclose()
