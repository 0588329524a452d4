"""Presigned document download (raw, gunzip when declared) and upload (exact content type)."""

from __future__ import annotations

import gzip

import httpx
import pytest
from structlog.testing import capture_logs

from gateway.audit import AuditTrail
from gateway.spapi.documents import GunzipStream, open_download, redact_url, upload
from gateway.spapi.errors import UpstreamError
from tests.spapi.fakes import make_client

pytestmark = pytest.mark.anyio

URL = "https://tortuga-prod-na.s3.amazonaws.test/doc/123?X-Amz-Signature=SIGSECRET&X-Amz-Credential=CREDSECRET"
TEXT = ("sku\tprice\n" + "".join(f"SKU-{i}\t{i}.99\n" for i in range(5000))).encode()


class Chunked(httpx.AsyncByteStream):
    """A streamed body in 4 KiB pieces, like a real socket read."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        for i in range(0, len(self.body), 4096):
            yield self.body[i : i + 4096]


def served(body: bytes, status: int = 200, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    seen: list[httpx.Request] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "PUT":
            return httpx.Response(status)
        return httpx.Response(status, stream=Chunked(body), headers=headers or {})

    return httpx.MockTransport(handler), seen


async def read_all(doc) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join([c async for c in doc.chunks()])


async def test_gzip_document_is_gunzipped_when_declared() -> None:
    body = gzip.compress(TEXT[:30000]) + gzip.compress(TEXT[30000:])  # two members
    transport, seen = served(body, headers={"content-type": "text/plain"})
    client = make_client(transport)
    audit = AuditTrail()
    doc = await open_download(client, URL, compression="GZIP", audit=audit)
    assert doc.gzip
    assert await read_all(doc) == TEXT
    assert "x-amz-access-token" not in seen[0].headers
    assert audit.upstream[0].operation == "document.download"
    assert audit.upstream[0].status == 200 and audit.upstream[0].error is None
    await client.aclose()


async def test_content_encoding_gzip_is_not_decoded_by_httpx_and_is_gunzipped_once() -> None:
    transport, _ = served(gzip.compress(TEXT), headers={"content-encoding": "gzip"})
    client = make_client(transport)
    doc = await open_download(client, URL, compression=None, audit=AuditTrail())
    assert await read_all(doc) == TEXT
    await client.aclose()


async def test_plain_document_passes_through_even_if_declared_gzip() -> None:
    transport, _ = served(TEXT)
    client = make_client(transport)
    doc = await open_download(client, URL, compression="GZIP", audit=AuditTrail())
    assert not doc.gzip
    assert await read_all(doc) == TEXT
    undeclared = gzip.compress(b"raw bytes")
    transport2, _ = served(undeclared)
    client2 = make_client(transport2)
    doc2 = await open_download(client2, URL, compression=None, audit=AuditTrail())
    assert await read_all(doc2) == undeclared  # not declared compressed: bytes untouched
    await client.aclose()
    await client2.aclose()


async def test_truncated_gzip_raises() -> None:
    data = gzip.compress(TEXT)
    transport, _ = served(data[: len(data) // 2])
    client = make_client(transport)
    doc = await open_download(client, URL, compression="GZIP", audit=AuditTrail())
    with pytest.raises(Exception, match="truncated"):
        await read_all(doc)
    await client.aclose()


async def test_expired_url_error_and_logs_never_show_the_presigned_query() -> None:
    transport, _ = served(b"<Error>AccessDenied</Error>", status=403)
    client = make_client(transport)
    audit = AuditTrail()
    with capture_logs() as logs, pytest.raises(UpstreamError) as info:
        await open_download(client, URL, compression=None, audit=audit)
    assert info.value.code == "ServiceUnavailable"
    dumped = repr(logs) + str(info.value) + repr(info.value) + repr(audit)
    assert "SIGSECRET" not in dumped and "CREDSECRET" not in dumped
    assert redact_url(URL) == "https://tortuga-prod-na.s3.amazonaws.test/doc/123"
    await client.aclose()


async def test_upload_uses_exact_content_type_and_length() -> None:
    transport, seen = served(b"")
    client = make_client(transport)
    audit = AuditTrail()
    ctype = "text/xml; charset=UTF-8"
    await upload(client, URL, b"<AmazonEnvelope/>", content_type=ctype, audit=audit)
    [req] = seen
    assert req.method == "PUT"
    assert req.headers["content-type"] == ctype
    assert req.headers["content-length"] == str(len(b"<AmazonEnvelope/>"))
    assert "x-amz-access-token" not in req.headers
    assert audit.upstream[0].operation == "document.upload" and audit.upstream[0].status == 200
    await client.aclose()


async def test_upload_5xx_is_retried_then_fails_cleanly() -> None:
    transport, seen = served(b"", status=503)
    client = make_client(transport)
    with capture_logs() as logs, pytest.raises(UpstreamError) as info:
        await upload(client, URL, b"data", content_type="text/plain", audit=AuditTrail())
    assert info.value.code == "ServiceUnavailable"
    assert len(seen) == client.policy.max_attempts
    assert "SIGSECRET" not in repr(logs) + str(info.value)
    await client.aclose()


def test_gunzip_stream_byte_by_byte() -> None:
    data = gzip.compress(b"hello world" * 100)
    g = GunzipStream()
    out = b"".join(g.feed(data[i : i + 1]) for i in range(len(data))) + g.finish()
    assert out == b"hello world" * 100
