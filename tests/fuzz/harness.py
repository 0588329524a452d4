"""Sending raw, possibly hostile HTTP requests to the gateway's ASGI app, and judging answers.

The fuzz requests are built as ASGI scopes by hand rather than through ``httpx``: httpx's URL
model refuses non-ASCII bytes and normalises percent-encodings, and the point here is to send
exactly the bytes a broken or hostile client would. Everything stays in memory; the app's
lifespan runs in a blocking portal so both pytest (with hypothesis, synchronous) and the
standalone driver can use one :class:`Harness`.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, MutableMapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import anyio
import yaml
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.catalog import CatalogError, default_mappings_dir, resolve_handler
from gateway.config import Settings
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

REQUEST_TIMEOUT_S = 20.0
"""Upper bound for one request (the gateway's own upstream budget is far below it)."""

# 5xx answers the gateway may give for reasons outside the client's control (MWS used 503 for
# throttling; ServiceUnavailable is an upstream or backing-service outage).
ALLOWED_5XX = frozenset({"RequestThrottled", "QuotaExceeded", "ServiceUnavailable"})
PLAIN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


@dataclass(frozen=True)
class FuzzRequest:
    """One HTTP request as raw as ASGI allows."""

    label: str  # which strategy made it (for histograms and failure reports)
    method: str
    path: bytes  # raw path, percent-encoded or not
    query: bytes = b""
    headers: tuple[tuple[bytes, bytes], ...] = ()
    body: tuple[bytes, ...] = ()  # chunks; more than one is a chunked upload
    chunked: bool = False
    disconnect_after: int | None = None  # client goes away after this many body chunks

    def describe(self, limit: int = 300) -> str:
        body = b"".join(self.body)
        return (
            f"[{self.label}] {self.method} {self.path[:120]!r}?{self.query[:limit]!r} "
            f"headers={[(k, v[:60]) for k, v in self.headers]!r} "
            f"body={len(body)}B in {len(self.body)} chunk(s){' chunked' if self.chunked else ''}"
            f"{f' disconnect@{self.disconnect_after}' if self.disconnect_after is not None else ''}"
            f" {body[:120]!r}"
        )


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float
    completed: bool = True


@dataclass
class Verdict:
    status: int
    code: str | None  # MWS error code (None for a success)
    problems: list[str] = field(default_factory=list)

    @property
    def bucket(self) -> str:
        return f"{self.status} {self.code}" if self.code else str(self.status)


def _scope(req: FuzzRequest) -> dict[str, Any]:
    headers = list(req.headers)
    names = {k.lower() for k, _ in headers}
    body_len = sum(len(c) for c in req.body)
    if req.chunked:
        if b"transfer-encoding" not in names:
            headers.append((b"transfer-encoding", b"chunked"))
    elif b"content-length" not in names and (req.body or req.method == "POST"):
        headers.append((b"content-length", str(body_len).encode()))
    if b"host" not in names:
        headers.append((b"host", b"testserver"))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": req.method,
        "scheme": "http",
        "path": unquote(req.path.decode("latin-1")),
        "raw_path": req.path,
        "query_string": req.query,
        "root_path": "",
        "headers": [(k.lower(), v) for k, v in headers],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
        "state": {},
    }


async def asgi_call(app: Starlette, req: FuzzRequest) -> Answer:
    """Run one request through ``app``; exceptions the app raises propagate to the caller."""
    chunks = list(req.body) or [b""]
    if req.disconnect_after is not None:
        chunks = chunks[: req.disconnect_after]
    sent = 0
    done = anyio.Event()
    status = 0
    headers: dict[str, str] = {}
    parts: list[bytes] = []
    started = time.perf_counter()

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent < len(chunks):
            index = sent
            sent += 1
            last = index == len(chunks) - 1 and req.disconnect_after is None
            return {"type": "http.request", "body": chunks[index], "more_body": not last}
        if req.disconnect_after is not None:
            return {"type": "http.disconnect"}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
            for key, value in message.get("headers", []):
                name = key.decode("latin-1").lower()
                text = value.decode("latin-1")
                headers[name] = f"{headers[name]}, {text}" if name in headers else text
        elif message["type"] == "http.response.body":
            parts.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                done.set()

    with anyio.fail_after(REQUEST_TIMEOUT_S):
        await app(_scope(req), receive, send)
    return Answer(status, headers, b"".join(parts), time.perf_counter() - started, done.is_set())


def judge(req: FuzzRequest, answer: Answer) -> Verdict:
    """Every answer must be a valid MWS document (or a documented non-MWS endpoint)."""
    problems: list[str] = []
    path = unquote(req.path.decode("latin-1"))
    if req.disconnect_after is not None and not answer.completed:
        return Verdict(answer.status or 499, "ClientGone")
    if answer.status == 0 or not answer.completed:
        return Verdict(answer.status, None, ["no complete response was sent"])
    if path in PLAIN_PATHS:  # operations endpoints (not MWS): plain answers, never a 500
        if answer.status >= 500 and not (path == "/readyz" and answer.status == 503):
            problems.append(f"operations endpoint answered {answer.status}")
        return Verdict(answer.status, "ops-endpoint", problems)
    ctype = answer.headers.get("content-type", "")
    if answer.status == 200 and not ctype.startswith("text/xml"):
        # a raw document (GetReport, GetFeedSubmissionResult): its Content-MD5 must be right
        md5 = base64.b64encode(hashlib.md5(answer.body).digest()).decode()
        if answer.headers.get("content-md5") != md5:
            problems.append("raw 200 body without a matching Content-MD5")
        return Verdict(200, None, problems)
    if ctype != "text/xml":
        problems.append(f"content-type {ctype!r} is not text/xml")
    if req.method == "HEAD" and not answer.body:
        return Verdict(answer.status, "HEAD", problems)
    try:
        root = assert_valid_mws_xml(answer.body)
    except (AssertionError, ET.ParseError, Exception) as exc:  # xmlschema raises its own types
        problems.append(f"body is not valid MWS XML: {type(exc).__name__}: {str(exc)[:300]}")
        return Verdict(answer.status, None, problems)
    request_id = answer.headers.get("x-mws-request-id")
    if not request_id:
        problems.append("no x-mws-request-id header")
    code: str | None = None
    if strip_ns(root.tag) == "ErrorResponse":
        code = find_text(root, "Error/Code") or "?"
        if answer.status < 400:
            problems.append(f"ErrorResponse with status {answer.status}")
        # section namespaces say RequestID; the front-door namespace (no section) RequestId
        if request_id not in (find_text(root, "RequestID"), find_text(root, "RequestId")):
            problems.append("RequestID differs from x-mws-request-id")
        if answer.status >= 500 and not (answer.status == 503 and code in ALLOWED_5XX):
            problems.append(f"5xx answer {answer.status} {code}")
    else:
        if answer.status != 200:
            problems.append(f"success document with status {answer.status}")
        if not strip_ns(root.tag).endswith("Response"):
            problems.append(f"unexpected root element {root.tag}")
        if find_text(root, "ResponseMetadata/RequestId") != request_id:
            problems.append("ResponseMetadata/RequestId differs from x-mws-request-id")
    return Verdict(answer.status, code, problems)


class Harness:
    """A gateway app with its lifespan running in a portal; :meth:`check` sends and judges."""

    def __init__(self, settings: Settings, *, tune: Any = None) -> None:
        self.settings = settings
        self.app = create_app(settings)
        if tune is not None:
            tune(self.app)
        self._stack = ExitStack()
        self.portal: BlockingPortal | None = None

    def __enter__(self) -> Harness:
        self.portal = self._stack.enter_context(start_blocking_portal("asyncio"))
        self._stack.enter_context(
            self.portal.wrap_async_context_manager(self.app.router.lifespan_context(self.app))
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def send(self, req: FuzzRequest) -> Answer:
        assert self.portal is not None, "use the harness as a context manager"
        return self.portal.call(asgi_call, self.app, req)

    def check(self, req: FuzzRequest) -> Verdict:
        """Send ``req``; an exception escaping the app or a timeout becomes a problem."""
        try:
            answer = self.send(req)
        except TimeoutError:
            return Verdict(0, None, [f"no answer within {REQUEST_TIMEOUT_S}s"])
        except Exception as exc:
            return Verdict(0, None, [f"exception escaped the app: {type(exc).__name__}: {exc}"])
        return judge(req, answer)


def relax_upstream(app: Starlette) -> None:
    """For fuzzing translated operations: no client-side pacing and no emulator rate limits
    (fuzzing is about inputs, and pacing waits would only slow it down)."""
    app.state.services.spapi.pacer = None
    emulator = app.state.emulator_app
    if emulator is not None:
        emulator.state.emulator.config.rate_mode = "off"


def handler_available(ref: str | None) -> bool:
    """Whether a ``module:function`` handler exists (other sections are still landing)."""
    if not ref:
        return False
    try:
        resolve_handler(ref)
    except CatalogError:
        return False
    return True


def landed_mappings(target: Path) -> Path:
    """A copy of the mapping tables where targets whose handler does not import yet are
    ``unsupported`` (a section being written in parallel must not stop the fuzz run)."""
    shutil.copytree(default_mappings_dir(), target)
    for path in (target / "sections").glob("*.yaml"):
        doc = yaml.safe_load(path.read_text())
        for entry in doc["operations"].values():
            op_target = entry["target"]
            if op_target["kind"] != "unsupported" and not handler_available(
                op_target.get("handler")
            ):
                entry["target"] = {"kind": "unsupported", "note": "handler not available yet"}
        path.write_text(yaml.safe_dump(doc))
    return target


@contextmanager
def harnesses(data_dir: Path) -> Iterator[tuple[Harness, Harness]]:
    """(front door: translated operations disabled, MWS quotas on;
    operations: the demo gateway with the embedded emulator, quotas off)."""
    from tests.support.gateway import demo_settings, local_only_mappings

    front = demo_settings(
        data_dir / "front",
        upstream={"mode": "emulator", "emulator_url": "http://127.0.0.1:9"},
        mappings_dir=str(local_only_mappings(data_dir / "mappings")),
    )
    ops = demo_settings(
        data_dir / "ops",
        mappings_dir=str(landed_mappings(data_dir / "landed")),
        quotas="off",
        upstream={"max_attempts": 2, "retry_budget_seconds": 3, "timeout_seconds": 5},
    )
    with Harness(front) as h1, Harness(ops, tune=relax_upstream) as h2:
        yield h1, h2
