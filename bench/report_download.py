"""Benchmark: GetReport of a very large report through the gateway vs a plain download.
Goals (issue 5): peak RSS growth of the gateway <= 64 MiB; throughput >= 0.5 of a plain download.

Starts the SP-API emulator and the gateway as two separate processes (uvicorn, 127.0.0.1),
requests a report of 1 GiB (``--quick``: 64 MiB; the emulator generates it lazily from
``ReportOptions=emulatorSize=N``), waits until it is done, then in one run:

1. plain: downloads the same document straight from the emulator's presigned URL;
2. gateway first download: MWS GetReport (getReport + getReportDocument + download, spooled
   to disk while hashed, then streamed with its Content-MD5), then plain again;
3. gateway cached repeat: the same GetReport from the gateway's disk cache, then plain again.

Reported per gateway download: the gateway process's peak RSS growth (sampled from
/proc/<pid>/status every 20 ms) and throughput relative to the fastest plain download; the
Content-MD5 the gateway sent is checked every time.
Run: ``.venv/bin/python -m bench.report_download [--quick]``; ``make bench`` runs it too.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from bench._procs import free_port, stop_all, wait_http
from bench.runner import BenchResult
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

MIB = 1024 * 1024
RSS_GOAL_MIB = 64
THROUGHPUT_GOAL = 0.5


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class RssSampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.base = rss_kib(pid)
        self.peak = self.base
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss_kib(self.pid))

    @property
    def growth_mib(self) -> float:
        return (self.peak - self.base) / 1024


def mws_url(base: str, action: str, params: dict[str, str]) -> str:
    full = {
        "AWSAccessKeyId": DEMO_ACCESS_KEY,
        "Action": action,
        "Merchant": DEMO_SELLER,
        "Timestamp": format_millis(from_epoch(time.time())),
        "Version": "2009-01-01",
        **params,
    }
    host = base.split("://", 1)[1]
    query = signed_query(secret=DEMO_SECRET, method="GET", host=host, path="/", params=full)
    return f"{base}/?{query}"


def text_of(xml: str, tag: str) -> str:
    start = xml.index(f"<{tag}>") + len(tag) + 2
    return xml[start : xml.index(f"</{tag}>", start)]


def download(client: httpx.Client, url: str) -> tuple[int, float, str, httpx.Headers]:
    md5 = hashlib.md5()
    size = 0
    started = time.perf_counter()
    with client.stream("GET", url) as resp:
        if resp.status_code != 200:
            raise RuntimeError(f"download failed: {resp.status_code} {resp.read()[:300]!r}")
        for chunk in resp.iter_raw(1024 * 1024):
            md5.update(chunk)
            size += len(chunk)
        headers = resp.headers
    elapsed = time.perf_counter() - started
    return size, elapsed, base64.b64encode(md5.digest()).decode(), headers


def measure(size_bytes: int) -> dict[str, Any]:
    """Rows of (label, bytes, seconds, peak RSS growth MiB or None); the plain baseline."""
    work = Path(tempfile.mkdtemp(prefix="mws-report-bench-"))
    emu_port, gw_port = free_port(), free_port()
    emu_url, gw_url = f"http://127.0.0.1:{emu_port}", f"http://127.0.0.1:{gw_port}"
    env = dict(os.environ)
    env.update(
        {
            "MWS_GATEWAY_EMULATOR_URL": emu_url,
            "MWS_GATEWAY_DATA_DIR": str(work),
            "MWS_GATEWAY_LOG_LEVEL": "warning",
            "MWS_GATEWAY_REPORT_CACHE_BYTES": str(2 * size_bytes + MIB),
        }
    )
    cli = [sys.executable, "-m", "gateway.cli"]
    log = (work / "servers.log").open("wb")
    quiet: dict[str, Any] = {"stdout": log, "stderr": subprocess.STDOUT}
    procs = [
        subprocess.Popen([*cli, "emulator", "--port", str(emu_port)], env=env, **quiet),
        subprocess.Popen([*cli, "serve", "--demo", "--port", str(gw_port)], env=env, **quiet),
    ]
    try:
        try:
            wait_http(emu_url + "/")
            wait_http(gw_url + "/healthz")
        except RuntimeError as exc:
            tail = (work / "servers.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}; server output: {tail}") from exc
        gateway_pid = procs[1].pid
        with httpx.Client(timeout=600.0) as client:
            created = client.get(
                mws_url(
                    gw_url,
                    "RequestReport",
                    {
                        "ReportType": "_GET_MERCHANT_LISTINGS_ALL_DATA_",
                        "ReportOptions": f"emulatorSize={size_bytes}",
                    },
                )
            )
            request_id = text_of(created.text, "ReportRequestId")
            report_id = ""
            for _ in range(300):
                listed = client.get(
                    mws_url(
                        gw_url, "GetReportRequestList", {"ReportRequestIdList.Id.1": request_id}
                    )
                )
                if "<GeneratedReportId>" in listed.text:
                    report_id = text_of(listed.text, "GeneratedReportId")
                    break
                time.sleep(0.2)
            if not report_id:
                raise RuntimeError("the report never finished")

            # the document URL, straight from the emulator (as any SP-API client would)
            token = client.post(
                emu_url + "/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": DEMO_REFRESH_TOKEN,
                    "client_id": DEMO_LWA_CLIENT_ID,
                    "client_secret": DEMO_LWA_CLIENT_SECRET,
                },
            ).json()["access_token"]
            auth = {"x-amz-access-token": token}
            report = client.get(
                f"{emu_url}/reports/2021-06-30/reports/{report_id}", headers=auth
            ).json()

            def document_url() -> str:  # a fresh presigned URL (each lasts 5 minutes)
                doc = client.get(
                    f"{emu_url}/reports/2021-06-30/documents/{report['reportDocumentId']}",
                    headers=auth,
                ).json()
                return str(doc["url"])

            plain_size, plain_s, plain_md5, _ = download(client, document_url())
            plain = [plain_s]
            rows: list[tuple[str, int, float, float]] = []
            for label in ("first download", "cached repeat"):
                url = mws_url(gw_url, "GetReport", {"ReportId": report_id})
                with RssSampler(gateway_pid) as rss:
                    size, seconds, md5, headers = download(client, url)
                if size != plain_size:
                    raise RuntimeError(f"gateway sent {size} bytes, the document has {plain_size}")
                if not headers["content-md5"] == md5 == plain_md5:
                    raise RuntimeError("Content-MD5 mismatch")
                rows.append((label, size, seconds, rss.growth_mib))
                # a plain download after each gateway one: the faster plain run is the
                # baseline, so a noisy plain run cannot flatter the gateway
                plain.append(download(client, document_url())[1])
    finally:
        stop_all(procs)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    return {"size": plain_size, "plain": plain, "rows": rows}


def run(quick: bool) -> list[BenchResult]:
    m = measure((64 if quick else 1024) * MIB)
    size, best_plain = m["size"], min(m["plain"])
    plain_rate = size / MIB / best_plain
    plain_runs = ", ".join(f"{s:.2f}" for s in m["plain"])
    results = []
    for label, _, seconds, growth in m["rows"]:
        rate = size / MIB / seconds
        ratio = best_plain / seconds
        common = (
            f"{size / MIB:.0f} MiB report; Content-MD5 checked; gateway {seconds:.2f} s "
            f"({rate:.0f} MiB/s); plain download of the emulator URL best {best_plain:.2f} s "
            f"({plain_rate:.0f} MiB/s; runs {plain_runs} s)"
        )
        results.append(
            BenchResult(
                f"GetReport {size / MIB:.0f} MiB, {label}: gateway peak RSS growth",
                growth,
                "MiB",
                f"<= {RSS_GOAL_MIB}",
                growth <= RSS_GOAL_MIB,
                f"{common}; RSS of the gateway process sampled every 20 ms",
            )
        )
        results.append(
            BenchResult(
                f"GetReport {size / MIB:.0f} MiB, {label}: throughput vs plain download",
                ratio,
                "ratio",
                f">= {THROUGHPUT_GOAL}",
                ratio >= THROUGHPUT_GOAL,
                common,
            )
        )
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="64 MiB instead of 1 GiB")
    args = parser.parse_args()
    for r in run(args.quick):
        print(f"{r.name}: {r.value:.3f} {r.unit} (goal {r.goal}, met {r.met}) - {r.detail}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
