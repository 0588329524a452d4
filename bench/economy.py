"""Benchmark: legacy MWS workloads, in SP-API calls and in rate-limit-implied wall time.

Goals (issue 17, DESIGN.md §8): W1 implied time <= 0.05 x MWS's own and <= 0.05 SP-API calls
per MWS call; W2 no throttling caused by SP-API where MWS's quota would have admitted; W3-W5
implied time <= MWS's own; the standard mix <= 0.3 SP-API calls per MWS call.

Workloads (each a script of MWS calls, each call with the earliest time the legacy client
sends it):

* W1 order sync: ListOrders (+ByNextToken) over 1,000 orders, ListOrderItems of every listed
  order, GetOrder of the listed ids 50 at a time.
* W2 ListOrders every 60 s for one hour (LastUpdatedAfter = the previous answer's
  LastUpdatedBefore, as MWS documented).
* W3 report cycle: RequestReport, GetReportRequestList every 45 s until done, GetReportList,
  GetReport, UpdateReportAcknowledgements; three cycles.
* W4 feed cycle: SubmitFeed, GetFeedSubmissionList every 60 s until done,
  GetFeedSubmissionResult; three cycles.
* W5 repricer: GetMyPriceForASIN, GetCompetitivePricingForASIN (20 ASINs a call) and
  GetLowestPricedOffersForASIN (one a call) for 200 ASINs.

Each runs against an in-process demo gateway twice: as built, and as a naive 1:1
translation (``order_cache.seconds: 0``). The emulator's limits are off and the gateway's
pacing relaxed: the runs only record which SP-API calls each MWS call cost (from the audit
events). The call logs are then replayed on a virtual clock, no sleeping:

* SP-API: a token bucket per SP-API operation with the production usage plans
  (``mappings/spapi/rate_limits.yaml``); a call's SP-API calls go in order, each waiting for
  a token; an MWS call ends when its last SP-API call is admitted.
* MWS: the same MWS call sequence through MWS's own throttles (the section tables: request
  quota, restore rate; per-item cost where MWS counted items).

A client is sequential: a call starts at its scheduled time or when the previous one ended.
Implied wall time = when the last call ends. A call whose SP-API wait exceeds the gateway's
retry budget (20 s) is one the gateway would have answered RequestThrottled.
Run alone: ``.venv/bin/python -m bench.economy [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import tempfile
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import httpx

from bench.runner import BenchResult
from bench.upstream_calls import (
    FEED,
    HOST,
    ORDERS,
    PRODUCTS,
    Driver,
    V,
    _ids,
    _md5,
    relaxed_mappings,
)
from gateway.catalog import load_catalog
from gateway.spapi.pacing import RateTable

RETRY_BUDGET = 20.0  # seconds the gateway waits for an SP-API token before RequestThrottled
SINCE = "2020-01-01T00:00:00Z"


# -- the virtual clock --------------------------------------------------------------------


class Bucket:
    """A token bucket on the virtual clock: ``take(t)`` -> when a token is there."""

    def __init__(self, burst: float, rate: float) -> None:
        self.capacity, self.rate = burst, rate
        self.tokens, self.at = burst, 0.0

    def take(self, t: float, cost: float = 1.0) -> float:
        self.tokens = min(self.capacity, self.tokens + (t - self.at) * self.rate)
        self.at = t
        cost = min(cost, self.capacity)
        if self.tokens < cost:
            wait = (cost - self.tokens) / self.rate
            t += wait
            self.tokens, self.at = cost, t
        self.tokens -= cost
        return t


@dataclass
class Step:
    """One MWS call as the client made it and what it cost upstream."""

    section: str
    action: str
    at: float  # the earliest time the client sends it (virtual seconds)
    items: int = 1  # MWS per-item quota cost
    upstream: list[str] = field(default_factory=list)


@dataclass
class Replay:
    seconds: float
    throttled: int  # calls the gateway would have refused (SP-API wait > retry budget)
    waits: int  # calls that waited for a token at all


def replay_spapi(steps: Sequence[Step], rates: RateTable) -> Replay:
    buckets: dict[str, Bucket] = {}
    t = 0.0
    throttled = waits = 0
    for step in steps:
        t = max(t, step.at)
        start = t
        for operation in step.upstream:
            limit = rates.get(operation)
            if limit is None:  # presigned uploads/downloads, LWA: not metered per operation
                continue
            name = rates.canonical(operation)
            bucket = buckets.setdefault(name, Bucket(limit.burst, limit.rate))
            t = bucket.take(t)
        if t > start:
            waits += 1
        if t - start > RETRY_BUDGET:
            throttled += 1
    return Replay(t, throttled, waits)


def replay_mws(steps: Sequence[Step], catalog: Any) -> Replay:
    buckets: dict[tuple[str, str], Bucket] = {}
    t = 0.0
    waits = 0
    for step in steps:
        t = max(t, step.at)
        start = t
        op = catalog.sections[step.section].operations[step.action]
        throttle = op.throttle
        bucket = buckets.setdefault(
            (step.section, throttle.bucket),
            Bucket(throttle.max, throttle.restore / throttle.period),
        )
        t = bucket.take(t, float(step.items))
        if t > start:
            waits += 1
    return Replay(t, 0, waits)


# -- the workloads --------------------------------------------------------------------------


class Script:
    """Drives the gateway and notes each call's schedule and per-item cost."""

    def __init__(self, driver: Driver) -> None:
        self.d = driver
        self.now = 0.0  # the client's virtual clock
        self.plan: list[tuple[str, float, int]] = []  # (action, at, items)

    async def call(
        self,
        path: str,
        action: str,
        version: str,
        params: Mapping[str, str] | None = None,
        *,
        items: int = 1,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        self.plan.append((action, self.now, items))
        return await self.d.call(path, action, version, params, body=body, headers=headers)

    def wait(self, seconds: float, emulator_too: bool = True) -> None:
        self.now += seconds
        if emulator_too:
            self.d.emulator.clock.advance(seconds)


async def w1_order_sync(s: Script) -> None:
    path, version = ORDERS
    first = await s.call(
        path,
        "ListOrders",
        version,
        {"CreatedAfter": SINCE, "MarketplaceId.Id.1": "ATVPDKIKX0DER", "MaxResultsPerPage": "100"},
    )
    ids = _ids(first.content, "AmazonOrderId")
    tokens = _ids(first.content, "NextToken")
    while tokens:
        page = await s.call(path, "ListOrdersByNextToken", version, {"NextToken": tokens[0]})
        ids += _ids(page.content, "AmazonOrderId")
        tokens = _ids(page.content, "NextToken")
    for order_id in ids:
        await s.call(path, "ListOrderItems", version, {"AmazonOrderId": order_id})
    for start in range(0, len(ids), 50):
        batch = ids[start : start + 50]
        params = {f"AmazonOrderId.Id.{i + 1}": x for i, x in enumerate(batch)}
        await s.call(path, "GetOrder", version, params)


async def w2_polling(s: Script, minutes: int) -> None:
    path, version = ORDERS
    after = SINCE
    for _ in range(minutes):
        resp = await s.call(
            path,
            "ListOrders",
            version,
            {"LastUpdatedAfter": after, "MarketplaceId.Id.1": "ATVPDKIKX0DER"},
        )
        before = _ids(resp.content, "LastUpdatedBefore")
        if before:
            after = before[0]
        s.wait(60)


async def w3_reports(s: Script, cycles: int) -> None:
    for _ in range(cycles):
        resp = await s.call("/", "RequestReport", V, {"ReportType": "_GET_MERCHANT_LISTINGS_DATA_"})
        request_id = _ids(resp.content, "ReportRequestId")[0]
        report_ids: list[str] = []
        for _ in range(40):
            s.wait(45)
            listed = await s.call(
                "/", "GetReportRequestList", V, {"ReportRequestIdList.Id.1": request_id}
            )
            report_ids = _ids(listed.content, "GeneratedReportId")
            if report_ids:
                break
        await s.call(
            "/", "GetReportList", V, {"ReportTypeList.Type.1": "_GET_MERCHANT_LISTINGS_DATA_"}
        )
        await s.call("/", "GetReport", V, {"ReportId": report_ids[0]})
        await s.call(
            "/",
            "UpdateReportAcknowledgements",
            V,
            {"ReportIdList.Id.1": report_ids[0], "Acknowledged": "true"},
        )
        s.wait(600)


async def w4_feeds(s: Script, cycles: int, skus: Sequence[str]) -> None:
    for cycle in range(cycles):
        doc = FEED.replace(b"{sku}", skus[cycle % len(skus)].encode()).replace(
            b"<Quantity>7</Quantity>", f"<Quantity>{10 + cycle}</Quantity>".encode()
        )
        resp = await s.call(
            "/",
            "SubmitFeed",
            V,
            {
                "FeedType": "_POST_INVENTORY_AVAILABILITY_DATA_",
                "MarketplaceIdList.Id.1": "ATVPDKIKX0DER",
            },
            body=doc,
            headers={"Content-Type": "text/xml", "Content-MD5": _md5(doc)},
        )
        feed_id = _ids(resp.content, "FeedSubmissionId")[0]
        for _ in range(30):
            s.wait(60)
            listed = await s.call(
                "/", "GetFeedSubmissionList", V, {"FeedSubmissionIdList.Id.1": feed_id}
            )
            if b"_DONE_" in listed.content:
                break
        await s.call("/", "GetFeedSubmissionResult", V, {"FeedSubmissionId": feed_id})
        s.wait(600)


async def w5_repricer(s: Script, asins: Sequence[str]) -> None:
    path, version = PRODUCTS
    market = {"MarketplaceId": "ATVPDKIKX0DER"}
    for action in ("GetMyPriceForASIN", "GetCompetitivePricingForASIN"):
        for start in range(0, len(asins), 20):
            batch = asins[start : start + 20]
            params = {**market, **{f"ASINList.ASIN.{i + 1}": a for i, a in enumerate(batch)}}
            await s.call(path, action, version, params, items=len(batch))
    for asin in asins:
        await s.call(
            path,
            "GetLowestPricedOffersForASIN",
            version,
            {**market, "ASIN": asin, "ItemCondition": "New"},
        )


# -- running --------------------------------------------------------------------------------


Workload = Callable[[Script], Awaitable[None]]


async def record(data_dir: Path, workload: Workload, *, cache: bool) -> list[Step]:
    """Run one workload against a fresh demo gateway; its MWS calls with their SP-API calls."""
    from gateway.app import create_app
    from gateway.audit import configure_logging
    from gateway.config import load_settings
    from gateway.emulator.app import create_emulator_app
    from gateway.emulator.config import EmulatorConfig
    from gateway.emulator.feeds import feeds_state

    await anyio.to_thread.run_sync(lambda: data_dir.mkdir(parents=True, exist_ok=True))
    capture = io.StringIO()
    configure_logging("info", stream=capture)
    overrides: dict[str, Any] = {
        "quotas": "off",
        "data_dir": str(data_dir),
        "token_key": "bench-economy",
        "mappings_dir": str(relaxed_mappings(data_dir / "mappings")),
        "order_cache": {"seconds": 300 if cache else 0},
    }
    emulator_app = create_emulator_app(
        EmulatorConfig(rate_mode="off", order_count=1000, listing_count=200)
    )
    emulator = emulator_app.state.emulator
    feeds_state(emulator).queue_seconds = 30
    app = create_app(
        load_settings(demo=True, env={}, overrides=overrides),
        upstream_transport=httpx.ASGITransport(app=emulator_app),
    )
    app.state.emulator_app = emulator_app
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=f"http://{HOST}", timeout=120
        ) as http:
            script = Script(Driver(http, emulator))
            await workload(script)
    configure_logging("info")
    events = [json.loads(line) for line in capture.getvalue().splitlines() if line.strip()]
    calls = [e for e in events if e.get("event") == "mws_call"]
    if len(calls) != len(script.plan):
        raise RuntimeError(f"{len(script.plan)} calls sent, {len(calls)} audited")
    steps = []
    for (action, at, items), event in zip(script.plan, calls, strict=True):
        if event.get("action") != action or event.get("status") != 200:
            raise RuntimeError(f"{action}: {event.get('status')} {event.get('error_code')}")
        upstream = [u["operation"] for u in event.get("upstream") or []]
        steps.append(Step(str(event["section"]), action, at, items, upstream))
    return steps


def _emulator_data() -> Any:
    from gateway.emulator.app import create_emulator_app
    from gateway.emulator.config import EmulatorConfig

    return create_emulator_app(
        EmulatorConfig(rate_mode="off", order_count=1000, listing_count=200)
    ).state.emulator.data


def workloads(quick: bool) -> dict[str, Workload]:
    data = _emulator_data()
    listings = sorted(data.listings.values(), key=lambda x: x["sku"])
    asins = sorted({str(x["asin"]) for x in listings})[: 40 if quick else 200]
    skus = [str(x["sku"]) for x in listings]

    async def w1(s: Script) -> None:
        await w1_order_sync(s)

    async def w2(s: Script) -> None:
        await w2_polling(s, 15 if quick else 60)

    async def w3(s: Script) -> None:
        await w3_reports(s, 1 if quick else 3)

    async def w4(s: Script) -> None:
        await w4_feeds(s, 1 if quick else 3, skus)

    async def w5(s: Script) -> None:
        await w5_repricer(s, asins)

    return {
        "W1 order sync": w1,
        "W2 ListOrders every 60 s": w2,
        "W3 report cycle": w3,
        "W4 feed cycle": w4,
        "W5 repricer": w5,
    }


@dataclass
class Outcome:
    name: str
    mws_calls: int
    built: list[Step]
    naive: list[Step]


async def measure(quick: bool) -> list[Outcome]:
    outcomes = []
    with tempfile.TemporaryDirectory(prefix="bench-economy-") as tmp:
        for index, (name, workload) in enumerate(workloads(quick).items()):
            built = await record(Path(tmp) / f"{index}-built", workload, cache=True)
            naive = await record(Path(tmp) / f"{index}-naive", workload, cache=False)
            outcomes.append(Outcome(name, len(built), built, naive))
    return outcomes


def calls(steps: Sequence[Step]) -> int:
    return sum(len(s.upstream) for s in steps)


def results(outcomes: Sequence[Outcome]) -> list[BenchResult]:
    catalog = load_catalog()
    rates = RateTable(catalog.table("spapi/rate_limits"))
    out: list[BenchResult] = []
    total_mws = total_up = 0
    for o in outcomes:
        mws = replay_mws(o.built, catalog)
        built = replay_spapi(o.built, rates)
        naive = replay_spapi(o.naive, rates)
        per_call = calls(o.built) / max(1, o.mws_calls)
        total_mws += o.mws_calls
        total_up += calls(o.built)
        ratio = built.seconds / mws.seconds if mws.seconds else 0.0
        detail = (
            f"{o.mws_calls} MWS calls; SP-API calls built {calls(o.built)}, naive "
            f"{calls(o.naive)}; implied s: built {built.seconds:.0f}, naive "
            f"{naive.seconds:.0f}, MWS {mws.seconds:.0f}; would-throttle built "
            f"{built.throttled}, naive {naive.throttled}"
        )
        short = o.name.split()[0]
        naive_ratio = naive.seconds / mws.seconds if mws.seconds else 0.0
        if short == "W1":
            out.append(row(f"{short} implied time / MWS", ratio, "ratio", "<= 0.05", detail))
            out.append(row(f"{short} SP-API calls per MWS call", per_call, "calls", "<= 0.05"))
        elif short == "W2":
            name = f"{short} RequestThrottled by SP-API limits"
            out.append(row(name, built.throttled, "calls", "== 0", detail))
        else:
            out.append(row(f"{short} implied time / MWS", ratio, "ratio", "<= 1", detail))
        out.append(row(f"{short} naive implied time / MWS", naive_ratio, "ratio", None))
    mix = total_up / max(1, total_mws)
    name = "all workloads: SP-API calls per MWS call"
    out.append(row(name, mix, "calls", "<= 0.3", f"{total_up} / {total_mws}"))
    return out


def row(name: str, value: float, unit: str, goal: str | None, detail: str = "") -> BenchResult:
    met = None
    if goal is not None:
        op, _, bound = goal.partition(" ")
        met = {"<=": value <= float(bound), "==": value == float(bound)}[op]
    return BenchResult(name, round(value, 4), unit, goal, met, detail)


def run(quick: bool) -> list[BenchResult]:
    started = time.monotonic()
    outcomes = asyncio.run(measure(quick))
    rows = results(outcomes)
    rows.append(BenchResult("economy run time", round(time.monotonic() - started, 1), "s"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for row in run(args.quick):
        print(
            f"{row.name:48} {row.value:>10} {row.unit:6} {row.goal or '':8} {row.met}  {row.detail}"
        )


if __name__ == "__main__":
    main()
