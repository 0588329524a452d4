"""Smoke tests of the benchmark suite: the runner finds every module, and the in-process
benchmarks measure what they claim (counts, not timings: figures live in bench/RESULTS.md)."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

import pytest

from bench import feed_memory, upstream_calls
from bench.orders_render import measure as render_measure
from bench.runner import BenchResult, discover, render
from gateway.config import DEMO_SELLER

EXPECTED = {
    "feed_memory",
    "gss_vs_bare",
    "orders_getorder",
    "orders_render",
    "quota_exactness",
    "report_download",
    "upstream_calls",
}


def test_runner_finds_every_benchmark_and_each_defines_run() -> None:
    modules = discover()
    assert set(modules) >= EXPECTED
    for name in EXPECTED:
        assert callable(getattr(importlib.import_module(f"bench.{name}"), "run", None)), name


def test_render_measures_translate_and_render_of_100_orders() -> None:
    m = render_measure(3)
    assert m["orders"] == 100
    assert m["body_kib"] > 50  # a real 100-order document, not an empty answer
    for key in ("translate", "render", "both"):
        median, best = m[key]
        assert 0 < best <= median


def test_upstream_calls_workload_covers_the_tables_and_counts_calls(tmp_path: Path) -> None:
    m = asyncio.run(upstream_calls.workload(str(tmp_path), rounds=1))
    s = upstream_calls.summarise(m)
    # every translated operation the script knows was answered, except pages the seeded data
    # cannot produce (operations translated after the script get one generic call)
    unanswered = set(s["missing"]) - set(m["generic"])
    assert unanswered <= {"ListMarketplaceParticipationsByNextToken"}, unanswered
    assert len(s["per_op"]) >= 40
    per_op = s["per_op"]
    # GetOrder of orders the script had just listed: answered from the order cache
    assert sorted(per_op["GetOrder"]) == [0, 0]
    # SubmitFeed: createFeedDocument + upload + createFeed, every time
    assert per_op["SubmitFeed"] == [3, 3]
    assert per_op["ListOrders"] == [1]
    # one LWA exchange for the whole run, for the one demo seller
    assert m["lwa"] == {DEMO_SELLER: 1}
    # the emulator saw at least what the audit events list
    assert s["emulator_total"] >= s["audited"] > 0


def test_results_table_marks_goals() -> None:
    from bench.runner import ModuleOutcome

    outcome = ModuleOutcome("m", 1.0, [BenchResult("x", 0.5, "ratio", ">= 1", False, "a|b")])
    text = render([outcome], {"date": "d"}, quick=True)
    assert "| m | x | 0.5 ratio | >= 1 | **no** | a/b |" in text


def test_economy_replays_calls_through_token_buckets_on_a_virtual_clock() -> None:
    from bench.economy import Bucket, Step, replay_mws, replay_spapi
    from gateway.catalog import load_catalog
    from gateway.spapi.pacing import RateTable

    bucket = Bucket(burst=2, rate=0.5)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 2.0]
    assert bucket.take(10.0) == 10.0  # restored meanwhile

    catalog = load_catalog()
    rates = RateTable(catalog.table("spapi/rate_limits"))
    # 22 searchOrders at once: burst 20, then one per 180 s
    steps = [Step("Orders", "ListOrders", 0.0, 1, ["orders.searchOrders"]) for _ in range(22)]
    spapi = replay_spapi(steps, rates)
    assert spapi.seconds == pytest.approx(2 / 0.0056, rel=1e-6)
    assert spapi.throttled == 2 and spapi.waits == 2
    # MWS ListOrders: 6, then one per minute
    assert replay_mws(steps, catalog).seconds == pytest.approx(16 * 60.0)
    # presigned uploads are not metered per operation; a client's schedule is kept
    free = [Step("Feeds", "SubmitFeed", 30.0, 1, ["documents.upload"])]
    assert replay_spapi(free, rates).seconds == 30.0


def test_feed_memory_converts_both_ways_and_cuts_well_formed_heads(tmp_path: Path) -> None:
    for kind in ("flat", "xml"):
        source, head = tmp_path / f"{kind}.feed", tmp_path / f"{kind}-head.feed"
        records = feed_memory._generate(kind, source, 256 * 1024)
        feed_memory._head(source, head, 4, kind)
        whole = feed_memory._convert("streaming", kind, source, tmp_path / f"{kind}-parts")
        assert whole["processed"] == whole["translated"] == records > 900
        streamed = feed_memory._convert("streaming", kind, head, tmp_path / f"{kind}-head")
        in_memory = feed_memory._convert("in-memory", kind, head, tmp_path / f"{kind}-mem")
        assert streamed == in_memory  # same messages, parts and bytes either way
        assert records // 5 < streamed["translated"] < records // 3


def test_feed_submit_answers_a_translated_flat_file_from_a_live_server() -> None:
    from bench import feed_submit

    m = feed_submit.measure(512 * 1024)
    assert m["status"] == 200, m["answer"]
    assert "_SUBMITTED_" in m["answer"] and m["records"] > 10000
    assert m["rss_growth_mib"] >= 0
