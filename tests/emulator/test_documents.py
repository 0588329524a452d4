"""Document store: presigned upload/download, expiry, signatures, gzip, spill, generated."""

from __future__ import annotations

import gzip
import hashlib
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest

from gateway.emulator.config import EmulatorConfig, FaultSpec
from gateway.emulator.documents import (
    FEED_DOCUMENT_PREFIX,
    REPORT_DOCUMENT_PREFIX,
    DocumentStore,
    synthetic_tsv,
)
from gateway.emulator.faults import EmulatedTruncatedBody
from gateway.emulator.state import EmulatorState
from tests.emulator.conftest import ANCHOR

pytestmark = pytest.mark.anyio
TSV = "text/tab-separated-values; charset=UTF-8"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(data_anchor=ANCHOR, document_spill_bytes=64 * 1024)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


async def test_upload_then_read_back(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    doc_id, url = emulator.documents.create_upload(TSV)
    assert doc_id.startswith(FEED_DOCUMENT_PREFIX)
    assert url.startswith("http://127.0.0.1/_documents/")
    content = b"sku\tprice\nA-1\t9.99\n"
    put = await client.put(_path(url), content=content, headers={"content-type": TSV})
    assert put.status_code == 200
    assert put.headers["etag"] == f'"{hashlib.md5(content).hexdigest()}"'
    assert emulator.documents.get_document_bytes(doc_id) == content
    stored = emulator.documents.get(doc_id)
    assert stored is not None and stored.uploaded_content_type == TSV
    got = await client.get(_path(emulator.documents.download_url(doc_id)))
    assert got.status_code == 200
    assert got.content == content
    assert got.headers["content-type"] == TSV


async def test_upload_url_uses_the_request_host(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    await client.get("/_emulator/stats")
    _, url = emulator.documents.create_upload(TSV)
    assert url.startswith("http://emulator.test/_documents/")


async def test_upload_needs_the_exact_content_type(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    doc_id, url = emulator.documents.create_upload(TSV)
    put = await client.put(_path(url), content=b"x", headers={"content-type": "text/plain"})
    assert put.status_code == 403
    assert b"<Code>SignatureDoesNotMatch</Code>" in put.content
    stored = emulator.documents.get(doc_id)
    assert stored is not None and not stored.uploaded


async def test_tampered_or_cross_method_signatures_are_refused(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    doc_id = emulator.documents.put_document(b"data", "text/plain")
    url = emulator.documents.download_url(doc_id)
    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    query["X-Amz-Signature"] = "0" * 64
    bad = await client.get(f"/_documents/{doc_id}?{urlencode(query)}")
    assert bad.status_code == 403
    assert b"SignatureDoesNotMatch" in bad.content
    unsigned = await client.get(f"/_documents/{doc_id}")
    assert unsigned.status_code == 403
    # A download URL cannot be used to overwrite the document.
    put = await client.put(_path(url), content=b"evil", headers={"content-type": "text/plain"})
    assert put.status_code == 403
    assert emulator.documents.get_document_bytes(doc_id) == b"data"


async def test_urls_expire(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    store = emulator.documents
    doc_id = store.put_document(b"data", "text/plain")
    url = store.download_url(doc_id)
    real_clock = store.clock
    store.clock = lambda: real_clock() + emulator.config.document_url_ttl + 5
    expired = await client.get(_path(url))
    assert expired.status_code == 403
    assert b"<Message>Request has expired</Message>" in expired.content
    assert expired.headers["content-type"] == "application/xml"
    fresh = await client.get(_path(store.download_url(doc_id)))
    assert fresh.status_code == 200


async def test_gzip_documents(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    content = b"order-id\tsku\n" * 1000
    doc_id = emulator.documents.put_document(content, TSV, compression="GZIP")
    assert doc_id.startswith(REPORT_DOCUMENT_PREFIX)
    stored = emulator.documents.get(doc_id)
    assert stored is not None and stored.compression == "GZIP"
    got = await client.get(_path(emulator.documents.download_url(doc_id)))
    assert got.headers.get("content-encoding") is None
    assert gzip.decompress(got.content) == content
    assert emulator.documents.get_document_bytes(doc_id) == content
    assert emulator.documents.get_document_bytes(doc_id, decompress=False) == got.content


async def test_large_documents_spill_to_disk_and_stream(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    content = bytes(range(256)) * 2048  # 512 KiB > 64 KiB spill threshold
    doc_id, url = emulator.documents.create_upload("application/octet-stream")
    await client.put(
        _path(url), content=content, headers={"content-type": "application/octet-stream"}
    )
    stored = emulator.documents.get(doc_id)
    assert stored is not None and stored.path is not None and stored.memory is None
    got = await client.get(_path(emulator.documents.download_url(doc_id)))
    assert got.content == content
    assert got.headers["content-length"] == str(len(content))
    spilled = stored.path
    emulator.documents.close()
    assert not spilled.exists()


async def test_generated_document_streams_exact_size(
    client: httpx.AsyncClient, emulator: EmulatorState
) -> None:
    size = 3 * 1024 * 1024 + 7
    doc_id = emulator.documents.register_generated(synthetic_tsv(size), TSV, size=size)
    total = 0
    digest = hashlib.sha256()
    async with client.stream("GET", _path(emulator.documents.download_url(doc_id))) as response:
        assert response.headers["content-length"] == str(size)
        async for chunk in response.aiter_raw():
            total += len(chunk)
            digest.update(chunk)
    assert total == size
    again = hashlib.sha256(b"".join(synthetic_tsv(size)())).hexdigest()
    assert digest.hexdigest() == again
    first_line = b"".join(synthetic_tsv(200)()).split(b"\n")[0]
    assert first_line.startswith(b"item-name\tseller-sku")


async def test_generated_gzip_document(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    size = 300_000
    doc_id = emulator.documents.register_generated(synthetic_tsv(size), TSV, compression="GZIP")
    got = await client.get(_path(emulator.documents.download_url(doc_id)))
    assert len(gzip.decompress(got.content)) == size


async def test_unknown_document_is_404(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    fake = emulator.documents.presign("GET", "amzn1.spdoc.1.4.na.missing")
    response = await client.get(_path(fake))
    assert response.status_code == 404
    assert b"NoSuchKey" in response.content


async def test_download_faults(client: httpx.AsyncClient, emulator: EmulatorState) -> None:
    doc_id = emulator.documents.register_generated(synthetic_tsv(1_000_000), TSV, size=1_000_000)
    emulator.faults["documents.download"] = FaultSpec(truncate_rate=1.0, remaining=1)
    with pytest.raises(EmulatedTruncatedBody):
        await client.get(_path(emulator.documents.download_url(doc_id)))
    emulator.faults["documents.download"] = FaultSpec(error_rate=1.0, error_status=503)
    failed = await client.get(_path(emulator.documents.download_url(doc_id)))
    assert failed.status_code == 503
    assert b"<Error>" in failed.content


def test_put_document_with_fixed_id_and_delete() -> None:
    store = DocumentStore(signing_key=b"k")
    doc_id = store.put_document([b"a", b"b"], "text/plain", document_id="doc-1")
    assert doc_id == "doc-1"
    assert store.get_document_bytes("doc-1") == b"ab"
    store.delete("doc-1")
    assert "doc-1" not in store
    store.close()
