"""Benchmark: translate and render a 100-order ListOrders response (goal: <= 3 ms).

Run: ``.venv/bin/python -m bench.orders_render [--quick]``; ``make bench`` runs it too.

The orders are the emulator's seeded data (realistic: 1-4 items, address, buyer, proceeds,
fulfillment windows, packages) as searchOrders returns them with the gateway's includedData.
Reported: SP-API JSON -> MWS element tree, element tree -> bytes, and both together, as the
median (the figure against the goal) and best of N interleaved runs, plus the body size.
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime
from typing import Any

from bench.runner import BenchResult
from gateway.catalog import load_catalog
from gateway.emulator.data import SeedData
from gateway.emulator.orders import project
from gateway.mws.render import render_success
from gateway.translate.orders import list_orders_children, tables_for

NAMESPACE = "https://mws.amazonservices.com/Orders/2013-09-01"
GOAL_MS = 3.0


def measure(repeat: int) -> dict[str, Any]:
    catalog = load_catalog(check_handlers=False)
    section = catalog.sections["Orders"]
    spec = section.operations["ListOrders"].spec
    included = set(spec["upstream"]["included_data"])
    data = SeedData.generate(order_count=100, anchor=datetime(2026, 11, 1, tzinfo=UTC))
    body = {
        "orders": [project(o, included) for o in data.orders],
        "createdBefore": "2026-11-01T00:00:00Z",
        "pagination": {"nextToken": "x"},
    }
    tables = tables_for(section.tables)
    echo_upstream = {"CreatedBefore": "createdBefore"}
    token = "T" * 700  # a NextToken of the size the gateway issues

    def translate() -> list[Any]:
        children, _ = list_orders_children(
            body, tables, filters=[], echo={}, echo_upstream=echo_upstream, next_token=token
        )
        return children

    children = translate()

    def render() -> bytes:
        return render_success(
            "ListOrders", NAMESPACE, "0f0e0d0c-0b0a-0908-0706-050403020100", children
        )

    def both() -> bytes:
        return render_success(
            "ListOrders", NAMESPACE, "0f0e0d0c-0b0a-0908-0706-050403020100", translate()
        )

    for fn in (translate, render, both):  # warm up
        for _ in range(20):
            fn()
    out: dict[str, Any] = {
        "orders": len(data.orders),
        "items": sum(len(o["orderItems"]) for o in data.orders),
        "body_kib": len(both()) / 1024,
        "repeat": repeat,
    }
    # interleaved, so a noisy neighbour hits all three alike
    samples: dict[str, list[float]] = {"translate": [], "render": [], "both": []}
    for _ in range(repeat):
        for name, fn in (("translate", translate), ("render", render), ("both", both)):
            start = time.perf_counter()
            fn()
            samples[name].append((time.perf_counter() - start) * 1000)
    for name, values in samples.items():
        out[name] = (statistics.median(values), min(values))
    return out


def run(quick: bool) -> list[BenchResult]:
    m = measure(50 if quick else 500)
    median, best = m["both"]
    detail = (
        f"translate JSON->elements median {m['translate'][0]:.2f} ms (best "
        f"{m['translate'][1]:.2f}); render elements->bytes median {m['render'][0]:.2f} ms "
        f"(best {m['render'][1]:.2f}); together best {best:.2f} ms; {m['repeat']} interleaved "
        f"runs; body {m['body_kib']:.0f} KiB, {m['orders']} seeded orders"
    )
    return [
        BenchResult(
            "ListOrders, 100 orders: translate + render (median)",
            median,
            "ms",
            f"<= {GOAL_MS:g} ms",
            median <= GOAL_MS,
            detail,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for r in run(args.quick):
        print(f"{r.name}: {r.value:.3f} {r.unit} (goal {r.goal}, met {r.met}) - {r.detail}")


if __name__ == "__main__":
    main()
