"""Benchmark: GetReport of a very large report through the gateway vs a plain download.

Starts the SP-API emulator and the gateway as two separate processes (uvicorn, 127.0.0.1),
requests a report of ``--size`` bytes (default 1 GiB; the emulator generates it lazily from
``ReportOptions=emulatorSize=N``), waits until it is done, then in one run:

1. plain: downloads the same document straight from the emulator's presigned URL;
2. gateway cold: MWS GetReport (getReport + getReportDocument + download, spooled to disk
   while hashed, then streamed with its Content-MD5);
3. gateway warm: the same GetReport again, served from the gateway's disk cache.

It prints the gateway process's peak RSS growth during each GetReport (sampled from
/proc/<pid>/status every 20 ms) and throughput relative to the plain download, and checks the
Content-MD5 the gateway sent. Run: ``.venv/bin/python bench/report_download.py [--size BYTES]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not come up")


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
            raise SystemExit(f"download failed: {resp.status_code} {resp.read()[:300]!r}")
        for chunk in resp.iter_raw(1024 * 1024):
            md5.update(chunk)
            size += len(chunk)
        headers = resp.headers
    elapsed = time.perf_counter() - started
    return size, elapsed, base64.b64encode(md5.digest()).decode(), headers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1024 * MIB, help="report size in bytes")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="mws-report-bench-"))
    emu_port, gw_port = free_port(), free_port()
    emu_url, gw_url = f"http://127.0.0.1:{emu_port}", f"http://127.0.0.1:{gw_port}"
    env = dict(os.environ)
    env.update(
        {
            "MWS_GATEWAY_EMULATOR_URL": emu_url,
            "MWS_GATEWAY_DATA_DIR": str(work),
            "MWS_GATEWAY_LOG_LEVEL": "warning",
            "MWS_GATEWAY_REPORT_CACHE_BYTES": str(2 * args.size + MIB),
        }
    )
    cli = [sys.executable, "-m", "gateway.cli"]
    procs = [
        subprocess.Popen([*cli, "emulator", "--port", str(emu_port)], env=env),
        subprocess.Popen(
            [*cli, "serve", "--demo", "--port", str(gw_port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        ),
    ]
    try:
        wait_http(emu_url + "/")
        wait_http(gw_url + "/healthz")
        gateway_pid = procs[1].pid
        with httpx.Client(timeout=600.0) as client:
            created = client.get(
                mws_url(
                    gw_url,
                    "RequestReport",
                    {
                        "ReportType": "_GET_MERCHANT_LISTINGS_ALL_DATA_",
                        "ReportOptions": f"emulatorSize={args.size}",
                    },
                )
            )
            request_id = text_of(created.text, "ReportRequestId")
            report_id = ""
            for _ in range(100):
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
                raise SystemExit("the report never finished")

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
            document = client.get(
                f"{emu_url}/reports/2021-06-30/documents/{report['reportDocumentId']}",
                headers=auth,
            ).json()

            plain_size, plain_s, plain_md5, _ = download(client, document["url"])
            results = [("plain download (emulator URL)", plain_size, plain_s, None)]
            for label in ("gateway GetReport, cold", "gateway GetReport, cached"):
                url = mws_url(gw_url, "GetReport", {"ReportId": report_id})
                with RssSampler(gateway_pid) as rss:
                    size, seconds, md5, headers = download(client, url)
                assert size == plain_size, (size, plain_size)
                assert headers["content-md5"] == md5 == plain_md5, "Content-MD5 mismatch"
                results.append((label, size, seconds, rss.growth_mib))
            # a second plain download (the URL lasts 5 minutes: ask again); the faster plain run
            # is the baseline, so a noisy first run cannot flatter the gateway
            document = client.get(
                f"{emu_url}/reports/2021-06-30/documents/{report['reportDocumentId']}",
                headers=auth,
            ).json()
            _, again_s, _, _ = download(client, document["url"])
            results.append(("plain download again", plain_size, again_s, None))
            plain_s = min(plain_s, again_s)

        print(f"report size {plain_size / MIB:.0f} MiB; Content-MD5 checked on every download")
        print(f"{'':34} {'seconds':>8} {'MiB/s':>8} {'ratio':>6} {'peak RSS growth':>16}")
        for label, size, seconds, growth in results:
            rate = size / MIB / seconds
            ratio = plain_s / seconds
            mem = "" if growth is None else f"{growth:.1f} MiB"
            print(f"{label:34} {seconds:8.2f} {rate:8.1f} {ratio:6.2f} {mem:>16}")
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
