"""`mws-gateway emulator --port P` serves SP-API (and LWA) alone, for any SP-API client."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from gateway.config import DEMO_LWA_CLIENT_ID, DEMO_LWA_CLIENT_SECRET, DEMO_REFRESH_TOKEN

pytestmark = pytest.mark.live


def test_emulator_command_serves_lwa_and_sellers() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    cli = Path(sys.executable).parent / "mws-gateway"
    proc = subprocess.Popen(
        [str(cli), "emulator", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                token = httpx.post(
                    f"{base}/auth/o2/token",
                    data={
                        "grant_type": "refresh_token",
                        "refresh_token": DEMO_REFRESH_TOKEN,
                        "client_id": DEMO_LWA_CLIENT_ID,
                        "client_secret": DEMO_LWA_CLIENT_SECRET,
                    },
                    timeout=2,
                )
                break
            except httpx.TransportError:
                assert proc.poll() is None
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert token.status_code == 200
        access = token.json()["access_token"]
        resp = httpx.get(
            f"{base}/sellers/v1/marketplaceParticipations",
            headers={"x-amz-access-token": access},
            timeout=5,
        )
        assert resp.status_code == 200
        ids = {p["marketplace"]["id"] for p in resp.json()["payload"]}
        assert "ATVPDKIKX0DER" in ids
        denied = httpx.get(
            f"{base}/sellers/v1/marketplaceParticipations",
            headers={"x-amz-access-token": "Atza|forged"},
            timeout=5,
        )
        assert denied.status_code == 403
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
