"""Benchmark: signed and audited GetServiceStatus through the gateway vs a bare Starlette endpoint
returning the same bytes. Goal (issue 2): throughput ratio >= 0.8.

Both servers run in separate processes on their own ports, one uvicorn worker each: the gateway
as ``mws-gateway serve`` runs it (``gateway.server.build_server``: its bounded HTTP protocol and
graceful shutdown), the bare app with ``uvicorn.run``'s defaults. The gateway is the
demo configuration with MWS quota emulation off (``quotas: off``); its JSON audit log (one line
per request, as in production) is written to a file in a temporary directory, not to the
terminal. The bare app answers every GET with the body and headers the gateway sent for the
first GetServiceStatus. The same load generator drives both, in interleaved rounds
(gateway, bare, gateway, bare, ...): ``wrk`` (1 thread, 16 connections) when it is installed,
else a small asyncio HTTP/1.1 keep-alive client in a separate process. Each round's gateway
request is freshly signed (Timestamp within the 15-minute window); the figure is the median
of the per-round-pair ratios.

Run alone: ``.venv/bin/python -m bench.gss_vs_bare [--quick]``; ``make bench`` runs it too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench._procs import free_port, signed_demo_url, stop, wait_port
from bench.runner import BenchResult

PATH, VERSION = "/Orders/2013-09-01", "2013-09-01"
CONNECTIONS = 16
GOAL = 0.8


# -- servers --------------------------------------------------------------------------------


def serve_gateway(port: int, data_dir: str, log_file: str) -> None:
    """The gateway as ``mws-gateway serve`` runs it (its HTTP protocol and server class)."""
    from gateway.app import create_app
    from gateway.audit import configure_logging
    from gateway.config import load_settings
    from gateway.server import build_server

    configure_logging("info", stream=open(log_file, "a", buffering=1 << 16))  # noqa: SIM115
    settings = load_settings(
        demo=True,
        env={},
        overrides={"quotas": "off", "data_dir": data_dir, "token_key": "bench"},
    )
    build_server(create_app(settings), settings, port=port).run()


def serve_bare(port: int, capture_file: str) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    captured = json.loads(Path(capture_file).read_text())
    body = captured["body"].encode("utf-8")
    headers = {k: v for k, v in captured["headers"].items() if k != "content-length"}

    async def endpoint(_: Request) -> Response:
        return Response(body, headers=headers)

    app = Starlette(routes=[Route(PATH, endpoint, methods=["GET"])])
    uvicorn.run(app, host="127.0.0.1", port=port, workers=1, access_log=False, log_level="warning")


def start(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bench.gss_vs_bare", *args])


# -- requests -------------------------------------------------------------------------------


def signed_url(port: int) -> str:
    return signed_demo_url(port, PATH, VERSION)


# -- load generators ------------------------------------------------------------------------


def wrk_round(url: str, seconds: float) -> tuple[float, int, int]:
    """(requests per second, requests, non-2xx answers) from wrk."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds:g}s", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    non_ok = int(bad.group(1)) if bad else 0
    if errors:
        non_ok += sum(int(n) for n in re.findall(r"\d+", errors.group(0)))
    return rps, total, non_ok


async def _py_load(url: str, seconds: float) -> tuple[int, int]:
    rest = url.split("://", 1)[1]
    hostport, _, target = rest.partition("/")
    host, port = hostport.split(":")
    request = (f"GET /{target} HTTP/1.1\r\nHost: {hostport}\r\n\r\n").encode()
    deadline = time.monotonic() + seconds
    done = bad = 0

    async def conn() -> None:
        nonlocal done, bad
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.monotonic() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
                await reader.readexactly(length)
                done += 1
                if not head.startswith(b"HTTP/1.1 2"):
                    bad += 1
        finally:
            writer.close()

    await asyncio.gather(*(conn() for _ in range(CONNECTIONS)))
    return done, bad


def py_round(url: str, seconds: float) -> tuple[float, int, int]:
    """The fallback load generator, run in its own process like wrk."""
    code = (
        "import asyncio, json, sys; from bench.gss_vs_bare import _py_load; "
        "print(json.dumps(asyncio.run(_py_load(sys.argv[1], float(sys.argv[2])))))"
    )
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", code, url, str(seconds)], capture_output=True, text=True, check=True
    ).stdout
    done, bad = json.loads(out)
    return done / (time.monotonic() - started), done, bad


# -- the benchmark --------------------------------------------------------------------------


def measure(quick: bool) -> dict[str, Any]:
    rounds, seconds = (2, 2.0) if quick else (5, 5.0)
    load = wrk_round if shutil.which("wrk") else py_round
    with tempfile.TemporaryDirectory(prefix="bench-gss-") as tmp:
        log_file = str(Path(tmp) / "gateway-audit.jsonl")
        gw_port, bare_port = free_port(), free_port()
        gateway = start("--serve", "gateway", str(gw_port), tmp, log_file)
        bare: subprocess.Popen[bytes] | None = None
        try:
            wait_port(gw_port)
            first = httpx.get(signed_url(gw_port), timeout=10)
            if first.status_code != 200 or b"<Status>GREEN</Status>" not in first.content:
                raise RuntimeError(f"gateway answered {first.status_code}: {first.text[:300]}")
            capture = Path(tmp) / "capture.json"
            capture.write_text(
                json.dumps({"body": first.text, "headers": dict(first.headers.items())})
            )
            bare = start("--serve", "bare", str(bare_port), str(capture))
            wait_port(bare_port)
            bare_url = f"http://127.0.0.1:{bare_port}{PATH}"
            same = httpx.get(bare_url, timeout=10)
            assert same.content == first.content, "the bare endpoint must return the same bytes"
            load(signed_url(gw_port), 1.0)  # warm-up both
            load(bare_url, 1.0)
            gw_rps: list[float] = []
            bare_rps: list[float] = []
            gw_requests = 0
            for _ in range(rounds):
                rps, total, bad = load(signed_url(gw_port), seconds)
                if bad:
                    raise RuntimeError(f"{bad} gateway answers were not 2xx")
                gw_rps.append(rps)
                gw_requests += total
                rps, _, bad = load(bare_url, seconds)
                if bad:
                    raise RuntimeError(f"{bad} bare answers were not 2xx")
                bare_rps.append(rps)
        finally:
            stop(gateway)
            if bare is not None:
                stop(bare)
        audited = sum(1 for line in open(log_file) if '"mws_call"' in line)  # noqa: SIM115
    ratios = [g / b for g, b in zip(gw_rps, bare_rps, strict=True)]
    return {
        "ratio": statistics.median(ratios),
        "ratios": ratios,
        "gateway_rps": statistics.median(gw_rps),
        "bare_rps": statistics.median(bare_rps),
        "rounds": rounds,
        "seconds": seconds,
        "generator": load.__name__.split("_")[0],
        "audited": audited,
        "gateway_requests": gw_requests,
        "body_bytes": len(first.content),
    }


def run(quick: bool) -> list[BenchResult]:
    m = measure(quick)
    detail = (
        f"gateway {m['gateway_rps']:.0f} req/s vs bare {m['bare_rps']:.0f} req/s (medians); "
        f"ratios per round {', '.join(f'{r:.2f}' for r in m['ratios'])}; "
        f"{m['rounds']}x{m['seconds']:g}s A/B rounds, {m['generator']} -c{CONNECTIONS}, "
        f"uvicorn 1 worker each; {m['audited']} audit lines written to a file"
    )
    return [
        BenchResult(
            "signed+audited GetServiceStatus vs bare Starlette, throughput",
            m["ratio"],
            "ratio",
            f">= {GOAL}",
            m["ratio"] >= GOAL,
            detail,
        )
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        kind, port, *rest = args.serve
        if kind == "gateway":
            serve_gateway(int(port), rest[0], rest[1])
        else:
            serve_bare(int(port), rest[0])
        return 0
    for result in run(args.quick):
        print(f"{result.name}: {result.value:.3f} (goal {result.goal}) - {result.detail}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
