"""Two real gateway processes (``mws-gateway serve``) sharing one Redis, as two pods would.

* Concurrent load spread over both admits exactly the MWS quota between them.
* Redis going away turns both /readyz false and calls into ServiceUnavailable; both recover
  by themselves when it is back.

Redis is a private ``redis-server`` on a free port, so the default key prefix the gateway uses
cannot collide with other test runs on this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.catalog import load_catalog
from tests.state.servers import ThrowawayRedis, free_port
from tests.support.signing import encode, signed_params

pytestmark = [pytest.mark.anyio, pytest.mark.services, pytest.mark.live]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class GatewayProcess:
    def __init__(self, redis_url: str, data_dir: Path) -> None:
        self.port = free_port()
        self.log = data_dir / "gateway.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            MWS_GATEWAY_REDIS_URL=redis_url,
            MWS_GATEWAY_DATA_DIR=str(data_dir),
            MWS_GATEWAY_TOKEN_KEY="shared-token-key",
            MWS_GATEWAY_LOG_LEVEL="warning",
        )
        script = Path(sys.executable).with_name("mws-gateway")
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [str(script), "serve", "--demo", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {self.log.read_text(errors='replace')}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError("gateway did not become ready")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def gateways(private_redis: ThrowawayRedis, tmp_path: Path) -> Iterator[list[GatewayProcess]]:
    procs = [GatewayProcess(private_redis.url, tmp_path / f"replica{i}") for i in range(2)]
    try:
        for proc in procs:
            proc.wait_ready()
        yield procs
    finally:
        for proc in procs:
            proc.stop()


def service_status_routes() -> list[tuple[str, str, int]]:
    """(path, version, burst max) of every section's local GetServiceStatus."""
    catalog = load_catalog(check_handlers=False)
    routes = []
    for section in catalog.sections.values():
        op = section.operations.get("GetServiceStatus")
        if op is None or op.target.kind != "local" or op.throttle.hourly is not None:
            continue
        version = section.versions[-1]
        routes.append((version.paths[0], version.version, op.throttle.max))
    return routes


async def call(http: httpx.AsyncClient, gw: GatewayProcess, path: str, version: str) -> int:
    host = f"127.0.0.1:{gw.port}"
    params = signed_params("GetServiceStatus", version, path, host=host)
    response = await http.get(f"{gw.base}{path}?{encode(params)}")
    if response.status_code != 200:
        assert b"RequestThrottled" in response.content, response.text
    return response.status_code


async def test_two_gateways_admit_exactly_the_quota(gateways: list[GatewayProcess]) -> None:
    routes = service_status_routes()
    assert len(routes) >= 5
    per_route = 12
    async with httpx.AsyncClient(timeout=30) as http:
        jobs = [
            call(http, gateways[i % 2], path, version)
            for path, version, _ in routes
            for i in range(per_route)
        ]
        statuses = await asyncio.gather(*jobs)
    admitted = statuses.count(200)
    # restore is one request per 300 s: nothing comes back while the test runs
    assert admitted == sum(burst for _, _, burst in routes)
    assert statuses.count(503) == len(statuses) - admitted


async def test_redis_outage_makes_both_unready_then_both_recover(
    gateways: list[GatewayProcess], private_redis: ThrowawayRedis
) -> None:
    path, version, _ = service_status_routes()[0]
    async with httpx.AsyncClient(timeout=30) as http:
        private_redis.stop()
        for gw in gateways:
            assert (await http.get(f"{gw.base}/readyz")).status_code == 503
            host = f"127.0.0.1:{gw.port}"
            params = signed_params("GetServiceStatus", version, path, host=host)
            down = await http.get(f"{gw.base}{path}?{encode(params)}")
            assert down.status_code == 503
            assert b"<Code>ServiceUnavailable</Code>" in down.content
        private_redis.start()
        for gw in gateways:
            assert (await http.get(f"{gw.base}/readyz")).status_code == 200
            host = f"127.0.0.1:{gw.port}"
            params = signed_params("GetServiceStatus", version, path, host=host)
            assert (await http.get(f"{gw.base}{path}?{encode(params)}")).status_code == 200
