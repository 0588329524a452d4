"""``mws-gateway bridge``'s own /metrics and /healthz."""

from __future__ import annotations

import httpx
import pytest

from gateway.notifications.bridge import BridgeMetrics
from gateway.notifications.worker import _http

pytestmark = pytest.mark.anyio


async def test_metrics_and_health() -> None:
    metrics = BridgeMetrics()
    metrics.received.inc(3)
    metrics.delivered.labels("AnyOfferChanged").inc(2)
    metrics.failed.labels("target_unavailable").inc()
    metrics.lag.observe(1.5)
    healthy = {"ok": True}
    server = await _http("127.0.0.1", 0, metrics.registry, lambda: healthy["ok"])
    port = server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            text = (await client.get("/metrics")).text
            assert "mws_gateway_bridge_received_total 3.0" in text
            assert (
                'mws_gateway_bridge_delivered_total{notification_type="AnyOfferChanged"} 2.0'
                in text
            )
            assert 'mws_gateway_bridge_failed_total{reason="target_unavailable"} 1.0' in text
            assert "mws_gateway_bridge_lag_seconds_count 1.0" in text
            assert (await client.get("/healthz")).status_code == 200
            healthy["ok"] = False
            stalled = await client.get("/healthz")
            assert (stalled.status_code, stalled.text) == (503, "stalled\n")
            assert (await client.get("/other")).status_code == 404
    finally:
        server.close()
