"""Benchmark: MWS quota exactness with two gateway replicas sharing one Redis.
Goal (issue 8 / the quota design): admitted / expected == 1.0.

Starts a private ``redis-server`` on a free port (no persistence) and two gateway processes
(``mws-gateway serve --demo`` with ``MWS_GATEWAY_REDIS_URL`` pointing at it, as
``tests/deploy/test_two_gateways.py`` does). Each trial empties the Redis database (a fresh
bucket), then sends a burst of freshly signed ``GetServiceStatus`` requests for the demo
seller on the Orders section, all at once, alternating between the two replicas. Expected
admissions per trial: the bucket's burst (``max``, 2) plus the restores that fall within the
trial (``restore`` per ``period`` = 1 per 300 s: none in a trial of a second). Every other
answer must be ``RequestThrottled`` (503). Reported: admitted / expected over all trials, with
the per-trial counts. Run alone: ``.venv/bin/python -m bench.quota_exactness [--quick]``.
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

from bench._procs import free_port, signed_demo_url, stop, wait_port
from bench.runner import BenchResult
from gateway.catalog import load_catalog

REPO = Path(__file__).resolve().parents[1]
PATH, VERSION = "/Orders/2013-09-01", "2013-09-01"
PER_TRIAL = 24  # requests per trial, half to each replica


def wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gateway exited: {log.read_text(errors='replace')[-1500:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"gateway {base} did not become ready")


def signed_url(port: int) -> str:
    return signed_demo_url(port, PATH, VERSION)


async def trial(http: httpx.AsyncClient, ports: list[int]) -> tuple[int, int, float, list[int]]:
    """(admitted, throttled, seconds, admitted per replica) for PER_TRIAL concurrent calls."""
    urls = [signed_url(ports[i % len(ports)]) for i in range(PER_TRIAL)]
    started = time.monotonic()
    answers = await asyncio.gather(*(http.get(url) for url in urls))
    seconds = time.monotonic() - started
    admitted = throttled = 0
    by_replica = [0] * len(ports)
    for i, answer in enumerate(answers):
        if answer.status_code == 200 and b"<Status>" in answer.content:
            admitted += 1
            by_replica[i % len(ports)] += 1
        elif answer.status_code == 503 and b"RequestThrottled" in answer.content:
            throttled += 1
        else:
            raise RuntimeError(f"unexpected answer {answer.status_code}: {answer.text[:300]}")
    return admitted, throttled, seconds, by_replica


def measure(trials: int) -> dict[str, Any]:
    import redis

    section = load_catalog(check_handlers=False).sections["Orders"]
    quota = section.operations["GetServiceStatus"].throttle
    work = Path(tempfile.mkdtemp(prefix="bench-quota-"))
    redis_port = free_port()
    redis_proc = subprocess.Popen(
        [
            shutil.which("redis-server") or "/usr/bin/redis-server",
            *("--port", str(redis_port), "--bind", "127.0.0.1", "--save", ""),
            *("--appendonly", "no", "--daemonize", "no", "--dir", str(work)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    gateways: list[subprocess.Popen[bytes]] = []
    ports: list[int] = []
    try:
        wait_port(redis_port, redis_proc)
        redis_url = f"redis://127.0.0.1:{redis_port}/0"
        script = Path(sys.executable).with_name("mws-gateway")
        cmd = [str(script)] if script.exists() else [sys.executable, "-m", "gateway.cli"]
        logs: list[Path] = []
        for i in range(2):
            port = free_port()
            data_dir = work / f"replica{i}"
            data_dir.mkdir()
            env = dict(os.environ)
            env.update(
                MWS_GATEWAY_REDIS_URL=redis_url,
                MWS_GATEWAY_DATA_DIR=str(data_dir),
                MWS_GATEWAY_TOKEN_KEY="shared-token-key",
                MWS_GATEWAY_LOG_LEVEL="warning",
            )
            log = data_dir / "gateway.log"
            with log.open("wb") as out:
                gateways.append(
                    subprocess.Popen(
                        [*cmd, "serve", "--demo", "--host", "127.0.0.1", "--port", str(port)],
                        cwd=REPO,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                    )
                )
            ports.append(port)
            logs.append(log)
        for port, proc, log in zip(ports, gateways, logs, strict=True):
            wait_ready(f"http://127.0.0.1:{port}", proc, log)
        db = redis.Redis(host="127.0.0.1", port=redis_port)
        results: list[tuple[int, int, float, list[int]]] = []

        async def all_trials() -> None:
            limits = httpx.Limits(max_connections=PER_TRIAL, max_keepalive_connections=PER_TRIAL)
            async with httpx.AsyncClient(timeout=30, limits=limits) as http:
                await trial(http, ports)  # warm-up: connections, both replicas' Redis clients
                for _ in range(trials):
                    db.flushdb()  # a fresh bucket for this trial
                    results.append(await trial(http, ports))

        asyncio.run(all_trials())
        db.close()
    finally:
        for proc in gateways:
            stop(proc)
        stop(redis_proc)
        shutil.rmtree(work, ignore_errors=True)
    expected = [
        quota.max + int(seconds * quota.restore / quota.period) for _, _, seconds, _ in results
    ]
    return {
        "results": results,
        "expected": expected,
        "burst": quota.max,
        "restore": quota.restore,
        "period": quota.period,
    }


def run(quick: bool) -> list[BenchResult]:
    m = measure(5 if quick else 30)
    admitted = sum(a for a, _, _, _ in m["results"])
    throttled = sum(t for _, t, _, _ in m["results"])
    replicas = [sum(r[3][i] for r in m["results"]) for i in range(2)]
    expected = sum(m["expected"])
    ratio = admitted / expected
    per_trial = sorted({a for a, _, _, _ in m["results"]})
    longest = max(s for _, _, s, _ in m["results"])
    detail = (
        f"{len(m['results'])} trials x {PER_TRIAL} concurrent signed GetServiceStatus (Orders, "
        f"one seller) split over 2 `serve --demo` replicas on one private redis-server, bucket "
        f"emptied before each trial; admitted {admitted} / expected {expected} (burst "
        f"{m['burst']} per trial + restores {m['restore']:g} per {m['period']:g} s: none in "
        f"trials of <= {longest:.2f} s); admitted per trial: {per_trial}, by replica "
        f"{replicas[0]} + {replicas[1]}; "
        f"{throttled} RequestThrottled, no other answer"
    )
    return [
        BenchResult(
            "two replicas on one Redis: admitted / expected GetServiceStatus",
            ratio,
            "ratio",
            "== 1.0",
            admitted == expected,
            detail,
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for r in run(args.quick):
        print(f"{r.name}: {r.value:.3f} {r.unit} (goal {r.goal}, met {r.met}) - {r.detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
