"""Helpers the benchmarks share: ports, waiting for servers, stopping them, signed requests."""

from __future__ import annotations

import socket
import subprocess
import time

import httpx

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from gateway.mws.signature import signed_query
from gateway.mws.timestamps import format_millis, from_epoch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(
    port: int, proc: subprocess.Popen[bytes] | None = None, timeout: float = 30.0
) -> None:
    """Wait until something accepts connections on 127.0.0.1:``port`` (``proc`` still alive)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process for port {port} exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port}")


def wait_http(url: str, timeout: float = 60.0) -> None:
    """Wait until ``url`` answers HTTP at all."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def stop(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_all(procs: list[subprocess.Popen[bytes]], timeout: float = 15.0) -> None:
    """Terminate every process first, then wait for each (killing stragglers)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        stop(proc, timeout)


def signed_demo_url(port: int, path: str, version: str, action: str = "GetServiceStatus") -> str:
    """A freshly signed GET for the demo credentials (SellerId) on 127.0.0.1:``port``."""
    params = {
        "AWSAccessKeyId": DEMO_ACCESS_KEY,
        "Action": action,
        "SellerId": DEMO_SELLER,
        "Timestamp": format_millis(from_epoch(time.time())),
        "Version": version,
    }
    query = signed_query(
        secret=DEMO_SECRET, method="GET", host=f"127.0.0.1:{port}", path=path, params=params
    )
    return f"http://127.0.0.1:{port}{path}?{query}"
