"""The emulator application: `create_emulator_app(config)`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Receive, Scope, Send

from gateway.emulator import (
    admin,
    catalog,
    easyship,
    feeds,
    fees,
    finances,
    inbound,
    inventory,
    lwa,
    mfn,
    notifications,
    orders,
    outbound,
    pricing,
    reports,
    sellers,
    shipment_invoicing,
    tokens,
)
from gateway.emulator.common import error_response
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.faults import RAW_SEND_KEY
from gateway.emulator.presigned import document_routes
from gateway.emulator.state import EmulatorState


class EmulatorApp(Starlette):
    """Starlette app that remembers the server's own `send` (needed to drop connections)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope[RAW_SEND_KEY] = send
            state: EmulatorState = self.state.emulator
            if state.config.public_base_url is None:
                state.documents.base_url = _base_url(scope)
        await super().__call__(scope, receive, send)


def _base_url(scope: Scope) -> str:
    host = ""
    for key, value in scope.get("headers", []):
        if key == b"host":
            host = value.decode("latin-1")
            break
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


async def _not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, "NotFound", "The requested resource was not found.")


async def _method_not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(405, "MethodNotAllowed", "The HTTP method is not allowed.")


def create_emulator_app(config: EmulatorConfig | None = None) -> Starlette:
    """A fresh emulator (own state) for the given config (demo defaults when None)."""
    state = EmulatorState.create(config)
    # jobs a subscription's ticker moves on when nobody polls them
    notifications.register_tickers(state, feeds.advance_all, reports.advance_all)
    notifications.register_tickers(state, outbound.advance_all)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await notifications.close(state)
            state.documents.close()

    routes: list[BaseRoute] = [
        *lwa.routes,
        *tokens.routes,
        *sellers.routes,
        *orders.routes,
        *reports.routes,
        *feeds.routes,
        *inventory.routes,
        *finances.routes,
        *outbound.routes,
        *inbound.routes,
        *mfn.routes,
        *easyship.routes,
        *shipment_invoicing.routes,
        *pricing.routes,
        *catalog.routes,
        *notifications.routes,
        *fees.routes,
        *document_routes(lambda request: state.documents),
    ]
    if state.config.admin_enabled:
        routes.extend(admin.routes)
        routes.extend(notifications.admin_routes)
    handlers: dict[Any, Any] = {404: _not_found, 405: _method_not_allowed}
    app = EmulatorApp(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    app.state.emulator = state
    return app
