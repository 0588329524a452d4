"""``mws-gateway bridge``: the notification bridge as its own process.

It opens the durable store the gateway uses (the registry of subscriptions lives there),
resolves the source queue and runs :class:`gateway.notifications.bridge.Bridge` until SIGTERM
or SIGINT; a message being handled is finished first, one received but not handled yet is
made visible again. ``GET /metrics`` (Prometheus) and ``GET /healthz`` (200 while the loop
has polled within twice its long-poll time plus the visibility timeout) are served on
``notifications.bridge.metrics_port`` (0: no HTTP server).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time

import structlog
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from gateway.catalog import load_catalog
from gateway.config import Settings
from gateway.notifications.bridge import Bridge, BridgeMetrics
from gateway.notifications.service import NotificationService
from gateway.state.base import BackendUnavailable
from gateway.state.factory import build_store

log = structlog.get_logger("mws_gateway.bridge")


async def _http(
    host: str, port: int, registry: CollectorRegistry, healthy: object
) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=5)
            while (await asyncio.wait_for(reader.readline(), timeout=5)) not in (b"\r\n", b""):
                pass
            parts = line.decode("latin-1").split()
            path = parts[1] if len(parts) > 1 else "/"
            if path.startswith("/metrics"):
                status, ctype, body = "200 OK", CONTENT_TYPE_LATEST, generate_latest(registry)
            elif path.startswith("/healthz"):
                ok = bool(healthy() if callable(healthy) else healthy)
                status = "200 OK" if ok else "503 Service Unavailable"
                ctype, body = "text/plain", (b"ok\n" if ok else b"stalled\n")
            else:
                status, ctype, body = "404 Not Found", "text/plain", b"not found\n"
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)


async def serve(settings: Settings, *, stop: asyncio.Event | None = None) -> int:
    """Run the bridge until ``stop`` (or a signal); returns the process exit code."""
    catalog = load_catalog(settings.mappings_dir)
    store = build_store(settings.database_url, settings.data_dir)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    while True:
        try:
            await store.open()
            break
        except BackendUnavailable as exc:
            log.warning("bridge.store_unavailable", error=str(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=5)
            if stop.is_set():
                return 0
    service = NotificationService(settings.notifications)
    metrics = BridgeMetrics(CollectorRegistry())
    bridge = Bridge(service, store, catalog, metrics)
    cfg = settings.notifications.bridge
    stale = 2 * cfg.wait_seconds + cfg.visibility_timeout + 30

    def healthy() -> bool:
        return time.time() - bridge.alive_at < stale

    server = None
    if cfg.metrics_port:
        server = await _http(settings.host, cfg.metrics_port, metrics.registry, healthy)
    try:
        await bridge.run(stop)
    finally:
        if server is not None:
            server.close()
        service.close()
        await store.close()
    return 0
