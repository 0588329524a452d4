"""Upstream failures as exceptions that already carry the MWS error to answer with.

Every exception the SP-API client raises is an :class:`UpstreamError`, which *is* a
:class:`gateway.mws.errors.MwsError`: a handler that does not care lets it propagate and the
pipeline renders the mapped MWS ``ErrorResponse``; a handler that does care catches the
subclass it knows (typically :class:`UpstreamNotFound`) and raises its own error instead.
The mapping from SP-API outcomes to MWS codes is data, ``mappings/spapi/errors.yaml``
(loaded by :class:`ErrorMap`).

The tree follows httpx's ``_exceptions.py`` layout: what went wrong on the wire first, then
what SP-API said::

    UpstreamError (MwsError)
    ├── UpstreamTransportError          no usable HTTP response
    │   ├── UpstreamTimeout
    │   │   ├── UpstreamConnectTimeout   not sent            -> retry is always safe
    │   │   └── UpstreamReadTimeout      may have been sent  -> retry only idempotent calls
    │   └── UpstreamNetworkError
    │       ├── UpstreamConnectError     not sent            -> retry is always safe
    │       └── UpstreamDisconnected     reset/closed after sending: may have been processed
    ├── UpstreamProtocolError           malformed or truncated body
    ├── UpstreamStatusError             SP-API answered with a non-2xx status
    │   ├── UpstreamThrottled (429)      not processed       -> retry is always safe
    │   ├── UpstreamServerError (5xx)    may have been processed
    │   ├── UpstreamAuthError (401/403)
    │   ├── UpstreamNotFound (404)
    │   └── UpstreamClientError (other 4xx)
    ├── UpstreamRefused                 the gateway did not call at all
    │   ├── PacingExceeded               the client-side bucket wait exceeds the budget
    │   └── CircuitOpen                  the section's circuit breaker is open
    └── LwaError                        the LWA token exchange failed
        ├── LwaDenied                    credentials rejected (invalid_grant, ...)
        └── LwaUnavailable               token endpoint unreachable / 5xx

Messages never contain URLs, query strings, tokens or secrets: they are built here from
status codes, SP-API error codes and (for 4xx) SP-API's own message, which names the bad
parameter; exceptions from httpx are never chained (``from None``), only their class name
is kept in :attr:`UpstreamError.cause`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gateway.mws.errors import MwsError

MAX_UPSTREAM_MESSAGE = 300


class UpstreamError(MwsError):
    """An SP-API exchange failed; the instance is the MWS error to answer with."""

    #: whether the request provably did not reach SP-API (safe to retry any call)
    not_sent: bool = False
    #: whether a retry may help at all (for idempotent calls)
    transient: bool = False

    def __init__(
        self,
        mws: MappedError,
        *,
        operation: str = "",
        http_status: int | None = None,
        spapi_code: str | None = None,
        request_id: str | None = None,
        cause: str | None = None,
        message: str | None = None,
    ) -> None:
        super().__init__(
            mws.code,
            message if message is not None else mws.message,
            status=mws.status,
            type=mws.type,
        )
        self.operation = operation
        self.http_status = http_status
        self.spapi_code = spapi_code
        self.request_id = request_id
        self.cause = cause

    @property
    def mws(self) -> MwsError:
        """The MWS error (this exception itself), for callers that prefer to re-raise it."""
        return self

    @property
    def audit_code(self) -> str:
        """What goes into ``UpstreamCall.error``: SP-API's code or the failure class."""
        return self.spapi_code or self.cause or type(self).__name__


class UpstreamTransportError(UpstreamError):
    transient = True


class UpstreamTimeout(UpstreamTransportError):
    pass


class UpstreamConnectTimeout(UpstreamTimeout):
    not_sent = True


class UpstreamReadTimeout(UpstreamTimeout):
    pass


class UpstreamNetworkError(UpstreamTransportError):
    pass


class UpstreamConnectError(UpstreamNetworkError):
    not_sent = True


class UpstreamDisconnected(UpstreamNetworkError):
    pass


class UpstreamProtocolError(UpstreamError):
    transient = True


class UpstreamStatusError(UpstreamError):
    pass


class UpstreamThrottled(UpstreamStatusError):
    transient = True
    not_sent = True  # a 429 is refused before processing


class UpstreamServerError(UpstreamStatusError):
    transient = True


class UpstreamAuthError(UpstreamStatusError):
    pass


class UpstreamNotFound(UpstreamStatusError):
    pass


class UpstreamClientError(UpstreamStatusError):
    pass


class UpstreamRefused(UpstreamError):
    not_sent = True


class PacingExceeded(UpstreamRefused):
    pass


class CircuitOpen(UpstreamRefused):
    pass


class LwaError(UpstreamError):
    not_sent = True  # nothing reached SP-API yet


class LwaDenied(LwaError):
    pass


class LwaUnavailable(LwaError):
    transient = True


@dataclass(frozen=True)
class MappedError:
    """One row of ``mappings/spapi/errors.yaml``."""

    code: str
    status: int
    type: str
    message: str | None = None  # None: the message from mappings/errors.yaml


def _row(raw: Any, where: str) -> MappedError:
    if not isinstance(raw, Mapping):
        raise ValueError(f"spapi/errors {where}: must be a mapping")
    try:
        return MappedError(
            code=str(raw["code"]),
            status=int(raw["status"]),
            type=str(raw["type"]),
            message=str(raw["message"]) if raw.get("message") is not None else None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"spapi/errors {where}: needs code, status, type ({exc})") from None


class ErrorMap:
    """``mappings/spapi/errors.yaml``: SP-API outcome -> MWS error.

    Lookup order for an HTTP answer: ``codes["<status>:<SP-API code>"]``, then
    ``status["<status>"]``, then ``status["4xx"]`` / ``status["5xx"]``. Failures without an
    answer use the ``failures`` rows (timeout, connection, malformed, paced, circuit_open,
    lwa_denied, lwa_unavailable, document).
    """

    FAILURES = (
        "timeout",
        "connection",
        "malformed",
        "paced",
        "circuit_open",
        "lwa_denied",
        "lwa_unavailable",
        "document",
    )

    def __init__(self, table: Mapping[str, Any]) -> None:
        status = table.get("status") or {}
        codes = table.get("codes") or {}
        failures = table.get("failures") or {}
        self.status = {str(k): _row(v, f"status.{k}") for k, v in status.items()}
        self.codes = {str(k): _row(v, f"codes.{k}") for k, v in codes.items()}
        self.failures = {str(k): _row(v, f"failures.{k}") for k, v in failures.items()}
        for needed in ("4xx", "5xx"):
            if needed not in self.status:
                raise ValueError(f"spapi/errors: status.{needed} is required")
        missing = [f for f in self.FAILURES if f not in self.failures]
        if missing:
            raise ValueError(f"spapi/errors: failures.{missing[0]} is required")

    def for_status(self, http_status: int, spapi_code: str | None = None) -> MappedError:
        if spapi_code:
            hit = self.codes.get(f"{http_status}:{spapi_code}")
            if hit:
                return hit
        hit = self.status.get(str(http_status))
        if hit:
            return hit
        return self.status["5xx" if http_status >= 500 else "4xx"]

    def failure(self, name: str) -> MappedError:
        return self.failures[name]


def upstream_message(raw: str | None) -> str | None:
    """SP-API's own error message, bounded, for 4xx answers that name a bad parameter."""
    if not raw:
        return None
    text = " ".join(str(raw).split())
    return text[:MAX_UPSTREAM_MESSAGE]
