"""Benchmark: memory of translating a huge legacy feed to JSON_LISTINGS_FEED parts.
Goal (hostile-user audit): peak RSS growth <= 64 MiB for any accepted feed (bodies up to 64 MiB).

Generates, in a temporary directory, a 59.4 MiB price-and-quantity flat file
(``_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_``, the audit's size, about 1.3 million
records) and a ~60 MiB Inventory envelope (about 250,000 pretty-printed messages);
``--quick``: 8 and 4 MiB. Each conversion runs in a fresh Python process that loads the
modules and schemas, converts a tiny feed, resets its peak RSS (``/proc/self/clear_refs``;
else it uses the VmHWM delta) and then reports VmHWM minus the RSS it started from:

1. streaming: :func:`gateway.feeds.parts.convert_to_parts` from the file into part files;
2. in-memory, side by side: what ``handlers.py`` does before the streaming integration
   (whole body read, every message collected, ``feed_documents`` + ``json.dumps`` per part) on
   an eighth of each input, since on the full input it needs gigabytes; its growth per input
   MiB is extrapolated to the full size.

Run: ``.venv/bin/python -m bench.feed_memory [--quick]``; ``make bench`` runs it too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.runner import BenchResult

MIB = 1024 * 1024
GOAL_MIB = 64
FLAT_MIB = 59.4
XML_MIB = 60.0
QUICK_MIB = {"flat": 8.0, "xml": 4.0}
IN_MEMORY_SHARE = 8  # the in-memory path converts 1/8 of the input
US = "ATVPDKIKX0DER"
ROWS: dict[str, dict[str, str]] = {
    "flat": {"template": "price_quantity"},
    "xml": {"message_type": "Inventory"},
}
TYPES = {"flat": "text/tab-separated-values; charset=iso-8859-1", "xml": "text/xml"}


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return _status_kib("VmHWM") <= _status_kib("VmRSS") + 1024


def _convert(mode: str, kind: str, source: Path, out: Path) -> dict[str, Any]:
    """Run one conversion in this process; what it produced."""
    from gateway.feeds.envelope import convert_envelope
    from gateway.feeds.flatfile import charset_of, convert_price_quantity
    from gateway.feeds.listings import feed_documents
    from gateway.feeds.model import ConversionOptions
    from gateway.feeds.parts import convert_to_parts

    options = ConversionOptions(marketplaces=(US,), currencies={US: "USD"})
    row, content_type = ROWS[kind], TYPES[kind]
    if mode == "streaming":
        with source.open("rb") as file:
            parted = convert_to_parts(
                file,
                row,
                content_type,
                options,
                seller_id="A1SELLER",
                max_messages=25_000,
                directory=out,
            )
        return {
            "processed": parted.processed,
            "translated": parted.translated,
            "parts": len(parted.parts),
            "bytes_out": sum(p.size for p in parted.parts),
        }
    body = source.read_bytes()  # the whole-in-memory way the gateway converted before
    if row.get("template") == "price_quantity":
        conversion = convert_price_quantity(body, charset_of(content_type), options)
    else:
        conversion = convert_envelope(body, str(row.get("message_type", "Inventory")), options)
    documents = feed_documents(conversion.messages, "A1SELLER", 25_000)
    payloads = [json.dumps(d, separators=(",", ":")).encode("utf-8") for d in documents]
    return {
        "processed": conversion.processed,
        "translated": len(conversion.messages),
        "parts": len(payloads),
        "bytes_out": sum(len(p) for p in payloads),
    }


def child(mode: str, kind: str, source: Path, out: Path) -> dict[str, Any]:
    """Warm up, reset the peak, convert: peak RSS growth and time."""
    warm = out / "warm"
    warm.mkdir(parents=True)
    tiny = warm / "tiny"
    tiny.write_bytes(b"sku\tquantity\nA\t1\n" if kind == "flat" else b"<AmazonEnvelope/>")
    _convert(mode, kind, tiny, warm)
    reset = _reset_peak()
    start_rss = _status_kib("VmRSS")
    start_peak = _status_kib("VmHWM")
    started = time.perf_counter()
    figures = _convert(mode, kind, source, out)
    seconds = time.perf_counter() - started
    peak = _status_kib("VmHWM")
    growth_kib = peak - (start_rss if reset else start_peak)
    return {
        **figures,
        "seconds": seconds,
        "growth_mib": max(0, growth_kib) / 1024,
        "peak_mib": peak / 1024,
        "start_rss_mib": start_rss / 1024,
        "method": "VmHWM after clear_refs" if reset else "VmHWM delta",
    }


def _measure(mode: str, kind: str, source: Path, out: Path) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.feed_memory", "--child", mode, kind, str(source), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=1800)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _generate(kind: str, path: Path, size: int) -> int:
    from tests.feeds import samples

    if kind == "flat":
        return samples.write_price_quantity_file(path, size)
    return samples.write_envelope_file(path, size, "Inventory")


def _head(source: Path, target: Path, share: int, kind: str) -> None:
    """The first 1/``share`` of a generated feed, still well-formed (whole records)."""
    data = source.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // share) + 1
    if kind == "xml":
        cut = data.rfind(b"</Message>\n", 0, len(data) // share) + len(b"</Message>\n")
        target.write_bytes(data[:cut] + b"</AmazonEnvelope>\n")
    else:
        target.write_bytes(data[:cut])


def measure(quick: bool) -> dict[str, dict[str, Any]]:
    sizes = QUICK_MIB if quick else {"flat": FLAT_MIB, "xml": XML_MIB}
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
        root = Path(tmp)
        for kind, mib in sizes.items():
            source = root / f"{kind}.feed"
            records = _generate(kind, source, int(mib * MIB))
            small = root / f"{kind}-small.feed"
            _head(source, small, IN_MEMORY_SHARE, kind)
            streaming = _measure("streaming", kind, source, root / f"{kind}-parts")
            in_memory = _measure("in-memory", kind, small, root / f"{kind}-memory")
            results[kind] = {
                "size_mib": source.stat().st_size / MIB,
                "small_mib": small.stat().st_size / MIB,
                "records": records,
                "streaming": streaming,
                "in_memory": in_memory,
            }
            for path in (source, small):
                path.unlink()
    return results


def _label(kind: str) -> str:
    return "price-and-quantity flat file" if kind == "flat" else "Inventory envelope"


def run(quick: bool) -> list[BenchResult]:
    out: list[BenchResult] = []
    for kind, m in measure(quick).items():
        s, mem = m["streaming"], m["in_memory"]
        size, small = m["size_mib"], m["small_mib"]
        per_mib = mem["growth_mib"] / small if small else 0.0
        projected = per_mib * size
        detail = (
            f"{size:.1f} MiB, {m['records']} records -> {s['translated']} messages in "
            f"{s['parts']} parts ({s['bytes_out'] / MIB:.1f} MiB JSON) in {s['seconds']:.1f} s "
            f"({size / s['seconds']:.2f} MiB/s); {s['method']}, started at "
            f"{s['start_rss_mib']:.0f} MiB RSS; side by side, in-memory path on "
            f"{small:.1f} MiB: +{mem['growth_mib']:.0f} MiB in {mem['seconds']:.1f} s "
            f"({per_mib:.1f} MiB per input MiB, ~{projected:.0f} MiB at {size:.1f} MiB)"
        )
        out.append(
            BenchResult(
                f"{_label(kind)} {size:.1f} MiB, streaming: peak RSS growth",
                s["growth_mib"],
                "MiB",
                f"<= {GOAL_MIB}",
                s["growth_mib"] <= GOAL_MIB,
                detail,
            )
        )
        out.append(
            BenchResult(
                f"{_label(kind)}: in-memory path, peak RSS growth per input MiB",
                per_mib,
                "MiB/MiB",
                None,
                None,
                f"{small:.1f} MiB input: +{mem['growth_mib']:.0f} MiB, {mem['translated']} "
                f"messages, {mem['seconds']:.1f} s; streaming: "
                f"{s['growth_mib'] / size:.2f} MiB per input MiB",
            )
        )
        out.append(
            BenchResult(
                f"{_label(kind)} {size:.1f} MiB, streaming: conversion time",
                s["seconds"],
                "s",
                None,
                None,
                f"in-memory path: {mem['seconds'] / small * size:.1f} s scaled to {size:.1f} MiB",
            )
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="8 and 4 MiB instead of ~60")
    parser.add_argument("--child", nargs=4, metavar=("MODE", "KIND", "SOURCE", "OUT"))
    args = parser.parse_args(argv)
    if args.child:
        mode, kind, source, out = args.child
        print(json.dumps(child(mode, kind, Path(source), Path(out))))
        return 0
    for result in run(args.quick):
        print(
            f"{result.name}: {result.value:.2f} {result.unit} (goal {result.goal}) {result.detail}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
