"""Benchmark: SubmitFeed of a 59.4 MiB price-and-quantity flat file through a live gateway.
Goal (issue 13): peak RSS growth of the gateway process <= 64 MiB for any accepted feed, and an
answer, never a 503 after minutes of work.

Starts ``mws-gateway serve --demo`` (the embedded emulator, production-like SP-API limits) as
its own process, submits the file (``--quick``: 8 MiB) as python-amazon-mws does (parameters in
the query, the document as the body, Content-MD5), and samples the gateway's RSS every 20 ms
from /proc/<pid>/status while the call runs. The file becomes ~50 JSON_LISTINGS_FEED parts:
the window admits 5 at once, so the answer comes with the first parts created and the rest
handed to the background (the status stays ``_SUBMITTED_``); the background's own memory is
sampled for a few seconds after the answer too.
Run: ``.venv/bin/python -m bench.feed_submit [--quick]``; ``make bench`` runs it too.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench._procs import free_port, stop_all, wait_http
from bench.feed_memory import _generate
from bench.report_download import RssSampler
from bench.runner import BenchResult
from gateway.config import DEMO_ACCESS_KEY, DEMO_MARKETPLACE, DEMO_SECRET, DEMO_SELLER
from gateway.mws.signature import signed_query
from gateway.mws.timestamps import format_millis, from_epoch

MIB = 1024 * 1024
FEED_TYPE = "_POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA_"


def _md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as fh:
        while chunk := fh.read(MIB):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def measure(size_bytes: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="mws-feed-bench-"))
    feed = work / "feed.txt"
    records = _generate("flat", feed, size_bytes)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, MWS_GATEWAY_DATA_DIR=str(work / "data"), MWS_GATEWAY_LOG_LEVEL="warning")
    cli = [sys.executable, "-m", "gateway.cli"]
    log = (work / "server.log").open("wb")
    procs = [
        subprocess.Popen(
            [*cli, "serve", "--demo", "--port", str(port)], env=env, stdout=log, stderr=log
        )
    ]
    try:
        wait_http(f"{base}/healthz")
        params = {
            "AWSAccessKeyId": DEMO_ACCESS_KEY,
            "Action": "SubmitFeed",
            "Merchant": DEMO_SELLER,
            "FeedType": FEED_TYPE,
            "MarketplaceIdList.Id.1": DEMO_MARKETPLACE,
            "Timestamp": format_millis(from_epoch(time.time())),
            "Version": "2009-01-01",
        }
        query = signed_query(
            secret=DEMO_SECRET, method="POST", host=f"127.0.0.1:{port}", path="/", params=params
        )
        headers = {
            "Content-Type": "text/tab-separated-values; charset=iso-8859-1",
            "Content-MD5": _md5_of(feed),
        }

        def body() -> Any:
            with feed.open("rb") as fh:
                while chunk := fh.read(MIB):
                    yield chunk

        with httpx.Client(timeout=900) as client, RssSampler(procs[0].pid) as rss:
            started = time.perf_counter()
            resp = client.post(f"{base}/?{query}", content=body(), headers=headers)
            seconds = time.perf_counter() - started
            time.sleep(3)  # the background job's first looks at the window
        return {
            "status": resp.status_code,
            "answer": resp.text[:400],
            "records": records,
            "bytes": feed.stat().st_size,
            "seconds": seconds,
            "rss_growth_mib": rss.growth_mib,
            "rss_base_mib": rss.base / 1024,
        }
    finally:
        stop_all(procs)
        log.close()


def run(quick: bool) -> list[BenchResult]:
    size = 8 * MIB if quick else int(59.4 * MIB)
    m = measure(size)
    ok = m["status"] == 200 and "<FeedProcessingStatus>_SUBMITTED_" in m["answer"]
    detail = (
        f"{m['bytes'] / MIB:.1f} MiB, {m['records']} records; HTTP {m['status']} in "
        f"{m['seconds']:.1f} s; base RSS {m['rss_base_mib']:.0f} MiB"
    )
    return [
        BenchResult(
            "SubmitFeed flat file: gateway peak RSS growth",
            round(m["rss_growth_mib"], 1),
            "MiB",
            "<= 64",
            m["rss_growth_mib"] <= 64,
            detail,
        ),
        BenchResult(
            "SubmitFeed flat file: answered _SUBMITTED_",
            1.0 if ok else 0.0,
            "bool",
            "== 1",
            ok,
            "" if ok else m["answer"][:120].replace("|", "/"),
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    for row in run(args.quick):
        print(
            f"{row.name:50} {row.value:>8} {row.unit:4} {row.goal or '':6} {row.met} {row.detail}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
