"""A scriptable fake SP-API + LWA endpoint behind httpx.MockTransport, and client builders."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import yaml

from gateway.config import Settings, settings_from_document
from gateway.health import HealthBoard, HealthConfig
from gateway.spapi.client import SpApiClient

REPO = Path(__file__).resolve().parents[2]
MAPPINGS = REPO / "mappings"
SELLER = "A1TESTSELLER"
BASE = "http://spapi.test"
CLIENT_SECRET = "lwa-client-secret-XYZZY"
REFRESH_TOKEN = "Atzr|refresh-token-PLUGH"


def table(name: str) -> Any:
    return yaml.safe_load((MAPPINGS / f"{name}.yaml").read_text())


def make_settings(**upstream: Any) -> Settings:
    up = {
        "mode": "emulator",
        "emulator_url": BASE,
        "timeout_seconds": 1.0,
        "connect_timeout_seconds": 0.5,
        "retry_budget_seconds": 3.0,
        "max_attempts": 4,
    }
    up.update(upstream)
    return settings_from_document(
        {
            "upstream": up,
            "access_keys": {"AKIATEST": {"secret": "s3cr3t", "sellers": {SELLER: {}}}},
            "sellers": {
                SELLER: {
                    "marketplaces": ["ATVPDKIKX0DER", "A1PA6795UKMFR9"],
                    "lwa": {
                        "client_id": "amzn1.application-oa2-client.test",
                        "client_secret": CLIENT_SECRET,
                        "refresh_token": REFRESH_TOKEN,
                    },
                }
            },
        }
    )


def make_client(
    transport: httpx.AsyncBaseTransport,
    *,
    health: HealthBoard | None = None,
    pacing: bool = True,
    rate_limits: Any = None,
    **upstream: Any,
) -> SpApiClient:
    settings = make_settings(**upstream)
    client = SpApiClient(
        settings,
        marketplaces=yaml.safe_load((MAPPINGS / "marketplaces.yaml").read_text()),
        rate_limits=rate_limits if rate_limits is not None else table("spapi/rate_limits"),
        error_table=table("spapi/errors"),
        health=health or HealthBoard(HealthConfig()),
        transport=transport,
        pacing=pacing,
    )
    client.policy.base_delay = 0.01
    client.policy.max_delay = 0.05
    return client


Handler = Callable[[httpx.Request], Awaitable[httpx.Response]]


class FakeSpApi:
    """LWA at /auth/o2/token; every other path answered by ``self.api`` (replaceable)."""

    def __init__(self) -> None:
        self.exchanges = 0
        self.token_serial = 0
        self.valid_tokens: set[str] = set()
        self.lwa_delay = 0.0
        self.lwa_response: Callable[[], httpx.Response] | None = None
        self.hits: list[httpx.Request] = []
        self.api: Handler = self.ok
        self.rdts: dict[str, Any] = {}

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            self.exchanges += 1
            if self.lwa_delay:
                await asyncio.sleep(self.lwa_delay)
            if self.lwa_response is not None:
                return self.lwa_response()
            form = dict(x.split("=", 1) for x in request.content.decode().split("&"))
            assert form["grant_type"] == "refresh_token"
            self.token_serial += 1
            token = f"Atza|access-{self.token_serial}"
            self.valid_tokens.add(token)
            return httpx.Response(
                200, json={"access_token": token, "token_type": "bearer", "expires_in": 3600}
            )
        self.hits.append(request)
        token = request.headers.get("x-amz-access-token", "")
        if request.url.path == "/tokens/2021-03-01/restrictedDataToken":
            if token not in self.valid_tokens:
                return unauthorized()
            rdt = f"Atz.sprdt|rdt-{len(self.rdts) + 1}"
            self.rdts[rdt] = json.loads(request.content)
            return httpx.Response(200, json={"restrictedDataToken": rdt, "expiresIn": 3600})
        if token not in self.valid_tokens and token not in self.rdts:
            return unauthorized()
        return await self.api(request)

    async def ok(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200,
            json={"payload": [{"marketplace": {"id": "ATVPDKIKX0DER"}}]},
            headers={"x-amzn-RequestId": f"req-{len(self.hits)}"},
        )


def unauthorized() -> httpx.Response:
    return httpx.Response(
        403,
        json={
            "errors": [
                {
                    "code": "Unauthorized",
                    "message": "Access to requested resource is denied.",
                    "details": "The access token you provided is revoked.",
                }
            ]
        },
    )


def api_error(status: int, code: str, message: str = "boom") -> httpx.Response:
    return httpx.Response(status, json={"errors": [{"code": code, "message": message}]})
