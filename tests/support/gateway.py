"""Building demo gateways for tests: in memory (ASGI) or live (uvicorn)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.catalog import default_mappings_dir
from gateway.config import Settings, load_settings
from tests.support.signing import encode, signed_params


def local_only_mappings(target: Path) -> Path:
    """A copy of the mapping tables where every translated target is ``unsupported``.

    Front-door tests use it so they exercise routing, authentication and quotas without
    depending on any translation handler."""
    source = default_mappings_dir()
    shutil.copytree(source, target)
    for path in (target / "sections").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        for entry in doc["operations"].values():
            op_target = entry["target"]
            if op_target["kind"] == "spapi":
                entry["target"] = {"kind": "unsupported", "note": "disabled in this test"}
        path.write_text(yaml.safe_dump(doc))
    return target


def demo_settings(data_dir: Path, **overrides: Any) -> Settings:
    base: dict[str, Any] = {"data_dir": str(data_dir), "token_key": "test-token-key"}
    base.update(overrides)
    return load_settings(demo=True, env={}, overrides=base)


class MwsClient:
    """Signs and sends MWS requests to an ASGI gateway (host line ``testserver``)."""

    def __init__(self, http: httpx.AsyncClient, app: Starlette) -> None:
        self.http = http
        self.app = app

    @property
    def emulator(self) -> Any:
        return self.app.state.emulator_app.state.emulator

    async def call(
        self,
        path: str,
        action: str,
        version: str,
        params: Mapping[str, str] | None = None,
        *,
        method: str = "GET",
        in_body: bool = False,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        **sign_kwargs: Any,
    ) -> httpx.Response:
        signed = signed_params(action, version, path, params, method=method, **sign_kwargs)
        if method == "GET":
            return await self.http.get(f"{path}?{encode(signed)}", headers=headers)
        if in_body:
            hdrs = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
            hdrs.update(headers or {})
            return await self.http.post(path, content=encode(signed), headers=hdrs)
        return await self.http.post(
            f"{path}?{encode(signed)}", content=body or b"", headers=headers
        )


@asynccontextmanager
async def running_gateway(
    settings: Settings,
    *,
    upstream: Callable[[httpx.AsyncBaseTransport], httpx.AsyncBaseTransport] | None = None,
    emulator_app: Any = None,
    **app_kwargs: Any,
) -> AsyncIterator[MwsClient]:
    """The app under an ASGI client. ``upstream`` wraps the transport to the embedded emulator
    (a test that needs to see or change SP-API traffic on its way); ``emulator_app`` reuses
    an emulator (SP-API that outlives a gateway restart)."""
    if upstream is not None or emulator_app is not None:
        from gateway.emulator.app import create_emulator_app
        from gateway.emulator.config import EmulatorConfig

        if emulator_app is None:
            emulator_app = create_emulator_app(EmulatorConfig(rate_mode="production"))
        inner: httpx.AsyncBaseTransport = httpx.ASGITransport(app=emulator_app)
        transport = upstream(inner) if upstream is not None else inner
        app = create_app(settings, upstream_transport=transport, **app_kwargs)
        app.state.emulator_app = emulator_app
    else:
        app = create_app(settings, **app_kwargs)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield MwsClient(http, app)
