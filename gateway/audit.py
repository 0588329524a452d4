"""The structured audit log: one JSON line per MWS call, nothing secret in it.

Processors are pure dict-to-dict functions (structlog style); the only I/O is the final
write of the rendered line. :func:`redact` is the last line of defence: keys that name
secrets are dropped and values that look like credentials are masked, whatever a caller
put in the event.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
from collections.abc import MutableMapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, WrappedLogger

AUDIT_LOGGER = "mws_gateway.audit"

_SECRET_KEYS = re.compile(
    r"(secret|password|passwd|signature|token|authorization|refresh|credential|cookie)",
    re.IGNORECASE,
)
_ALLOWED_KEYS = frozenset({"mws_auth_token_fingerprint", "next_token_present"})
# Each pattern masks its last group (or the whole match when it has none).
_SECRET_VALUES = [
    re.compile(r"(?:Atz[ar]|Atz\.sprdt|Atc)\|[A-Za-z0-9_\-|.+/=]+"),  # LWA tokens, RDTs
    re.compile(r"(?i)(?:x-amz-access-token|authorization)[\"']?\s*[:=]\s*(\S+)"),
    re.compile(
        r"(?i)[?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|sig"
        r"|expires|token)=([^&\s\"']+)"
    ),
    re.compile(r"amzn\.mws\.[0-9A-Za-z-]{8,}"),  # MWSAuthToken
]
# Literal markers (lower case) of everything the patterns above and the key check can match.
# Substring tests are ~50x cheaper than one case-insensitive regex alternation, so the common
# case (nothing suspicious) costs a lower() and a few ``in`` scans.
_MARKERS = (
    "atza|",
    "atzr|",
    "atz.sprdt|",
    "atc|",
    "x-amz-",
    "authorization",
    "signature",
    "sig=",
    "expires=",
    "token",
    "amzn.mws.",
    "secret",
    "password",
    "passwd",
    "refresh",
    "credential",
    "cookie",
)


def _suspicious(text: str) -> bool:
    lowered = text.lower()
    return any(marker in lowered for marker in _MARKERS)


def _mask(value: str) -> str:
    if not _suspicious(value):
        return value
    for pattern in _SECRET_VALUES:
        if pattern.groups:
            value = pattern.sub(
                lambda m: m.group(0)[: m.start(1) - m.start(0)] + "[REDACTED]", value
            )
        else:
            value = pattern.sub("[REDACTED]", value)
    return value


@lru_cache(maxsize=1024)
def _secret_key(key: str) -> bool:
    return key not in _ALLOWED_KEYS and _SECRET_KEYS.search(key) is not None


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _mask(value)
    if isinstance(value, dict):
        return {k: "[REDACTED]" if _secret_key(str(k)) else _scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def render_redacted(_logger: WrappedLogger, _name: str, event: EventDict) -> str:
    """JSON-render ``event``; run :func:`redact` first only when the line looks suspicious.

    Equivalent to ``redact`` followed by ``JSONRenderer`` (a test checks it), but one regex
    scan of the rendered line replaces the recursive walk for the events that need none."""
    line = json.dumps(event, default=repr)
    if _suspicious(line):
        line = json.dumps(redact(_logger, _name, event), default=repr)
    return line


def redact(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Drop secret-named keys and mask credential-looking values, recursively."""
    for key, value in event.items():
        if _secret_key(key):
            event[key] = "[REDACTED]"
        elif value is not None and not isinstance(value, int | float | bool):
            event[key] = _scrub(value)
    return event


def _utc_timestamp(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    now = time.time()
    event["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + (
        f".{int(now % 1 * 1_000_000):06d}Z"
    )
    return event


_LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40}
_audit: Any = None


def _processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.ExceptionRenderer(
            structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        ),
        redact,
        structlog.processors.JSONRenderer(),
    ]


def _quiet_cancellation(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """A request cancelled at the end of the shutdown grace is not a crash: no traceback.

    uvicorn logs the ``CancelledError`` of every task it cancels as "Exception in ASGI
    application" at ERROR, with the traceback; the call itself is audited (aborted)."""
    exc_info = event.get("exc_info")
    if isinstance(exc_info, tuple) and isinstance(exc_info[1], asyncio.CancelledError):
        event.pop("exc_info")
        event["event"] = "request_cancelled_at_shutdown"
        event["level"] = "warning"
    return event


_STDLIB_HANDLER = "mws_gateway_json"


def _route_stdlib_logging(out: TextIO, level: int) -> None:
    """Every stdlib logger (uvicorn.error, asyncio, the emulator...) as JSON lines on ``out``."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_logger_name,
            structlog.stdlib.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _quiet_cancellation,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            redact,
            structlog.processors.JSONRenderer(),
        ],
    )
    handler = logging.StreamHandler(out)
    handler.set_name(_STDLIB_HANDLER)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _STDLIB_HANDLER]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(max(logging.WARNING, level))


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """JSON lines on ``stream`` (stdout); exceptions rendered without local variables.

    structlog events and stdlib log records alike (uvicorn's included: serve them with
    ``log_config=None``), so no plain-text line reaches the log."""
    global _audit
    out = stream or sys.stdout
    wrapper = structlog.make_filtering_bound_logger(_LEVELS.get(level.lower(), 20))
    structlog.configure(
        processors=_processors(),
        wrapper_class=wrapper,
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    # The audit logger is bound once (no per-call proxy lookup on the hot path) and runs a
    # short chain: its events carry no exceptions and no context variables.
    _audit = structlog.wrap_logger(
        structlog.WriteLogger(file=out),
        processors=[structlog.processors.add_log_level, _utc_timestamp, render_redacted],
        wrapper_class=wrapper,
    )
    _route_stdlib_logging(out, _LEVELS.get(level.lower(), 20))
    # uvicorn's own access log would duplicate the audit event; keep its errors only.
    logging.getLogger("uvicorn.access").disabled = True
    # httpx logs every request URL at INFO, presigned document URLs included.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def emit(event: MutableMapping[str, Any], name: str = "mws_call") -> None:
    """One audit line: ``mws_call`` for a client's call, ``background_work`` for SP-API work
    the gateway does on its own behalf (feed parts, report prefetches)."""
    if _audit is None:
        configure_logging()
    _audit.info(name, logger=AUDIT_LOGGER, **event)


# -- what one call adds to its audit event --------------------------------------------------


@dataclass
class UpstreamCall:
    """One SP-API exchange, as recorded in the audit event (no URLs with secrets)."""

    operation: str  # e.g. "orders.searchOrders"
    status: int | None  # HTTP status, None when no response came back
    attempts: int
    latency_ms: float
    request_id: str | None = None  # x-amzn-RequestId
    rdt: bool = False
    error: str | None = None  # exception class or SP-API error code


@dataclass
class AuditTrail:
    """What a handler adds to the request's audit event."""

    upstream: list[UpstreamCall] = field(default_factory=list)
    notes: dict[str, Any] = field(default_factory=dict)  # small, non-PII facts only


def upstream_entries(calls: list[UpstreamCall]) -> list[dict[str, Any]]:
    """The ``upstream`` list of an audit event (no URL, nothing secret)."""
    return [
        {
            "operation": u.operation,
            "status": u.status,
            "attempts": u.attempts,
            "latency_ms": round(u.latency_ms, 3),
            "upstream_request_id": u.request_id,
            "rdt": u.rdt,
            **({"error": u.error} if u.error else {}),
        }
        for u in calls
    ]
