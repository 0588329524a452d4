"""Sellers API against its model."""

from __future__ import annotations

import httpx
import pytest

from tests.emulator.helpers import auth
from tests.emulator.modelcheck import validate_against_model

pytestmark = pytest.mark.anyio


async def test_marketplace_participations(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/sellers/v1/marketplaceParticipations", headers=auth(token))
    assert response.status_code == 200
    body = response.json()
    validate_against_model("sellers.json", "getMarketplaceParticipations", 200, body)
    ids = [p["marketplace"]["id"] for p in body["payload"]]
    assert ids == ["ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"]
    assert all(p["participation"]["isParticipating"] for p in body["payload"])
    assert response.headers["content-type"] == "application/json"
    assert len(response.headers["x-amzn-RequestId"]) == 36


async def test_account(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/sellers/v1/account", headers=auth(token))
    assert response.status_code == 200
    validate_against_model("sellers.json", "getAccount", 200, response.json())


async def test_unknown_path_is_an_sp_api_404(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get("/sellers/v1/nothing", headers=auth(token))
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"


async def test_request_ids_are_unique(client: httpx.AsyncClient, token: str) -> None:
    ids = {
        (await client.get("/sellers/v1/account", headers=auth(token))).headers["x-amzn-RequestId"]
        for _ in range(5)
    }
    assert len(ids) == 5
