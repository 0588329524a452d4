"""A bounded fault soak: a live uvicorn gateway (demo mode, embedded emulator) under a client
workload while the emulator injects 429 storms, 5xx, latency, resets, truncated and malformed
bodies.

Three phases share the run time: warm-up (no faults), faults, recovery (faults cleared). Every
answer is checked (XSD-valid MWS, allowed status for the phase), every request has a client
timeout (a timeout counts as a hang), the process RSS is sampled, and GetServiceStatus of the
Orders and Reports sections is polled to see it turn YELLOW/RED and back to GREEN.

The gateway's health board is given a short window and cool-down (4 s / 1 s instead of
120 s / 30 s) so a soak of seconds can see a full fault-and-recovery cycle; emulator rate
limits and the gateway's client-side pacing are off so that every 429 is an injected one.
"""

from __future__ import annotations

import asyncio
import random
import time
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from gateway.app import create_app
from gateway.config import DEMO_MARKETPLACE
from gateway.emulator.config import FaultSpec
from gateway.health import HealthConfig
from tests.support.gateway import demo_settings
from tests.support.live import serve_in_thread
from tests.support.signing import signed_params
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

CLIENT_TIMEOUT_S = 15.0
FAULT_SPECS = {
    # per SP-API section: 429 storms, 5xx, latency, resets, truncated and malformed bodies
    "orders.*": FaultSpec(
        latency_ms=20,
        latency_jitter_ms=150,
        error_rate=0.45,
        error_status=500,
        throttle_rate=0.15,
        reset_rate=0.05,
        truncate_rate=0.05,
        malformed_rate=0.05,
    ),
    "reports.*": FaultSpec(
        latency_ms=10,
        latency_jitter_ms=80,
        error_rate=0.3,
        error_status=503,
        throttle_rate=0.25,
        reset_rate=0.05,
        malformed_rate=0.05,
    ),
    "feeds.*": FaultSpec(error_rate=0.2, error_status=502, throttle_rate=0.3, reset_rate=0.05),
}
# 5xx the gateway may answer because of upstream faults (mappings/spapi/errors.yaml): 503 for
# outages and throttling, 500 InternalError for a malformed upstream body.
UPSTREAM_5XX = {(503, "ServiceUnavailable"), (503, "RequestThrottled"), (500, "InternalError")}


@dataclass
class SoakReport:
    seconds: float
    requests: int = 0
    by_phase: dict[str, Counter[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    hangs: int = 0
    status_seen: dict[str, Counter[str]] = field(default_factory=dict)
    recovered_after_s: float | None = None
    rss_kib: list[int] = field(default_factory=list)
    faults_fired: dict[str, int] = field(default_factory=dict)
    max_latency_s: float = 0.0

    @property
    def rss_growth_mib(self) -> float:
        if len(self.rss_kib) < 2:
            return 0.0
        return (max(self.rss_kib[1:]) - self.rss_kib[0]) / 1024

    def summary(self) -> str:
        lines = [
            f"soak: {self.requests} requests in {self.seconds:.1f}s, hangs {self.hangs}, "
            f"problems {len(self.problems)}, slowest answer {self.max_latency_s:.2f}s",
            f"RSS KiB start/peak/end: {self.rss_kib[0]}/{max(self.rss_kib)}/{self.rss_kib[-1]} "
            f"(growth {self.rss_growth_mib:.1f} MiB)",
            f"GetServiceStatus seen: { {k: dict(v) for k, v in self.status_seen.items()} }",
            f"GREEN again {self.recovered_after_s}s after the faults were cleared",
            f"faults fired: {sum(self.faults_fired.values())} {dict(self.faults_fired)}",
        ]
        for phase, counts in self.by_phase.items():
            lines.append(f"  {phase}: {dict(counts.most_common())}")
        lines += [f"  ! {p}" for p in self.problems[:10]]
        return "\n".join(lines)


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _enc(params: dict[str, str]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params.items())


class Client:
    def __init__(self, http: httpx.AsyncClient, host: str) -> None:
        self.http = http
        self.host = host

    async def call(
        self, path: str, action: str, version: str, params: dict[str, str] | None = None
    ) -> httpx.Response:
        seller = "Merchant" if version == "2009-01-01" else "SellerId"
        signed = signed_params(action, version, path, params, host=self.host, seller_param=seller)
        return await self.http.get(f"{path}?{_enc(signed)}")


ORDERS = ("/Orders/2013-09-01", "2013-09-01")
REPORTS = ("/", "2009-01-01")


def _workload(order_ids: list[str]) -> list[tuple[str, str, str, dict[str, str]]]:
    since = {"CreatedAfter": "2020-01-01T00:00:00Z", "MarketplaceId.Id.1": DEMO_MARKETPLACE}
    return [
        (*ORDERS[:1], "ListOrders", ORDERS[1], {**since, "MaxResultsPerPage": "10"}),
        (ORDERS[0], "GetOrder", ORDERS[1], {"AmazonOrderId.Id.1": random.choice(order_ids)}),
        (ORDERS[0], "ListOrderItems", ORDERS[1], {"AmazonOrderId": random.choice(order_ids)}),
        (REPORTS[0], "GetReportRequestList", REPORTS[1], {}),
        (REPORTS[0], "GetReportCount", REPORTS[1], {}),
        (REPORTS[0], "GetReportScheduleList", REPORTS[1], {}),
        (REPORTS[0], "GetFeedSubmissionList", REPORTS[1], {}),
        (ORDERS[0], "GetServiceStatus", ORDERS[1], {}),
    ]


def check_answer(resp: httpx.Response, phase: str) -> tuple[str, str | None]:
    """(bucket, problem or None) for one answer."""
    try:
        root = assert_valid_mws_xml(resp.content)
    except Exception as exc:
        return f"{resp.status_code} invalid", f"{phase}: not valid MWS XML ({exc!s:.200})"
    if strip_ns(root.tag) != "ErrorResponse":
        if resp.status_code != 200:
            return str(resp.status_code), f"{phase}: success document with {resp.status_code}"
        return "200", None
    code = find_text(root, "Error/Code") or "?"
    bucket = f"{resp.status_code} {code}"
    if resp.status_code >= 500:
        if (resp.status_code, code) not in UPSTREAM_5XX:
            return bucket, f"{phase}: {bucket} is not an upstream-caused answer"
        if phase != "faults" and (resp.status_code, code) != (503, "ServiceUnavailable"):
            # after the faults are cleared only a still-open circuit may refuse (briefly)
            return bucket, f"{phase}: {bucket} without injected faults"
    return bucket, None


async def run_soak(data_dir: Path, seconds: float, workers: int = 4) -> SoakReport:
    settings = demo_settings(
        data_dir,
        quotas="off",
        upstream={
            "max_attempts": 2,
            "retry_budget_seconds": 2,
            "timeout_seconds": 2,
            "connect_timeout_seconds": 1,
        },
    )
    app = create_app(settings)
    app.state.services.health.config = HealthConfig(
        window_seconds=4, min_samples=3, cooldown_seconds=1.0, open_after_failures=5
    )
    app.state.services.spapi.pacer = None
    emulator = app.state.emulator_app.state.emulator
    emulator.config.rate_mode = "off"
    order_ids = [o["orderId"] for o in emulator.data.orders_sorted()[:40]]
    report = SoakReport(seconds)
    phase = "warm-up"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    with serve_in_thread(app) as server:
        host = f"{server.host}:{server.port}"
        limits = httpx.Limits(max_connections=workers + 2)
        async with httpx.AsyncClient(
            base_url=server.url, timeout=CLIENT_TIMEOUT_S, limits=limits
        ) as http:
            client = Client(http, host)

            async def one(path: str, action: str, version: str, params: dict[str, str]) -> None:
                started = loop.time()
                at_start = phase
                try:
                    resp = await client.call(path, action, version, params)
                except httpx.TimeoutException:
                    report.hangs += 1
                    report.problems.append(f"{at_start}: {action} got no answer in time")
                    return
                except httpx.HTTPError as exc:
                    report.problems.append(f"{at_start}: {action} transport error {exc!r:.200}")
                    return
                report.max_latency_s = max(report.max_latency_s, loop.time() - started)
                report.requests += 1
                # a request that overlapped the fault phase may carry an injected fault
                overlapped = "faults" if "faults" in (at_start, phase) else at_start
                bucket, problem = check_answer(resp, overlapped)
                report.by_phase.setdefault(overlapped, Counter())[bucket] += 1
                if problem:
                    report.problems.append(f"{action}: {problem}")

            async def worker() -> None:
                while not stop.is_set():
                    await one(*random.choice(_workload(order_ids)))

            async def status_of(section_path: str, version: str) -> str:
                resp = await client.call(section_path, "GetServiceStatus", version)
                root = ET.fromstring(resp.content)
                return find_text(root, "GetServiceStatusResult/Status") or "?"

            async def poll_status() -> str:
                orders = await status_of(*ORDERS)
                # Sellers gets no faults in this soak: a control that must stay GREEN
                control = await status_of("/Sellers/2011-07-01", "2011-07-01")
                for name, value in (("Orders", orders), ("Sellers", control)):
                    report.status_seen.setdefault(f"{phase}:{name}", Counter())[value] += 1
                return orders

            report.rss_kib.append(rss_kib())
            tasks = [asyncio.create_task(worker()) for _ in range(workers)]
            started = time.monotonic()
            try:
                await asyncio.sleep(seconds * 0.15)
                await poll_status()
                phase = "faults"
                for pattern, spec in FAULT_SPECS.items():
                    emulator.faults.set(pattern, FaultSpec(**spec.to_json()))
                fault_end = started + seconds * 0.65
                while time.monotonic() < fault_end:
                    await asyncio.sleep(0.5)
                    await poll_status()
                    report.rss_kib.append(rss_kib())
                emulator.faults.clear()
                report.faults_fired = dict(emulator.faults.fired)
                phase = "recovery"
                cleared = time.monotonic()
                end = started + seconds
                while time.monotonic() < end:
                    status = await poll_status()
                    if status == "GREEN" and report.recovered_after_s is None:
                        report.recovered_after_s = round(time.monotonic() - cleared, 2)
                    await asyncio.sleep(0.25)
                    report.rss_kib.append(rss_kib())
            finally:
                stop.set()
                await asyncio.wait_for(asyncio.gather(*tasks), CLIENT_TIMEOUT_S + 5)
            report.rss_kib.append(rss_kib())
    return report


def fault_statuses(report: SoakReport) -> set[str]:
    seen: set[str] = set()
    for key, counts in report.status_seen.items():
        if key.startswith("faults:Orders"):
            seen |= set(counts)
    return seen


def summary_dict(report: SoakReport) -> dict[str, Any]:
    return {
        "requests": report.requests,
        "hangs": report.hangs,
        "problems": len(report.problems),
        "rss_growth_mib": round(report.rss_growth_mib, 1),
        "recovered_after_s": report.recovered_after_s,
    }
