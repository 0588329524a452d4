"""Token-bucket rate limiting: sandbox and production plans, 429 QuotaExceeded."""

from __future__ import annotations

import httpx
import pytest

from gateway.emulator.config import (
    DEMO_CLIENT_ID,
    PRODUCTION_RATE_LIMITS,
    RATE_TABLE_MODELS,
    EmulatorConfig,
    RateLimit,
    RefreshGrant,
)
from gateway.emulator.ratelimit import RateLimiter
from gateway.emulator.state import EmulatorState
from tests.emulator.conftest import ANCHOR
from tests.emulator.helpers import auth, get_lwa_token
from tests.emulator.modelcheck import usage_plan, validate_against_model

pytestmark = pytest.mark.anyio
SELLERS = "/sellers/v1/marketplaceParticipations"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    config = EmulatorConfig(data_anchor=ANCHOR)
    config.refresh_tokens["Atzr|second"] = RefreshGrant("A2SECONDSELLER", DEMO_CLIENT_ID)
    return config


async def test_sandbox_plan_allows_burst_then_429(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    statuses = [(await client.get(SELLERS, headers=auth(token))).status_code for _ in range(15)]
    assert statuses == [200] * 15
    throttled = await client.get(SELLERS, headers=auth(token))
    assert throttled.status_code == 429
    assert throttled.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    assert "x-amzn-RateLimit-Limit" not in throttled.headers
    assert throttled.headers["x-amzn-RequestId"]
    validate_against_model("sellers.json", "getMarketplaceParticipations", 429, throttled.json())
    assert emulator.throttled["sellers.getMarketplaceParticipations"] == 1
    # 5 tokens per second come back.
    emulator.clock.advance(1.0)
    refilled = [(await client.get(SELLERS, headers=auth(token))).status_code for _ in range(6)]
    assert refilled == [200] * 5 + [429]


async def test_buckets_are_per_operation_and_per_seller(
    client: httpx.AsyncClient, token: str
) -> None:
    for _ in range(15):
        await client.get(SELLERS, headers=auth(token))
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 429
    assert (await client.get("/sellers/v1/account", headers=auth(token))).status_code == 200
    other = await get_lwa_token(client, "Atzr|second")
    assert (await client.get(SELLERS, headers=auth(other))).status_code == 200


async def test_production_mode_uses_the_operation_table(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.config.rate_mode = "production"
    emulator.config.rate_limits["sellers.getMarketplaceParticipations"] = RateLimit(0.016, 2)
    first = await client.get(SELLERS, headers=auth(token))
    assert first.headers["x-amzn-RateLimit-Limit"] == "0.016"
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 429
    emulator.clock.advance(1 / 0.016)
    assert (await client.get(SELLERS, headers=auth(token))).status_code == 200


async def test_off_mode_never_throttles(
    client: httpx.AsyncClient, token: str, emulator: EmulatorState
) -> None:
    emulator.config.rate_mode = "off"
    statuses = {(await client.get(SELLERS, headers=auth(token))).status_code for _ in range(40)}
    assert statuses == {200}


def test_bucket_refill_is_capped_at_burst() -> None:
    now = [0.0]
    limiter = RateLimiter(clock=lambda: now[0])
    limit = RateLimit(1.0, 3)
    assert [limiter.try_acquire("op", "s", limit) for _ in range(4)] == [True] * 3 + [False]
    now[0] = 100.0
    assert [limiter.try_acquire("op", "s", limit) for _ in range(4)] == [True] * 3 + [False]


@pytest.mark.parametrize("key", sorted(PRODUCTION_RATE_LIMITS))
def test_production_table_matches_the_models(key: str) -> None:
    section, operation_id = key.split(".", 1)
    plan = usage_plan(RATE_TABLE_MODELS[section], operation_id)
    limit = PRODUCTION_RATE_LIMITS[key]
    assert plan == (limit.rate, limit.burst)
