"""`mws-gateway serve --demo` as `make run` starts it: banner, JSON logs, clean SIGTERM."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import mws
import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from tests.support.serve import ServeProcess

pytestmark = pytest.mark.live


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_demo_serve_answers_logs_json_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    env = dict(os.environ, MWS_GATEWAY_DATA_DIR=str(tmp_path), MWS_GATEWAY_PORT=str(port))
    cli = Path(sys.executable).parent / "mws-gateway"
    proc = subprocess.Popen(
        [str(cli), "serve", "--demo"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "gateway did not start"
            time.sleep(0.1)
        api = mws.Orders(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=base)
        assert api.get_service_status().parsed["Status"] == "GREEN"
        assert httpx.get(f"{base}/readyz", timeout=5).json()["ready"] is True
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err.decode()
    banner = err.decode()
    for expected in (DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, "ATVPDKIKX0DER", f":{port}"):
        assert expected in banner
    events = [json.loads(line) for line in out.decode().splitlines() if line.startswith("{")]
    calls = [e for e in events if e.get("event") == "mws_call"]
    assert len(calls) == 1 and calls[0]["action"] == "GetServiceStatus"


def test_demo_serve_stops_on_ctrl_c_at_once_with_json_logs_only(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT) skips the readiness delay a SIGTERM gets, and still exits 0."""
    gateway = ServeProcess(tmp_path, env={"MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS": "30"})
    try:
        gateway.wait_ready()
        sent = time.monotonic()
        assert gateway.stop(signal.SIGINT, timeout=20) == 0, gateway.output()
        assert time.monotonic() - sent < 15  # not the 30 s readiness delay
    finally:
        if gateway.proc.poll() is None:
            gateway.stop()
    names = [e.get("event") for e in gateway.log_events()]
    assert "shutdown_requested" in names and "shutdown_complete" in names
