"""Small helpers for tests that talk to the emulator (in-process or live)."""

from __future__ import annotations

from typing import Any

import httpx

from gateway.emulator.config import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_REFRESH_TOKEN


def refresh_form(refresh_token: str = DEMO_REFRESH_TOKEN, **extra: str) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        **extra,
    }


async def get_lwa_token(client: httpx.AsyncClient, refresh_token: str = DEMO_REFRESH_TOKEN) -> str:
    """An LWA access token for the demo app (raises on failure)."""
    response = await client.post("/auth/o2/token", data=refresh_form(refresh_token))
    response.raise_for_status()
    token: str = response.json()["access_token"]
    return token


async def get_rdt(client: httpx.AsyncClient, token: str, resources: list[dict[str, Any]]) -> str:
    response = await client.post(
        "/tokens/2021-03-01/restrictedDataToken",
        headers={"x-amz-access-token": token},
        json={"restrictedResources": resources},
    )
    response.raise_for_status()
    rdt: str = response.json()["restrictedDataToken"]
    return rdt


def auth(token: str) -> dict[str, str]:
    return {"x-amz-access-token": token}
