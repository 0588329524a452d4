"""``mws-gateway serve`` as a real process: its pid, its logs, signals, raw sockets.

:class:`ServeProcess` starts the installed console script the way ``make run`` and the
Docker image do, with stdout and stderr written to files (so a test can read them while the
process runs and after it exits), and offers the raw-socket helpers the hostile-client tests
need.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from gateway.config import load_settings
from tests.support.signing import encode, signed_params

CLI = Path(sys.executable).with_name("mws-gateway")
REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServeProcess:
    def __init__(
        self,
        workdir: Path,
        *,
        env: Mapping[str, str] | None = None,
        demo: bool = True,
        name: str = "gateway",
    ) -> None:
        self.port = free_port()
        self.demo = demo
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = workdir / f"{name}.stdout"
        self.stderr_path = workdir / f"{name}.stderr"
        full_env = dict(os.environ)
        full_env.update(
            {
                "MWS_GATEWAY_DATA_DIR": str(workdir / "data"),
                "MWS_GATEWAY_HOST": "127.0.0.1",
                "MWS_GATEWAY_PORT": str(self.port),
            }
        )
        full_env.update(env or {})
        args = [str(CLI), "serve", *(["--demo"] if demo else [])]
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(args, cwd=REPO, env=full_env, stdout=out, stderr=err)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited {self.proc.returncode}: {self.output()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/readyz", timeout=1).status_code == 200:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"gateway did not become ready: {self.output()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)
            raise

    def output(self) -> str:
        return self.stdout() + "\n--- stderr ---\n" + self.stderr()

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def banner(self) -> str:
        """What ``serve --demo`` prints on stderr before anything else (not a log line)."""
        if not self.demo:
            return ""
        from gateway.cli import _demo_banner

        return _demo_banner(
            load_settings(demo=True, env={}, overrides={"host": "127.0.0.1", "port": self.port})
        )

    def log_events(self) -> list[dict[str, Any]]:
        """Every line of stdout and stderr as JSON (the demo banner aside); fails on any
        line that is not a JSON object."""
        err = self.stderr()
        banner = self.banner()
        assert err.startswith(banner), err[:500]
        err = err[len(banner) :]
        events: list[dict[str, Any]] = []
        for stream, text in (("stdout", self.stdout()), ("stderr", err)):
            for line in text.splitlines():
                if not line.strip():
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    raise AssertionError(f"{stream} line is not JSON: {line[:300]!r}") from None
                assert isinstance(event, dict), line[:300]
                events.append(event)
        return events

    def audit_calls(self) -> list[dict[str, Any]]:
        return [e for e in self.log_events() if e.get("event") == "mws_call"]

    def signed_url(
        self,
        path: str,
        action: str,
        version: str,
        params: Mapping[str, str] | None = None,
        **sign_kwargs: Any,
    ) -> str:
        host = f"127.0.0.1:{self.port}"
        signed = signed_params(action, version, path, params, host=host, **sign_kwargs)
        return f"{self.base}{path}?{encode(signed)}"

    def vm_kib(self, field: str = "VmHWM") -> int:
        """VmRSS / VmHWM (peak resident set) of the process, from /proc."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
        raise AssertionError(f"no {field} in /proc/{self.pid}/status")


@contextmanager
def running(workdir: Path, **kwargs: Any) -> Iterator[ServeProcess]:
    """A started and ready gateway process, stopped (SIGTERM) at the end."""
    gateway = ServeProcess(workdir, **kwargs)
    try:
        gateway.wait_ready()
        yield gateway
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            gateway.stop()


def raw_exchange(port: int, request: bytes, *, timeout: float = 10.0) -> bytes:
    """Send ``request`` on a new connection; everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        with contextlib.suppress(OSError):
            sock.sendall(request)
        return read_until_closed(sock, timeout)


def read_until_closed(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    data = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(65536):
            data += chunk
    return data


def split_response(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """(status, headers with lower-case names, body) of one raw HTTP/1.1 response."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    assert sep, f"no complete response head in {raw[:300]!r}"
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


class EmulatorProcess:
    """``mws-gateway emulator`` (SP-API rate limits off), for a gateway to call over HTTP; its
    ``/_emulator/faults`` endpoint injects latency and errors."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        workdir.mkdir(parents=True, exist_ok=True)
        self.log_path = workdir / "emulator.log"
        args = [str(CLI), "emulator", "--port", str(self.port), "--rate-mode", "off"]
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(args, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{self.base}/_emulator/stats", timeout=1)
                break
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"emulator did not start: {self.log_path.read_text()}")
            time.sleep(0.1)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def faults(self, table: Mapping[str, Any]) -> None:
        httpx.post(f"{self.base}/_emulator/faults", json=dict(table), timeout=5).raise_for_status()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


@contextmanager
def running_emulator(workdir: Path) -> Iterator[EmulatorProcess]:
    emulator = EmulatorProcess(workdir)
    try:
        yield emulator
    finally:
        emulator.stop()
