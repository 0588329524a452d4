"""Hostile HTTP against a real ``mws-gateway serve --demo`` process (issue 13, items 4 and 8).

Request heads are bounded while they are read (size, field count, time), and everything the
HTTP layer refuses is an MWS ``ErrorResponse`` in XML, never uvicorn's plain text, with JSON
log lines only. The process runs with the default limits (32 KiB of header fields, 100
fields, 32 KiB request line) and a 1.5 s header timeout.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.serve import ServeProcess, raw_exchange, read_until_closed, split_response
from tests.support.xmlcheck import assert_valid_mws_xml

pytestmark = pytest.mark.live

HEADER_TIMEOUT = 1.5
NS = "{https://mws.amazonservices.com/}"
GSS = ("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    proc = ServeProcess(
        tmp_path_factory.mktemp("front-door"),
        env={"MWS_GATEWAY_HEADER_TIMEOUT_SECONDS": str(HEADER_TIMEOUT)},
    )
    try:
        proc.wait_ready()
        yield proc
    finally:
        assert proc.stop() == 0, proc.output()
    proc.log_events()  # every line JSON, also those written while stopping


def assert_mws_refusal(raw: bytes, status: int, message_part: str = "") -> str:
    """The raw answer is an MWS ErrorResponse (InvalidRequest) with ``status``; its message."""
    got, headers, body = split_response(raw)
    assert got == status, raw[:400]
    assert headers["content-type"] == "text/xml"
    assert headers["connection"] == "close"
    assert int(headers["content-length"]) == len(body)
    root = assert_valid_mws_xml(body)
    assert root.tag == f"{NS}ErrorResponse"
    assert root.findtext(f"{NS}Error/{NS}Code") == "InvalidRequest"
    assert root.findtext(f"{NS}Error/{NS}Type") == "Sender"
    assert root.findtext(f"{NS}RequestID") == headers["x-mws-request-id"]
    message = root.findtext(f"{NS}Error/{NS}Message") or ""
    assert message_part in message
    return message


def head(*fields: bytes, target: bytes = b"/Orders/2013-09-01") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"".join(fields)


def rejected(gateway: ServeProcess) -> list[dict[str, object]]:
    return [e for e in gateway.log_events() if e.get("event") == "http_request_rejected"]


# -- size ---------------------------------------------------------------------------------


def test_a_one_mib_header_is_refused_431_before_the_app(gateway: ServeProcess) -> None:
    before = len(gateway.audit_calls())
    raw = raw_exchange(gateway.port, head(b"X-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"))
    assert_mws_refusal(raw, 431, "larger than")
    assert len(gateway.audit_calls()) == before  # never reached the pipeline
    assert rejected(gateway)[-1]["status"] == 431


def test_ten_thousand_headers_are_refused_431(gateway: ServeProcess) -> None:
    fields = b"".join(b"X-H%d: v\r\n" % i for i in range(10_000))
    raw = raw_exchange(gateway.port, head(fields, b"\r\n"))
    assert_mws_refusal(raw, 431, "more than 100 header fields")


def test_header_fields_over_32_kib_in_total_are_refused_431(gateway: ServeProcess) -> None:
    fields = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 500) for i in range(70))  # ~35 KiB
    raw = raw_exchange(gateway.port, head(fields, b"\r\n"))
    assert_mws_refusal(raw, 431, "larger than 32768 bytes")


def test_a_request_within_the_limits_is_served(gateway: ServeProcess) -> None:
    fields = {f"X-Padding-{i}": "v" * 250 for i in range(90)}  # 90 fields, ~25 KiB
    resp = httpx.get(gateway.signed_url(*GSS), headers=fields, timeout=10)
    assert resp.status_code == 200, resp.text
    assert b"<Status>GREEN</Status>" in resp.content


def _send_hostile_header(port: int, megabytes: int, errors: list[BaseException]) -> None:
    """Stream one header value of ``megabytes`` MiB, ignoring the server's answer."""
    chunk = b"a" * (1 << 20)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
            sock.sendall(head(b"X-Big: "))
            with contextlib.suppress(OSError):  # the server may close on us: that is the point
                for _ in range(megabytes):
                    sock.sendall(chunk)
    except BaseException as exc:  # pragma: no cover - reported by the test
        errors.append(exc)


def test_huge_header_values_in_parallel_do_not_grow_memory(gateway: ServeProcess) -> None:
    """8 connections each streaming a 64 MiB header value: the peak RSS of the process
    (VmHWM) must not move by more than a few MiB (it grew by ~450 MiB before)."""
    peak_before = gateway.vm_kib("VmHWM")
    errors: list[BaseException] = []
    threads = [
        threading.Thread(target=_send_hostile_header, args=(gateway.port, 64, errors))
        for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and not any(t.is_alive() for t in threads)
    growth_mib = (gateway.vm_kib("VmHWM") - peak_before) / 1024
    print(f"peak RSS growth under 8 x 64 MiB header values: {growth_mib:.1f} MiB")
    assert growth_mib < 24, f"peak RSS grew by {growth_mib:.1f} MiB"
    # and the gateway still answers
    assert httpx.get(f"{gateway.base}/healthz", timeout=10).status_code == 200


# -- malformed heads ------------------------------------------------------------------------


def test_an_overlong_request_line_is_414_in_mws_xml(gateway: ServeProcess) -> None:
    target = b"/Orders/2013-09-01?Action=GetServiceStatus&Pad=" + b"x" * 70_000
    raw = raw_exchange(gateway.port, head(b"\r\n", target=target))
    assert_mws_refusal(raw, 414, "longer than 32768 bytes")


@pytest.mark.parametrize(
    "request_bytes",
    [
        head(b"X-Ctl: a\x01b\r\n\r\n"),
        head(b"X-Del: a\x7fb\r\n\r\n"),
        head(b"X-Bad\x02Name: v\r\n\r\n"),
        b"GET /Orders/2013-09-01\x00 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40,  # a TLS ClientHello
        b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    ],
    ids=["ctl-in-value", "del-in-value", "ctl-in-name", "nul-in-target", "tls", "version"],
)
def test_malformed_requests_are_400_in_mws_xml(gateway: ServeProcess, request_bytes: bytes) -> None:
    raw = raw_exchange(gateway.port, request_bytes)
    assert_mws_refusal(raw, 400, "could not be parsed")
    event = rejected(gateway)[-1]
    assert event["status"] == 400 and event["error_code"] == "InvalidRequest"


def test_refusals_leave_json_log_lines_only(gateway: ServeProcess) -> None:
    raw_exchange(gateway.port, head(b"X-Ctl: a\x01b\r\n\r\n"))
    raw_exchange(gateway.port, b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n")
    gateway.log_events()  # raises on any line that is not JSON
    assert {e["status"] for e in rejected(gateway)} >= {400, 414}
    text = gateway.output()
    assert "Invalid HTTP request received" not in text and "WARNING:" not in text


# -- time -----------------------------------------------------------------------------------


def test_slow_heads_and_idle_connections_are_closed_after_the_header_timeout(
    gateway: ServeProcess,
) -> None:
    """50 slowloris connections (25 sending a head byte every 0.3 s, 25 sending nothing) are
    all closed within the header timeout plus a margin; the slow ones get an MWS 408."""
    margin = 5.0
    slow = [socket.create_connection(("127.0.0.1", gateway.port), timeout=5) for _ in range(25)]
    idle = [socket.create_connection(("127.0.0.1", gateway.port), timeout=5) for _ in range(25)]
    started = time.monotonic()
    for sock in slow:
        sock.sendall(b"GET /Orders/2013-09-01?Action=GetServiceStatus")
    received: dict[socket.socket, bytes] = {sock: b"" for sock in slow + idle}
    open_socks = set(received)
    next_byte = started
    try:
        while open_socks and time.monotonic() < started + HEADER_TIMEOUT + margin:
            if time.monotonic() >= next_byte:  # one more head byte on every slow connection
                next_byte += 0.3
                for sock in slow:
                    if sock in open_socks:
                        with contextlib.suppress(OSError):
                            sock.send(b"a")
            readable, _, _ = select.select(list(open_socks), [], [], 0.05)
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    data = b""
                received[sock] += data
                if not data:
                    open_socks.discard(sock)
        still_open = len(open_socks)
        elapsed = time.monotonic() - started
    finally:
        for sock in received:
            sock.close()
    print(f"50 slow connections closed after {elapsed:.2f} s (header timeout {HEADER_TIMEOUT} s)")
    assert still_open == 0, f"{still_open} of 50 connections still open after {elapsed:.1f} s"
    for sock in slow:
        assert_mws_refusal(received[sock], 408, "did not arrive within")
    assert all(received[sock] == b"" for sock in idle)  # nothing to answer: closed quietly


def test_a_slow_but_timely_head_and_keep_alive_are_served(gateway: ServeProcess) -> None:
    url = gateway.signed_url(*GSS)
    target = url.split(str(gateway.port), 1)[1].encode()
    request = b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % gateway.port
    with socket.create_connection(("127.0.0.1", gateway.port), timeout=10) as sock:
        for i in range(0, len(request), len(request) // 3 + 1):  # 3 pieces over ~0.6 s
            sock.sendall(request[i : i + len(request) // 3 + 1])
            time.sleep(0.2)
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200 "), first[:200]
        time.sleep(0.5)  # idle between requests: keep-alive, not the header timeout
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        second = read_until_closed(sock, 10)
    assert second.startswith(b"HTTP/1.1 200 "), second[:200]


def test_the_limits_are_settings(tmp_path: Path) -> None:
    """Smaller limits from the environment are the ones enforced."""
    env = {
        "MWS_GATEWAY_MAX_HEADER_BYTES": "2048",
        "MWS_GATEWAY_MAX_HEADERS": "10",
        "MWS_GATEWAY_MAX_REQUEST_LINE_BYTES": "20000",
    }
    proc = ServeProcess(tmp_path, env=env)
    try:
        proc.wait_ready()

        def fields(n: int) -> bytes:  # Host, n - 2 more, Connection
            extra = b"".join(b"X-H%d: v\r\n" % i for i in range(n - 2))
            return b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + extra + b"Connection: close\r\n\r\n"

        assert split_response(raw_exchange(proc.port, fields(10)))[0] == 200
        assert_mws_refusal(raw_exchange(proc.port, fields(11)), 431, "more than 10 header fields")
        big = raw_exchange(proc.port, head(b"X-A: " + b"a" * 3000 + b"\r\n\r\n"))
        assert_mws_refusal(big, 431, "larger than 2048 bytes")
        long_line = raw_exchange(proc.port, head(b"\r\n", target=b"/" + b"a" * 20_001))
        assert_mws_refusal(long_line, 414, "longer than 20000 bytes")
    finally:
        assert proc.stop() == 0, proc.output()
    proc.log_events()
