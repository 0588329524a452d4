"""The structured audit log: one JSON line per MWS call, nothing secret in it.

Processors are pure dict-to-dict functions (structlog style); the only I/O is the final
write of the rendered line. :func:`redact` is the last line of defence: keys that name
secrets are dropped and values that look like credentials are masked, whatever a caller
put in the event.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, WrappedLogger

AUDIT_LOGGER = "mws_gateway.audit"

_SECRET_KEYS = re.compile(
    r"(secret|password|passwd|signature|token|authorization|refresh|credential|cookie)",
    re.IGNORECASE,
)
_ALLOWED_KEYS = frozenset({"mws_auth_token_fingerprint", "next_token_present"})
_SECRET_VALUES = [
    re.compile(r"Atz[ar]\|[A-Za-z0-9_\-|.]+"),  # LWA refresh/access tokens
    re.compile(r"(?i)(x-amz-access-token|authorization)[\"']?\s*[:=]\s*\S+"),
    re.compile(
        r"(?i)([?&](?:X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|Signature|sig|signature|expires|token)=)[^&\s\"']+"
    ),
    re.compile(r"amzn\.mws\.[0-9A-Za-z-]{8,}"),  # MWSAuthToken
]


def _mask(value: str) -> str:
    for pattern in _SECRET_VALUES:
        if pattern.groups:
            value = pattern.sub(lambda m: (m.group(1) if m.lastindex else "") + "[REDACTED]", value)
        else:
            value = pattern.sub("[REDACTED]", value)
    return value


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _mask(value)
    if isinstance(value, dict):
        return {
            k: (
                "[REDACTED]"
                if _SECRET_KEYS.search(str(k)) and k not in _ALLOWED_KEYS
                else _scrub(v)
            )
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    return value


def redact(_logger: WrappedLogger, _name: str, event: EventDict) -> EventDict:
    """Drop secret-named keys and mask credential-looking values, recursively."""
    for key in list(event):
        if key in _ALLOWED_KEYS:
            continue
        if _SECRET_KEYS.search(key):
            event[key] = "[REDACTED]"
        else:
            event[key] = _scrub(event[key])
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


def configure_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """JSON lines on ``stream`` (stdout); exceptions rendered without local variables."""
    global _audit
    out = stream or sys.stdout
    wrapper = structlog.make_filtering_bound_logger(_LEVELS.get(level.lower(), 20))
    structlog.configure(
        processors=_processors(),
        wrapper_class=wrapper,
        logger_factory=structlog.WriteLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    # The audit logger is bound once (no per-call proxy lookup on the hot path).
    _audit = structlog.wrap_logger(
        structlog.WriteLogger(file=out),
        processors=_processors(),
        wrapper_class=wrapper,
    )
    # uvicorn's own access log would duplicate the audit event; keep its errors only.
    logging.getLogger("uvicorn.access").disabled = True


def emit(event: MutableMapping[str, Any]) -> None:
    if _audit is None:
        configure_logging()
    _audit.info("mws_call", logger=AUDIT_LOGGER, **event)
