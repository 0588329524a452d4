"""SIGTERM with a download in flight, against a real ``mws-gateway serve`` (issue 13, item 5).

* ``/readyz`` answers 503 at once, while the listener still accepts and serves;
* a slow GetReport in flight completes within the shutdown grace, whole (Content-MD5);
* with a grace shorter than the download, the body is cut and the call's single audit event
  says ``outcome: aborted`` with the bytes sent (fewer than the total);
* a call still waiting for SP-API when the grace ends is answered ``ServiceUnavailable``;
* the process exits 0, and every line on stdout and stderr is JSON (no traceback).

The client reads the report slowly through a small receive buffer, so the download is still
running when the signal arrives.
"""

from __future__ import annotations

import base64
import hashlib
import re
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.serve import ServeProcess, running_emulator, split_response
from tests.support.xmlcheck import assert_valid_mws_xml

pytestmark = pytest.mark.live

MIB = 1024 * 1024
REPORTS = ("/", "2009-01-01")


def text_of(xml: str, tag: str) -> str:
    found = re.search(f"<{tag}>([^<]*)</{tag}>", xml)
    assert found, f"no {tag} in {xml[:500]}"
    return found.group(1)


def big_report(gateway: ServeProcess, size: int) -> str:
    """RequestReport of ``size`` bytes (the emulator's emulatorSize option); its ReportId."""

    def call(action: str, params: dict[str, str]) -> str:
        url = gateway.signed_url("/", action, REPORTS[1], params, seller_param="Merchant")
        resp = httpx.get(url, timeout=30)
        assert resp.status_code == 200, resp.text
        return resp.text

    requested = call(
        "RequestReport",
        {
            "ReportType": "_GET_MERCHANT_LISTINGS_ALL_DATA_",
            "ReportOptions": f"emulatorSize={size}",
        },
    )
    request_id = text_of(requested, "ReportRequestId")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        listed = call("GetReportRequestList", {"ReportRequestIdList.Id.1": request_id})
        if "<GeneratedReportId>" in listed:
            return text_of(listed, "GeneratedReportId")
        time.sleep(0.2)
    raise AssertionError("the report never finished")


class SlowDownload(threading.Thread):
    """GET ``url`` on a raw socket with a small receive buffer, reading ``rate`` bytes/s."""

    def __init__(self, url: str, rate: float, stop_after: int | None = None) -> None:
        super().__init__(daemon=True)
        self.url, self.rate, self.stop_after = url, rate, stop_after
        self.status = 0
        self.headers: dict[str, str] = {}
        self.received = 0
        self.md5 = hashlib.md5()
        self.closed_early = False
        self.underway = threading.Event()  # the first MiB of the body is in
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._run()
        except BaseException as exc:
            self.error = exc
        finally:
            self.underway.set()

    def _run(self) -> None:
        parts = urlsplit(self.url)
        assert parts.hostname and parts.port
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
            sock.settimeout(30)
            sock.connect((parts.hostname, parts.port))
            target = f"{parts.path}?{parts.query}"
            request = f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n"
            sock.sendall(request.encode() + b"\r\n")
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                chunk = sock.recv(65536)
                assert chunk, f"closed before the head: {buffer[:300]!r}"
                buffer += chunk
            self.status, self.headers, body = split_response(buffer)
            length = int(self.headers["content-length"])
            started = time.monotonic()
            self._take(body)
            while self.received < length:
                try:
                    chunk = sock.recv(16 * 1024)
                except ConnectionResetError:
                    chunk = b""
                if not chunk:
                    self.closed_early = True
                    return
                self._take(chunk)
                if self.stop_after is not None and self.received >= self.stop_after:
                    return  # the client goes away
                ahead = self.received / self.rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)

    def _take(self, data: bytes) -> None:
        self.md5.update(data)
        self.received += len(data)
        if self.received >= MIB:
            self.underway.set()

    @property
    def content_md5(self) -> str:
        return base64.b64encode(self.md5.digest()).decode()


def start_download(
    gateway: ServeProcess, report_id: str, rate: float, stop_after: int | None = None
) -> SlowDownload:
    url = gateway.signed_url(
        "/", "GetReport", REPORTS[1], {"ReportId": report_id}, seller_param="Merchant"
    )
    download = SlowDownload(url, rate, stop_after)
    download.start()
    assert download.underway.wait(30) and download.error is None, download.error
    assert download.status == 200
    return download


def the_call(gateway: ServeProcess, action: str) -> dict[str, Any]:
    (event,) = [e for e in gateway.audit_calls() if e.get("action") == action]
    return event


def assert_clean_json_logs(gateway: ServeProcess) -> list[dict[str, Any]]:
    events = gateway.log_events()  # fails on any line that is not JSON
    assert not [e for e in events if "exception" in e or "exc_info" in e]
    assert "Traceback" not in gateway.output()
    return events


def test_sigterm_drains_a_slow_download_while_readyz_says_503(tmp_path: Path) -> None:
    size = 16 * MIB
    gateway = ServeProcess(
        tmp_path,
        env={
            "MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS": "2",
            "MWS_GATEWAY_SHUTDOWN_GRACE_SECONDS": "30",
        },
    )
    try:
        gateway.wait_ready()
        report_id = big_report(gateway, size)
        download = start_download(gateway, report_id, rate=4 * MIB)  # about 4 s
        gateway.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 1.0  # the signal is handled asynchronously
        while True:
            ready = httpx.get(f"{gateway.base}/readyz", timeout=5)  # still accepting
            if ready.status_code == 503 or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        assert ready.status_code == 503, ready.text
        assert ready.json()["ready"] is False and ready.json()["checks"]["shutdown"] == "draining"
        status = httpx.get(
            gateway.signed_url("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01"), timeout=5
        )
        assert status.status_code == 200  # and still serving while the endpoints update
        download.join(timeout=60)
        assert not download.is_alive() and download.error is None, download.error
        assert gateway.proc.wait(timeout=60) == 0, gateway.output()
    finally:
        if gateway.proc.poll() is None:
            gateway.stop()
    assert not download.closed_early
    assert download.received == size
    assert download.content_md5 == download.headers["content-md5"]
    event = the_call(gateway, "GetReport")
    assert event["outcome"] == "ok" and event["status"] == 200
    assert event["bytes_sent"] == event["bytes_total"] == size
    names = [e.get("event") for e in assert_clean_json_logs(gateway)]
    assert "shutdown_requested" in names and "shutdown_draining" in names
    assert "shutdown_grace_expired" not in names


def test_a_download_longer_than_the_grace_is_cut_and_audited_aborted(tmp_path: Path) -> None:
    size = 48 * MIB
    gateway = ServeProcess(
        tmp_path,
        env={
            "MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS": "0.5",
            "MWS_GATEWAY_SHUTDOWN_GRACE_SECONDS": "1",
        },
    )
    try:
        gateway.wait_ready()
        report_id = big_report(gateway, size)
        download = start_download(gateway, report_id, rate=2 * MIB)  # would take 24 s
        gateway.proc.send_signal(signal.SIGTERM)
        assert gateway.proc.wait(timeout=30) == 0, gateway.output()
        download.join(timeout=30)
        assert not download.is_alive() and download.error is None, download.error
    finally:
        if gateway.proc.poll() is None:
            gateway.stop()
    assert download.closed_early and download.received < size
    event = the_call(gateway, "GetReport")  # one event for the call, written when it was cut
    assert event["outcome"] == "aborted" and event["status"] == 200
    assert event["bytes_total"] == size
    assert download.received <= event["bytes_sent"] < size
    events = assert_clean_json_logs(gateway)
    (expired,) = [e for e in events if e.get("event") == "shutdown_grace_expired"]
    assert expired["cancelled"] == 1


def test_a_call_still_waiting_for_sp_api_at_the_end_of_the_grace_gets_service_unavailable(
    tmp_path: Path,
) -> None:
    with running_emulator(tmp_path / "emulator") as emulator:
        emulator.faults({"orders.getOrder": {"latency_ms": 20_000}})
        gateway = ServeProcess(
            tmp_path,
            env={
                "MWS_GATEWAY_EMULATOR_URL": emulator.base,
                "MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS": "0",
                "MWS_GATEWAY_SHUTDOWN_GRACE_SECONDS": "1",
            },
        )
        try:
            gateway.wait_ready()
            url = gateway.signed_url(
                "/Orders/2013-09-01",
                "GetOrder",
                "2013-09-01",
                {"AmazonOrderId.Id.1": "902-3159896-1390916"},
            )
            answer: dict[str, httpx.Response] = {}
            caller = threading.Thread(
                target=lambda: answer.setdefault("r", httpx.get(url, timeout=30)), daemon=True
            )
            caller.start()
            deadline = time.monotonic() + 10  # the call reached the (slow) emulator
            while time.monotonic() < deadline:
                stats = httpx.get(f"{emulator.base}/_emulator/stats", timeout=5).json()
                if "orders.getOrder:latency" in str(stats):
                    break
                time.sleep(0.05)
            gateway.proc.send_signal(signal.SIGTERM)
            caller.join(timeout=30)
            assert gateway.proc.wait(timeout=30) == 0, gateway.output()
        finally:
            if gateway.proc.poll() is None:
                gateway.stop()
    resp = answer["r"]
    assert resp.status_code == 503, resp.text
    root = assert_valid_mws_xml(resp.content)
    assert root.find(".//{*}Code") is not None
    assert root.find(".//{*}Code").text == "ServiceUnavailable"  # type: ignore[union-attr]
    event = the_call(gateway, "GetOrder")
    assert event["outcome"] == "aborted" and event["error_code"] == "ServiceUnavailable"
    assert event["status"] == 503
    assert_clean_json_logs(gateway)


def test_a_client_that_goes_away_mid_download_is_audited_aborted(tmp_path: Path) -> None:
    size = 16 * MIB
    gateway = ServeProcess(tmp_path)
    try:
        gateway.wait_ready()
        report_id = big_report(gateway, size)
        download = start_download(gateway, report_id, rate=8 * MIB, stop_after=2 * MIB)
        download.join(timeout=30)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if any(e.get("action") == "GetReport" for e in gateway.audit_calls()):
                break
            time.sleep(0.05)
        event = the_call(gateway, "GetReport")
    finally:
        assert gateway.stop() == 0, gateway.output()
    assert event["outcome"] == "aborted" and event["status"] == 200
    assert download.received <= event["bytes_sent"] < size == event["bytes_total"]
    assert_clean_json_logs(gateway)
