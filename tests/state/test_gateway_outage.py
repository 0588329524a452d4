"""Through the gateway: Redis and PostgreSQL going away turn /readyz false and MWS calls into
ServiceUnavailable; when they come back the same process recovers by itself."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.state.quota_redis import RedisQuotaBackend
from gateway.state.store_postgres import PostgresStore
from tests.state.conftest import proxied_url
from tests.state.servers import TcpProxy, ThrowawayRedis
from tests.support.gateway import MwsClient, demo_settings

pytestmark = [pytest.mark.anyio, pytest.mark.services]


async def test_gateway_readyz_and_service_unavailable_then_recovery(
    tmp_path: Path, private_redis: ThrowawayRedis, pg_proxy: TcpProxy, pg_schema: str
) -> None:
    quotas = RedisQuotaBackend(private_redis.url, timeout=1.0)
    store = PostgresStore(proxied_url(pg_proxy), schema=pg_schema, timeout=2.0)
    app = create_app(demo_settings(tmp_path), quotas=quotas, store=store)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            mws = MwsClient(http, app)
            ok = await mws.call("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01")
            assert ok.status_code == 200
            assert (await http.get("/readyz")).status_code == 200

            private_redis.stop()
            await pg_proxy.cut()
            ready = await http.get("/readyz")
            assert ready.status_code == 503
            checks = ready.json()["checks"]
            assert checks["quotas"].startswith("unavailable")
            assert checks["store"].startswith("unavailable")
            down = await mws.call("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01")
            assert down.status_code == 503
            assert b"<Code>ServiceUnavailable</Code>" in down.content

            private_redis.start()
            await pg_proxy.restore()
            assert (await http.get("/readyz")).status_code == 200
            again = await mws.call("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01")
            assert again.status_code == 200
