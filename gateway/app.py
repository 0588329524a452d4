"""The Starlette application: MWS on every section path, plus /healthz, /readyz, /metrics."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from gateway.catalog import Catalog, load_catalog, resolve_handler
from gateway.config import Settings
from gateway.health import HealthBoard
from gateway.metrics import CONTENT_TYPE_LATEST, Metrics
from gateway.pipeline import Pipeline
from gateway.state.base import BackendUnavailable, QuotaBackend, Store
from gateway.state.factory import build_cache, build_quota_backend, build_store
from gateway.translate.engine.call import Services

log = structlog.get_logger("mws_gateway.app")

OPERATIONS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class GatewayApp(Starlette):
    """Starlette, with MWS traffic sent straight to the pipeline.

    Every path but the operations endpoints is MWS, and the pipeline already turns every
    failure into an MWS ErrorResponse, so MWS requests skip the router and the error
    middlewares (a measurable share of the local path's cost)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] not in OPERATIONS_PATHS:
            scope["app"] = self
            response = await self.state.pipeline.handle(Request(scope, receive, send))
            await response(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


@contextlib.asynccontextmanager
async def _bridge(app: Starlette, services: Services, metrics: Metrics) -> AsyncIterator[None]:
    """The notification bridge inside the gateway, when configured so (the demo)."""
    service = services.notifications
    if service is None or not services.settings.notifications.bridge.in_process:
        yield
        return
    import asyncio

    from gateway.notifications.bridge import Bridge, BridgeMetrics

    bridge = Bridge(service, services.store, services.catalog, BridgeMetrics(metrics.registry))
    app.state.bridge = bridge
    stop = asyncio.Event()
    task = asyncio.create_task(bridge.run(stop), name="notification-bridge")
    try:
        yield
    finally:
        stop.set()
        # a message being handled is finished; a long poll in progress is abandoned (what it
        # received comes back after the visibility timeout)
        done, _ = await asyncio.wait({task}, timeout=2.0)
        if not done:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def create_app(
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    upstream_transport: httpx.AsyncBaseTransport | None = None,
    quotas: QuotaBackend | None = None,
    store: Store | None = None,
    notifications: Any = None,
) -> GatewayApp:
    """Build the gateway app. In embedded-emulator mode the SP-API emulator runs in-process.

    ``upstream_transport`` replaces the network for SP-API calls (tests, benchmarks); the
    emulator app built for embedded mode is exposed as ``app.state.emulator_app``.
    ``notifications``: a :class:`gateway.notifications.service.NotificationService` to use
    (default: one built from ``settings.notifications`` when a source queue is configured).
    With ``notifications.bridge.in_process`` the bridge runs inside the app (the demo).
    """
    catalog = catalog or load_catalog(settings.mappings_dir)
    metrics = Metrics()
    health = HealthBoard()
    quota_backend = quotas or build_quota_backend(settings.redis_url)
    durable = store or build_store(settings.database_url, settings.data_dir)

    emulator_app: Any = None
    if upstream_transport is None and settings.embedded_emulator:
        from gateway.emulator.app import create_emulator_app
        from gateway.emulator.config import EmulatorConfig

        # Production-like per-operation limits, the same table the gateway paces itself by;
        # notifications go to the SQS server the gateway uses.
        emulator_app = create_emulator_app(
            EmulatorConfig(
                rate_mode="production",
                sqs_endpoint=settings.notifications.sqs_endpoint,
                sqs_region=settings.notifications.region,
            )
        )
        upstream_transport = httpx.ASGITransport(app=emulator_app)

    from gateway.spapi.client import SpApiClient

    spapi = SpApiClient.from_catalog(settings, catalog, health, transport=upstream_transport)
    if notifications is None and settings.notifications.enabled:
        from gateway.notifications.service import NotificationService

        notifications = NotificationService(settings.notifications)
    services = Services(
        settings=settings,
        catalog=catalog,
        health=health,
        quotas=quota_backend,
        store=durable,
        spapi=spapi,
        cache=build_cache(settings.redis_url, settings.token_key, settings.order_cache_max_entries)
        if settings.order_cache_seconds > 0
        else None,
        notifications=notifications,
    )
    pipeline = Pipeline(services, metrics)

    async def healthz(_: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def readyz(_: Request) -> Response:
        checks: dict[str, str] = {}
        ready = True
        for name, backend in (("quotas", quota_backend), ("store", durable)):
            try:
                await backend.ping()
                checks[name] = "ok"
            except BackendUnavailable as exc:
                checks[name] = f"unavailable: {exc}"
                ready = False
        if pipeline.draining:  # shutting down: stop routing here, in-flight calls finish
            checks["shutdown"] = "draining"
            ready = False
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    async def metrics_endpoint(_: Request) -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            await durable.open()
        except BackendUnavailable as exc:
            # Start not-ready instead of crash-looping; the store opens itself once its
            # server is back, and /readyz reports the outage meanwhile.
            log.warning("store_unavailable_at_start", backend=durable.name, error=str(exc))
        try:
            async with services.background.running():
                for section in catalog.sections.values():
                    for hook in section.on_start:
                        try:
                            await resolve_handler(hook)(services)
                        except Exception:  # resumable work waits for the next start
                            log.exception("start_hook_failed", hook=hook)
                async with _bridge(app, services, metrics):
                    yield
        finally:
            emulator = getattr(app.state, "emulator_app", None)
            if emulator is not None and emulator is emulator_app:
                from gateway.emulator import notifications as emulated

                await emulated.close(emulator.state.emulator)
            if notifications is not None and notifications is services.notifications:
                notifications.close()
            await spapi.aclose()
            await durable.close()
            await quota_backend.close()
            if services.cache is not None:
                await services.cache.close()

    routes = [
        Route("/healthz", healthz, methods=["GET", "HEAD"]),
        Route("/readyz", readyz, methods=["GET", "HEAD"]),
        Route("/metrics", metrics_endpoint, methods=["GET"]),
    ]
    app = GatewayApp(routes=routes, lifespan=lifespan)
    app.state.services = services
    app.state.metrics = metrics
    app.state.pipeline = pipeline
    app.state.emulator_app = emulator_app
    return app
