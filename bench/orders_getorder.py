"""Benchmark: translated MWS GetOrder vs a naive Starlette+httpx pass-through proxy.

Run: ``.venv/bin/python -m bench.orders_getorder [--quick]``; ``make bench`` runs it too.
Goal (issue 4): throughput ratio gateway / proxy >= 1.5.

Starts three processes on 127.0.0.1: the SP-API emulator (rate limits off), the gateway
(``serve --demo`` against that emulator, MWS quota emulation off, SP-API client pacing
relaxed for getOrder through a temporary copy of the mapping tables) and a naive proxy (one
Starlette route that forwards ``GET /orders/{id}`` to the emulator's getOrder with a shared
httpx client and returns the JSON unchanged). Then, side by side in one run, it sends the same
order ids through both with C requests in flight and prints requests per second, the ratio
gateway / proxy, and the SP-API calls per MWS call (from the gateway's ``orders.getOrder``
count on the emulator). Rounds alternate (proxy, gateway, proxy, gateway) after a warm-up
of both, and the best round of each counts, so a noisy neighbour cannot flatter either side.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from bench._procs import free_port, stop_all, wait_http
from bench.runner import BenchResult
from gateway.catalog import default_mappings_dir
from gateway.config import (
    DEMO_ACCESS_KEY,
    DEMO_LWA_CLIENT_ID,
    DEMO_LWA_CLIENT_SECRET,
    DEMO_REFRESH_TOKEN,
    DEMO_SECRET,
    DEMO_SELLER,
)
from gateway.mws.signature import signed_query
from gateway.mws.timestamps import format_millis, from_epoch

GOAL = 1.5
GATEWAY_CMD = (sys.executable, "-m", "gateway.cli", "serve", "--demo")
PROXY_CMD = (sys.executable, "-m", "bench.orders_getorder")


# ----------------------------------------------------------------------------- naive proxy


def serve_proxy(port: int, emulator: str) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    state: dict[str, Any] = {}

    async def order(request: Request) -> Response:
        client: httpx.AsyncClient = state["client"]
        upstream = await client.get(
            f"/orders/2026-01-01/orders/{request.path_params['order_id']}",
            params={"includedData": "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PAYMENT,TAX,PACKAGES"},
            headers={"x-amz-access-token": state["token"]},
        )
        return Response(
            upstream.content,
            status_code=upstream.status_code,
            media_type="application/json",
        )

    async def lifespan(app: Starlette) -> Any:
        async with httpx.AsyncClient(base_url=emulator, timeout=10.0) as client:
            token = await client.post(
                "/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": DEMO_REFRESH_TOKEN,
                    "client_id": DEMO_LWA_CLIENT_ID,
                    "client_secret": DEMO_LWA_CLIENT_SECRET,
                },
            )
            state["client"] = client
            state["token"] = token.json()["access_token"]
            yield

    app = Starlette(routes=[Route("/orders/{order_id}", order)], lifespan=lifespan)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# ----------------------------------------------------------------------------- load


def get_order_url(base: str, order_id: str) -> str:
    params = {
        "AWSAccessKeyId": DEMO_ACCESS_KEY,
        "Action": "GetOrder",
        "SellerId": DEMO_SELLER,
        "Timestamp": format_millis(from_epoch(time.time())),
        "Version": "2013-09-01",
        "AmazonOrderId.Id.1": order_id,
    }
    host = base.split("://", 1)[1]
    query = signed_query(
        secret=DEMO_SECRET, method="GET", host=host, path="/Orders/2013-09-01", params=params
    )
    return f"{base}/Orders/2013-09-01?{query}"


async def drive(urls: list[str], concurrency: int, expect: bytes) -> float:
    """Requests per second for GETting every URL with ``concurrency`` in flight."""
    queue = list(reversed(urls))
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:

        async def worker() -> None:
            while queue:
                url = queue.pop()
                response = await client.get(url)
                if response.status_code != 200 or expect not in response.content:
                    raise RuntimeError(f"bad answer {response.status_code}: {response.text[:300]}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return len(urls) / (time.perf_counter() - started)


def relaxed_mappings(target: Path) -> Path:
    """A copy of the tables with client-side pacing of getOrder out of the way."""
    shutil.copytree(default_mappings_dir(), target)
    path = target / "spapi" / "rate_limits.yaml"
    doc = yaml.safe_load(path.read_text())
    for key, row in (doc.get("operations") or {}).items():
        if key.endswith(".getOrder"):
            row.update({"rate": 100000, "burst": 100000})
    path.write_text(yaml.safe_dump(doc))
    return target


def emulator_count(emu: str, operation: str) -> int:
    stats = httpx.get(f"{emu}/_emulator/stats", timeout=10).json()
    return int(stats.get("calls", {}).get(operation, 0))


def measure(requests: int, concurrency: int, rounds: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="mws-orders-bench-"))
    emu_port, gw_port, px_port = free_port(), free_port(), free_port()
    emu = f"http://127.0.0.1:{emu_port}"
    gw = f"http://127.0.0.1:{gw_port}"
    px = f"http://127.0.0.1:{px_port}"
    env = dict(os.environ)
    env.update(
        {
            "MWS_GATEWAY_EMULATOR_URL": emu,
            "MWS_GATEWAY_DATA_DIR": str(work / "data"),
            "MWS_GATEWAY_LOG_LEVEL": "warning",
            "MWS_GATEWAY_QUOTAS": "off",
            "MWS_GATEWAY_MAPPINGS_DIR": str(relaxed_mappings(work / "mappings")),
        }
    )
    log = (work / "servers.log").open("wb")
    quiet: dict[str, Any] = {"stdout": log, "stderr": subprocess.STDOUT}
    emulator_cmd = [sys.executable, "-m", "gateway.emulator", "--port", str(emu_port)]
    procs = [subprocess.Popen([*emulator_cmd, "--rate-mode", "off"], env=env, **quiet)]
    try:
        try:
            wait_http(emu + "/")  # first: the proxy fetches its LWA token when it starts
            procs.append(
                subprocess.Popen(
                    [*GATEWAY_CMD, "--port", str(gw_port)],
                    env=env,
                    **quiet,
                )
            )
            procs.append(
                subprocess.Popen(
                    [*PROXY_CMD, "--proxy-serve", str(px_port), emu],
                    env=env,
                    **quiet,
                )
            )
            wait_http(gw + "/healthz")
            wait_http(px + "/")
        except RuntimeError as exc:
            tail = (work / "servers.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}; server output: {tail}") from exc
        from gateway.emulator.data import SeedData

        # the emulator's seeded orders (same seed, same day anchor as the server process)
        ids = [o["orderId"] for o in SeedData.generate().orders]
        picks = [ids[i % len(ids)] for i in range(requests)]
        # warm-up of both (connections, caches, the gateway's LWA token)
        asyncio.run(drive([f"{px}/orders/{i}" for i in picks[:50]], concurrency, b'"orderId"'))
        asyncio.run(drive([get_order_url(gw, i) for i in picks[:50]], concurrency, b"<Amazon"))
        gateway_rates: list[float] = []
        proxy_rates: list[float] = []
        gateway_upstream = 0
        for _ in range(rounds):
            proxy_urls = [f"{px}/orders/{i}" for i in picks]
            proxy_rates.append(asyncio.run(drive(proxy_urls, concurrency, b'"orderId"')))
            mid = emulator_count(emu, "orders.getOrder")
            gw_urls = [get_order_url(gw, i) for i in picks]
            gateway_rates.append(asyncio.run(drive(gw_urls, concurrency, b"<AmazonOrderId>")))
            after = emulator_count(emu, "orders.getOrder")
            gateway_upstream += after - mid
    finally:
        stop_all(procs)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "rounds": rounds,
        "gateway": gateway_rates,
        "proxy": proxy_rates,
        "calls_per_call": gateway_upstream / (requests * rounds),
    }


def run(quick: bool) -> list[BenchResult]:
    m = measure(150 if quick else 600, 8, 2 if quick else 3)
    best_gw, best_px = max(m["gateway"]), max(m["proxy"])
    ratio = best_gw / best_px
    detail = (
        f"gateway (signed MWS -> XML) best {best_gw:.0f} req/s (rounds "
        f"{', '.join(f'{r:.0f}' for r in m['gateway'])}) vs naive Starlette+httpx JSON "
        f"pass-through best {best_px:.0f} req/s (rounds "
        f"{', '.join(f'{r:.0f}' for r in m['proxy'])}); {m['rounds']} alternating rounds of "
        f"{m['requests']} requests, {m['concurrency']} in flight, one AmazonOrderId each; "
        f"getOrder calls per GetOrder {m['calls_per_call']:.2f}; emulator rate limits off"
    )
    return [
        BenchResult(
            "translated GetOrder vs naive pass-through proxy, throughput",
            ratio,
            "ratio",
            f">= {GOAL}",
            ratio >= GOAL,
            detail,
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--proxy-serve", nargs=2, metavar=("PORT", "EMULATOR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.proxy_serve:
        serve_proxy(int(args.proxy_serve[0]), args.proxy_serve[1])
        return 0
    for r in run(args.quick):
        print(f"{r.name}: {r.value:.3f} {r.unit} (goal {r.goal}, met {r.met}) - {r.detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
