"""The HTTP/1.1 front door: uvicorn's httptools protocol with bounded request heads.

uvicorn's own protocols accept request heads of any size (a 1 MiB header, 10,000 headers or a
64 MiB header value were all buffered and handed to the app), keep a connection that sends a
head byte every few seconds open for ever (their keep-alive timer only runs between requests),
and answer what they cannot parse with a plain-text ``400 Invalid HTTP request received.``.
:class:`GatewayHttpProtocol` is a small subclass of
``uvicorn.protocols.http.httptools_impl.HttpToolsProtocol`` (kept for its speed; uvicorn's h11
protocol bounds the head with ``h11_max_incomplete_event_size`` but costs about a fifth of the
local path's throughput here) that changes only the reading of the request head:

* **Size, while reading.** ``data_received`` feeds the parser at most
  ``max_request_line_bytes + max_header_bytes`` bytes of one head; if the head is not complete
  by then the request is refused without reading more, so memory does not grow with what a
  client sends. The parser callbacks count exactly: the URL (``on_url`` sees each fragment as
  it is parsed) against ``max_request_line_bytes`` -> 414, each header field (``on_header``)
  against ``max_headers`` and ``max_header_bytes`` -> 431. A callback refuses by raising
  :class:`HeadRejected`, which httptools reports as ``HttpParserCallbackError`` with the
  original exception as its ``__context__``.
* **Time.** A head must arrive within ``header_timeout`` seconds of its first byte (or of the
  connection being opened): a timer armed then (after the first packet that leaves a head
  incomplete, so a request that arrives whole needs none) and cancelled by
  ``on_headers_complete``. A late head is answered 408; a connection that never sent a byte
  is closed silently.
* **Errors in MWS format.** Whatever is refused here (malformed heads, control characters,
  oversize, timeout) is answered with an MWS ``ErrorResponse`` (code ``InvalidRequest``, the
  front door's namespace, rendered by :func:`gateway.mws.render.render_error` from the errors
  table) and ``Connection: close``, and logged as one structlog JSON event
  (``http_request_rejected``), never through uvicorn's plain-text warning.
* **Lingering close.** After such an answer the connection's write side is shut and whatever
  the client still sends is read and dropped for up to ``LINGER_SECONDS``, so a client that
  is still sending its oversize head receives the answer instead of a TCP reset.

Everything after the head (bodies, pipelining, keep-alive, the ASGI cycle) is uvicorn's code,
unchanged. Bind the limits and the errors table with :func:`protocol_class` and pass the result
as ``uvicorn.Config(http=...)`` (see :mod:`gateway.server`).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import httptools
import structlog
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from gateway.config import Settings
from gateway.mws.errors import ErrorSpec, MwsError
from gateway.mws.render import FRONT_DOOR_NAMESPACE, XML_CONTENT_TYPE, mws_headers, render_error

log = structlog.get_logger("mws_gateway.http")

LINGER_SECONDS = 2.0
ERROR_CODE = "InvalidRequest"


@dataclass(frozen=True)
class HeadLimits:
    max_request_line_bytes: int = 32 * 1024
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    header_timeout: float = 10.0

    @property
    def head_budget(self) -> int:
        """Bytes of one head the parser is fed at most (request line, fields, CRLFs)."""
        return self.max_request_line_bytes + self.max_header_bytes + 4

    @classmethod
    def from_settings(cls, settings: Settings) -> HeadLimits:
        limits = settings.limits
        return cls(
            max_request_line_bytes=limits.max_request_line_bytes,
            max_header_bytes=limits.max_header_bytes,
            max_headers=limits.max_headers,
            header_timeout=settings.header_timeout_seconds,
        )


class HeadRejected(Exception):
    """Raised from a parser callback: refuse the request with ``status`` and ``message``."""

    def __init__(self, status: int, message: str, reason: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


class GatewayHttpProtocol(HttpToolsProtocol):
    limits: ClassVar[HeadLimits] = HeadLimits()
    errors: ClassVar[Mapping[str, ErrorSpec]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True  # between the end of a message and the end of the next head
        self._head_fed = 0  # bytes fed to the parser since the current head began
        self._head_started = False  # the parser has seen a byte of the current head
        self._url_bytes = 0
        self._header_bytes = 0
        self._header_count = 0
        self._head_timer: asyncio.TimerHandle | None = None
        self._closing_timer: asyncio.TimerHandle | None = None
        self._discarding = False  # refused: read and drop until the connection closes

    # -- connection -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        for timer in (self._head_timer, self._closing_timer):
            if timer is not None:
                timer.cancel()
        self._head_timer = self._closing_timer = None
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._discarding:
            return
        self._unset_keepalive_if_required()
        budget = self.limits.head_budget
        if self._in_head and self._head_fed + len(data) <= budget:
            # The common case: a whole small request (no timer needed) or part of a head.
            self._head_fed += len(data)
            if self._feed(data):
                self._time_partial_head()
            return
        view = memoryview(data)
        while view:
            if self._in_head:
                room = budget - self._head_fed
                if room <= 0:
                    self._refuse(
                        431,
                        "The request header fields are larger than "
                        f"{self.limits.max_header_bytes} bytes.",
                        "head_too_large",
                    )
                    return
                piece, view = view[:room], view[room:]
                self._head_fed += len(piece)
            else:
                piece, view = view, view[len(view) :]
            if not self._feed(piece):
                return
        self._time_partial_head()

    def _time_partial_head(self) -> None:
        """After parsing: start the head clock if a head is now incomplete and untimed."""
        if (
            self._in_head
            and self._head_timer is None
            and (self._head_started or self.cycle is None or self.cycle.response_complete)
        ):
            self._arm_head_timer()

    def _feed(self, data: bytes | memoryview) -> bool:
        """Parse ``data``; False when the connection was refused (or upgraded) on the way."""
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            cause = exc.__context__
            if isinstance(cause, HeadRejected):
                self._refuse(cause.status, cause.message, cause.reason)
            else:  # a bug in a callback: uvicorn's own code or ours
                log.error("http_callback_failed", error=repr(cause))
                self._refuse(400, "The request could not be parsed.", "callback_error")
            return False
        except httptools.HttpParserUpgrade:
            # No WebSocket here: the request is answered as a plain one and the connection
            # ends with that answer (what follows is not HTTP).
            if self.cycle is not None:
                self.cycle.keep_alive = False
            self._discarding = True
            return False
        except httptools.HttpParserError as exc:
            detail = str(exc)[:100]
            self._refuse(400, f"The request could not be parsed: {detail}.", "malformed")
            return False
        return True

    # -- parser callbacks -----------------------------------------------------------------

    def on_message_begin(self) -> None:
        self._head_started = True
        self._url_bytes = self._header_bytes = self._header_count = 0
        super().on_message_begin()

    def on_url(self, url: bytes) -> None:
        self._url_bytes += len(url)
        if self._url_bytes > self.limits.max_request_line_bytes:
            raise HeadRejected(
                414,
                f"The request URI is longer than {self.limits.max_request_line_bytes} bytes.",
                "uri_too_long",
            )
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        self._header_bytes += len(name) + len(value) + 4
        if self._header_count > self.limits.max_headers:
            raise HeadRejected(
                431,
                f"The request has more than {self.limits.max_headers} header fields.",
                "too_many_headers",
            )
        if self._header_bytes > self.limits.max_header_bytes:
            raise HeadRejected(
                431,
                f"The request header fields are larger than {self.limits.max_header_bytes} bytes.",
                "headers_too_large",
            )
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head, self._head_fed, self._head_started = True, 0, False
        super().on_message_complete()

    # -- the head timer -------------------------------------------------------------------

    def _arm_head_timer(self) -> None:
        self._cancel_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timeout)

    def _cancel_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self._discarding:
            return
        if self.cycle is not None and not self.cycle.response_complete:
            # A pipelined head started while an answer is still being produced: its clock
            # starts again once that answer is done.
            self._arm_head_timer()
            return
        if not self._head_started:
            self.transport.close()  # connected, sent nothing: nobody to answer
            return
        self._refuse(
            408,
            f"The request head did not arrive within {self.limits.header_timeout:g} seconds.",
            "header_timeout",
        )

    # -- refusing -------------------------------------------------------------------------

    def _refuse(self, status: int, message: str, reason: str) -> None:
        """Answer an MWS ErrorResponse, then close (lingering) the connection."""
        self._discarding = True
        self._cancel_head_timer()
        request_id = str(uuid.uuid4())
        log.warning(
            "http_request_rejected",
            request_id=request_id,
            status=status,
            error_code=ERROR_CODE,
            reason=reason,
        )
        if self.cycle is not None and not self.cycle.response_complete:
            # An earlier request on this connection is still being answered: end the
            # connection after that answer instead of writing into the middle of it.
            self.cycle.keep_alive = False
            return
        self.transport.write(self.error_bytes(status, message, request_id))
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.flow.resume_reading()  # keep reading (and dropping) until the client is done
        self._closing_timer = self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def error_bytes(self, status: int, message: str, request_id: str) -> bytes:
        """A complete HTTP/1.1 response holding the MWS ErrorResponse."""
        error = MwsError(ERROR_CODE, message, status=status)
        status, body = render_error(error, FRONT_DOOR_NAMESPACE, request_id, self.errors)
        lines = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            lines.append(name + b": " + value + b"\r\n")
        headers = {
            "content-type": XML_CONTENT_TYPE,
            "content-length": str(len(body)),
            "connection": "close",
            **mws_headers(request_id, time.time()),
        }
        for name_text, value_text in headers.items():
            lines.append(f"{name_text}: {value_text}\r\n".encode("latin-1"))
        lines.append(b"\r\n")
        lines.append(body)
        return b"".join(lines)

    def send_400_response(self, msg: str) -> None:
        """uvicorn's plain-text refusal, should any of its code paths still call it."""
        self._refuse(400, "The request could not be parsed.", "malformed")


def protocol_class(
    limits: HeadLimits, errors: Mapping[str, ErrorSpec]
) -> type[GatewayHttpProtocol]:
    """A :class:`GatewayHttpProtocol` bound to ``limits`` and the MWS errors table."""
    bound_limits, bound_errors = limits, dict(errors)

    class BoundGatewayHttpProtocol(GatewayHttpProtocol):
        limits = bound_limits
        errors = bound_errors

    return BoundGatewayHttpProtocol
