"""Benchmark: translate and render a 100-order ListOrders response (goal: <= 3 ms).

Run: ``.venv/bin/python bench/orders_render.py [--repeat N]``

The orders are the emulator's seeded data (realistic: 1-4 items, address, buyer, proceeds,
fulfillment windows, packages) as searchOrders returns them with the gateway's includedData.
Reported: SP-API JSON -> MWS element tree, element tree -> bytes, and both together, as the
median and best of N runs, plus the body size. Not a test: it prints figures only.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from gateway.catalog import load_catalog
from gateway.emulator.data import SeedData
from gateway.emulator.orders import project
from gateway.mws.render import render_success
from gateway.translate.orders import list_orders_children, tables_for

NAMESPACE = "https://mws.amazonservices.com/Orders/2013-09-01"


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples), min(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

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
    size = len(both())
    print(
        f"ListOrders, 100 orders ({sum(len(o['orderItems']) for o in data.orders)} items "
        f"in the data; ListOrders shows orders only), body {size / 1024:.1f} KiB"
    )
    for name, fn in (
        ("translate JSON->elements", translate),
        ("render elements->bytes", render),
        ("translate + render", both),
    ):
        median, best = _time(fn, args.repeat)
        print(f"  {name:26s} median {median:6.3f} ms   best {best:6.3f} ms")


if __name__ == "__main__":
    main()
