"""Report and feed documents on presigned URLs: streamed download and exact-type upload.

* Download: plain GET of the presigned URL (no SP-API headers), automatic decompression OFF
  (``aiter_raw``), so the bytes are exactly what the store sent. The document is gunzipped
  here, streaming, when it is declared compressed (``compressionAlgorithm == "GZIP"`` from
  getReportDocument/getFeedDocument, or ``Content-Encoding: gzip``) *and* starts with the
  gzip magic bytes; multi-member gzip is handled. Memory stays flat whatever the size.
* Upload: PUT with exactly the content type given to createFeedDocument and an explicit
  Content-Length (presigned S3 PUTs refuse chunked bodies).

Presigned URLs carry credentials in their query string: they never appear in log events,
audit records or exception messages (:func:`redact_url` keeps scheme, host and path only).
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Protocol
from urllib.parse import urlsplit

import httpx
import structlog

from gateway.audit import AuditTrail, UpstreamCall
from gateway.spapi.client import SpApiClient, map_transport_error
from gateway.spapi.errors import UpstreamError, UpstreamStatusError

log = structlog.get_logger("gateway.spapi.documents")

GZIP_MAGIC = b"\x1f\x8b"
DOWNLOAD_OPERATION = "document.download"
UPLOAD_OPERATION = "document.upload"


def redact_url(url: str) -> str:
    """``scheme://host/path`` without query string, fragment or user info."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{parts.path}"


class GunzipStream:
    """Incremental gunzip of one or more concatenated gzip members."""

    def __init__(self) -> None:
        self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._in_member = False  # bytes of an unfinished member were fed

    def feed(self, chunk: bytes) -> bytes:
        out = []
        while chunk:
            self._in_member = True
            out.append(self._d.decompress(chunk))
            if self._d.eof:
                chunk = self._d.unused_data
                self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._in_member = False
            else:
                chunk = b""
        return b"".join(out)

    def finish(self) -> bytes:
        tail = self._d.flush()
        if self._in_member and not self._d.eof:
            raise zlib.error("truncated gzip stream")
        return tail


class Document:
    """An open download: ``headers`` known, body streamed by iterating ``chunks()``."""

    def __init__(
        self,
        response: httpx.Response,
        first: bytes,
        raw: AsyncIterator[bytes],
        gzip: bool,
        on_close: Callable[[str | None], None],
    ) -> None:
        self.response = response
        self.gzip = gzip
        self.content_type = response.headers.get("content-type", "application/octet-stream")
        self._first = first
        self._raw = raw
        self._on_close = on_close

    async def chunks(self) -> AsyncIterator[bytes]:
        error: str | None = "Incomplete"
        try:
            if self.gzip:
                gunzip = GunzipStream()
                data = gunzip.feed(self._first)
                if data:
                    yield data
                async for chunk in self._raw:
                    data = gunzip.feed(chunk)
                    if data:
                        yield data
                tail = gunzip.finish()
                if tail:
                    yield tail
            else:
                if self._first:
                    yield self._first
                async for chunk in self._raw:
                    yield chunk
            error = None
        except zlib.error:
            error = "BadGzip"
            raise
        except httpx.HTTPError as exc:
            error = type(exc).__name__
            raise
        finally:
            await self.response.aclose()
            self._on_close(error)

    async def aclose(self) -> None:
        await self.response.aclose()


async def open_download(
    client: SpApiClient,
    url: str,
    *,
    compression: str | None,
    audit: AuditTrail,
    section: str | None = None,
) -> Document:
    """Start downloading a presigned document URL; errors before the body -> UpstreamError."""
    started = time.monotonic()
    record = UpstreamCall(operation=DOWNLOAD_OPERATION, status=None, attempts=1, latency_ms=0.0)
    audit.upstream.append(record)
    up = client.settings.upstream
    request = client.http.build_request(
        "GET",
        url,
        headers={"accept-encoding": "identity, gzip"},
        timeout=httpx.Timeout(up.timeout_seconds, connect=up.connect_timeout_seconds),
    )
    # No SP-API headers on presigned URLs (the shared client adds only the user agent).
    try:
        async with asyncio.timeout(up.timeout_seconds):
            response = await client.http.send(request, stream=True)
    except (httpx.HTTPError, TimeoutError) as exc:
        err = map_transport_error(exc, client.errors, DOWNLOAD_OPERATION)
        _fail(client, record, started, err, section)
        log.warning("spapi.document_failed", host=redact_url(url), error=err.audit_code)
        raise err from None
    record.status = response.status_code
    if response.status_code != 200:
        await response.aclose()
        err = UpstreamStatusError(
            client.errors.failure("document"),
            operation=DOWNLOAD_OPERATION,
            http_status=response.status_code,
            cause=f"HTTP {response.status_code}",
            message="The document could not be fetched from Amazon; please try again.",
        )
        _fail(client, record, started, err, section)
        log.warning("spapi.document_failed", host=redact_url(url), status=response.status_code)
        raise err
    raw = response.aiter_raw()
    first = b""
    try:
        async for chunk in raw:
            first += chunk
            if len(first) >= 2:
                break
    except httpx.HTTPError as exc:
        await response.aclose()
        err = map_transport_error(exc, client.errors, DOWNLOAD_OPERATION)
        _fail(client, record, started, err, section)
        raise err from None
    declared = (compression or "").upper() == "GZIP" or (
        response.headers.get("content-encoding", "").lower() == "gzip"
    )
    gzip = declared and first.startswith(GZIP_MAGIC)

    def on_close(error: str | None) -> None:
        record.latency_ms = round((time.monotonic() - started) * 1000.0, 3)
        record.error = error
        if section is not None:
            if error is None:
                client.health.success(section)
            else:
                client.health.failure(section)

    return Document(response, first, raw, gzip, on_close)


def _fail(
    client: SpApiClient,
    record: UpstreamCall,
    started: float,
    err: UpstreamError,
    section: str | None,
) -> None:
    record.error = err.audit_code
    record.latency_ms = round((time.monotonic() - started) * 1000.0, 3)
    if section is not None:
        client.health.failure(section)


class UploadBody(Protocol):
    size: int

    def chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]: ...


async def upload(
    client: SpApiClient,
    url: str,
    body: bytes | UploadBody,
    *,
    content_type: str,
    audit: AuditTrail,
    section: str | None = None,
) -> None:
    """PUT ``body`` to a presigned upload URL with exactly ``content_type``.

    A presigned PUT is idempotent (the same object is overwritten), so connection failures and
    5xx are retried within the client's budget when the body can be replayed (always: bytes,
    or an object whose ``chunks()`` can be iterated again).
    """
    started = time.monotonic()
    deadline = started + client.policy.budget_seconds
    record = UpstreamCall(operation=UPLOAD_OPERATION, status=None, attempts=0, latency_ms=0.0)
    audit.upstream.append(record)
    up = client.settings.upstream
    size = len(body) if isinstance(body, bytes) else body.size
    try:
        while True:
            record.attempts += 1
            content = body if isinstance(body, bytes) else body.chunks()
            remaining = max(0.05, deadline - time.monotonic())
            try:
                response = await client.http.put(
                    url,
                    content=content,
                    headers={"content-type": content_type, "content-length": str(size)},
                    timeout=httpx.Timeout(
                        min(up.timeout_seconds, remaining),
                        connect=min(up.connect_timeout_seconds, remaining),
                    ),
                )
            except httpx.HTTPError as exc:
                err: UpstreamError = map_transport_error(exc, client.errors, UPLOAD_OPERATION)
            else:
                record.status = response.status_code
                if 200 <= response.status_code < 300:
                    if section is not None:
                        client.health.success(section)
                    return
                err = UpstreamStatusError(
                    client.errors.failure("document"),
                    operation=UPLOAD_OPERATION,
                    http_status=response.status_code,
                    cause=f"HTTP {response.status_code}",
                    message="The feed document could not be uploaded to Amazon.",
                )
                err.transient = response.status_code >= 500 or response.status_code == 429
            retry = err.transient and record.attempts < client.policy.max_attempts
            delay = client.policy.delay(record.attempts)
            if not retry or time.monotonic() + delay >= deadline:
                record.error = err.audit_code
                if section is not None:
                    client.health.failure(section)
                log.warning("spapi.upload_failed", host=redact_url(url), error=err.audit_code)
                raise err
            await asyncio.sleep(delay)
    finally:
        record.latency_ms = round((time.monotonic() - started) * 1000.0, 3)
