"""Document store behind presigned-style upload (PUT) and download (GET) URLs.

Reports and Feeds hand out URLs like S3 presigned URLs: `/_documents/{id}?X-Amz-Date=..&
X-Amz-Expires=..&X-Amz-Signature=..`, an HMAC over method, document id, date and lifetime. A
wrong signature or an expired URL gets 403 with an S3-style XML error. Documents live in memory;
bodies above `spill_bytes` go to a temporary file; generated documents (e.g. a 1 GiB report for
the benchmark) are produced lazily by a factory on every download.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import io
import os
import shutil
import tempfile
import time
import uuid
import weakref
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Literal
from urllib.parse import urlencode

Compression = Literal["GZIP"]
CHUNK = 256 * 1024
FEED_DOCUMENT_PREFIX = "amzn1.tortuga.4.na."
REPORT_DOCUMENT_PREFIX = "amzn1.spdoc.1.4.na."
DOCUMENT_PATH = "/_documents/{document_id}"


class DocumentError(Exception):
    """A document operation failed (unknown id, upload slot misuse)."""


@dataclass
class StoredDocument:
    document_id: str
    content_type: str
    compression: Compression | None = None
    created: float = field(default_factory=time.time)
    upload_slot: bool = False
    """Created by `create_upload`: expects a PUT of exactly `content_type`."""
    uploaded: bool = False
    uploaded_content_type: str | None = None
    size: int | None = None
    md5_hex: str | None = None
    memory: bytes | None = None
    path: Path | None = None
    factory: Callable[[], Iterable[bytes]] | None = None

    @property
    def has_content(self) -> bool:
        return self.memory is not None or self.path is not None or self.factory is not None


class _SpillBuffer:
    """Collects bytes in memory and moves them to a temp file past a threshold."""

    def __init__(self, spill_bytes: int, directory: Path) -> None:
        self.spill_bytes = spill_bytes
        self.directory = directory
        self.memory = io.BytesIO()
        self.file: BinaryIO | None = None
        self.path: Path | None = None
        self.size = 0
        self.md5 = hashlib.md5()

    def write(self, data: bytes) -> None:
        if not data:
            return
        self.size += len(data)
        self.md5.update(data)
        if self.file is None and self.size > self.spill_bytes:
            fd, name = tempfile.mkstemp(dir=self.directory, suffix=".doc")
            self.file = os.fdopen(fd, "wb")
            self.path = Path(name)
            self.file.write(self.memory.getvalue())
            self.memory = io.BytesIO()
            self.file.write(data)
        elif self.file is not None:
            self.file.write(data)
        else:
            self.memory.write(data)

    def finish(self, doc: StoredDocument) -> None:
        if self.file is not None:
            self.file.close()
            doc.path, doc.memory = self.path, None
        else:
            doc.memory, doc.path = self.memory.getvalue(), None
        doc.size = self.size
        doc.md5_hex = self.md5.hexdigest()


def _read_file(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def _rechunk(chunks: Iterable[bytes], size: int = CHUNK) -> Iterator[bytes]:
    buf = bytearray()
    for chunk in chunks:
        if not buf and len(chunk) >= size:
            yield chunk
            continue
        buf += chunk
        if len(buf) >= size:
            yield bytes(buf)
            buf.clear()
    if buf:
        yield bytes(buf)


def _gzip_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    comp = zlib.compressobj(6, zlib.DEFLATED, 31)
    for chunk in chunks:
        out = comp.compress(chunk)
        if out:
            yield out
    yield comp.flush()


class DocumentStore:
    def __init__(
        self,
        *,
        signing_key: bytes,
        url_ttl: float = 300.0,
        spill_bytes: int = 8 * 1024 * 1024,
        clock: Callable[[], float] = time.time,
        base_url: str = "http://127.0.0.1",
    ) -> None:
        self.signing_key = signing_key
        self.url_ttl = url_ttl
        self.spill_bytes = spill_bytes
        self.clock = clock
        """Wall clock used for URL dates and expiry; tests may replace it."""
        self.base_url = base_url
        self._docs: dict[str, StoredDocument] = {}
        self._dir: Path | None = None
        self._cleanup: weakref.finalize[Any, Any] | None = None

    # -- bookkeeping ---------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, document_id: object) -> bool:
        return document_id in self._docs

    def get(self, document_id: str) -> StoredDocument | None:
        return self._docs.get(document_id)

    def _require(self, document_id: str) -> StoredDocument:
        doc = self._docs.get(document_id)
        if doc is None:
            raise DocumentError(f"unknown document {document_id!r}")
        return doc

    def _spill_dir(self) -> Path:
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="spapi-emulator-docs-"))
            # Also removed when the store is garbage-collected or at exit (no lifespan run).
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
        return self._dir

    def close(self) -> None:
        """Delete spilled files (app shutdown)."""
        if self._dir is not None and self._cleanup is not None:
            self._cleanup()
            self._dir = None
        self._docs.clear()

    @staticmethod
    def new_id(prefix: str) -> str:
        return f"{prefix}{uuid.uuid4()}.T{uuid.uuid4().hex[:6].upper()}.1"

    # -- creating documents ---------------------------------------------------------------------

    def create_upload(
        self, content_type: str, *, prefix: str = FEED_DOCUMENT_PREFIX
    ) -> tuple[str, str]:
        """An empty upload slot; returns (document_id, presigned PUT url)."""
        doc_id = self.new_id(prefix)
        self._docs[doc_id] = StoredDocument(doc_id, content_type, upload_slot=True)
        return doc_id, self.presign("PUT", doc_id)

    def put_document(
        self,
        data: bytes | Iterable[bytes],
        content_type: str,
        *,
        compression: Compression | None = None,
        document_id: str | None = None,
        prefix: str = REPORT_DOCUMENT_PREFIX,
    ) -> str:
        """Store content (compressing it when `compression="GZIP"`); returns the document id."""
        doc_id = document_id or self.new_id(prefix)
        doc = StoredDocument(doc_id, content_type, compression=compression)
        chunks: Iterable[bytes] = [data] if isinstance(data, bytes | bytearray) else data
        if compression == "GZIP":
            chunks = _gzip_stream(chunks)
        buf = _SpillBuffer(self.spill_bytes, self._spill_dir())
        for chunk in chunks:
            buf.write(bytes(chunk))
        buf.finish(doc)
        doc.uploaded = True
        self._docs[doc_id] = doc
        return doc_id

    def register_generated(
        self,
        factory: Callable[[], Iterable[bytes]],
        content_type: str,
        *,
        compression: Compression | None = None,
        size: int | None = None,
        document_id: str | None = None,
        prefix: str = REPORT_DOCUMENT_PREFIX,
    ) -> str:
        """A document produced by `factory()` on each read (never held in memory).

        `size` is the length of the (uncompressed) content if known; it becomes the download's
        Content-Length when the document is not compressed.
        """
        doc_id = document_id or self.new_id(prefix)
        self._docs[doc_id] = StoredDocument(
            doc_id,
            content_type,
            compression=compression,
            size=size if compression is None else None,
            factory=factory,
            uploaded=True,
        )
        return doc_id

    async def receive_upload(
        self, document_id: str, content_type: str, body: AsyncIterator[bytes]
    ) -> StoredDocument:
        doc = self._require(document_id)
        buf = _SpillBuffer(self.spill_bytes, self._spill_dir())
        async for chunk in body:
            buf.write(chunk)
        if doc.path is not None:
            doc.path.unlink(missing_ok=True)
        buf.finish(doc)
        doc.uploaded = True
        doc.uploaded_content_type = content_type
        return doc

    def delete(self, document_id: str) -> None:
        doc = self._docs.pop(document_id, None)
        if doc is not None and doc.path is not None:
            doc.path.unlink(missing_ok=True)

    # -- reading documents ----------------------------------------------------------------------

    def iter_stored(self, document_id: str) -> Iterator[bytes]:
        """The stored bytes (compressed if the document is compressed), in chunks."""
        doc = self._require(document_id)
        if doc.memory is not None:
            yield doc.memory
        elif doc.path is not None:
            yield from _read_file(doc.path)
        elif doc.factory is not None:
            chunks = _rechunk(doc.factory())
            yield from (_gzip_stream(chunks) if doc.compression == "GZIP" else chunks)
        else:
            raise DocumentError(f"document {document_id!r} has no content yet")

    def get_document_bytes(self, document_id: str, *, decompress: bool = True) -> bytes:
        """The whole content (gunzipped unless `decompress=False`). Not for huge documents."""
        doc = self._require(document_id)
        data = b"".join(self.iter_stored(document_id))
        if decompress and doc.compression == "GZIP":
            return gzip.decompress(data)
        return data

    # -- presigned URLs -------------------------------------------------------------------------

    def _signature(self, method: str, document_id: str, date: str, expires: str) -> str:
        msg = f"{method}\n{document_id}\n{date}\n{expires}".encode()
        return hmac.new(self.signing_key, msg, hashlib.sha256).hexdigest()

    def presign(self, method: str, document_id: str, ttl: float | None = None) -> str:
        ttl = self.url_ttl if ttl is None else ttl
        date = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y%m%dT%H%M%SZ")
        expires = str(max(1, int(ttl)))
        query = urlencode(
            {
                "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                "X-Amz-Date": date,
                "X-Amz-Expires": expires,
                "X-Amz-SignedHeaders": "host",
                "X-Amz-Signature": self._signature(method, document_id, date, expires),
            }
        )
        path = DOCUMENT_PATH.format(document_id=document_id)
        return f"{self.base_url.rstrip('/')}{path}?{query}"

    def download_url(self, document_id: str, ttl: float | None = None) -> str:
        """A presigned GET URL for a stored document."""
        self._require(document_id)
        return self.presign("GET", document_id, ttl)

    def check_signature(
        self, method: str, document_id: str, query: dict[str, str]
    ) -> tuple[str, str] | None:
        """None when the URL is valid; else (S3 error code, message)."""
        date = query.get("X-Amz-Date", "")
        expires = query.get("X-Amz-Expires", "")
        signature = query.get("X-Amz-Signature", "")
        if not (date and expires and signature):
            return (
                "AccessDenied",
                "Query-string authentication requires the Signature, "
                "Expires and AWSAccessKeyId parameters",
            )
        expected = self._signature(method, document_id, date, expires)
        if not hmac.compare_digest(expected, signature):
            return (
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            )
        try:
            signed_at = datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
            lifetime = int(expires)
        except ValueError:
            return "AuthorizationQueryParametersError", "Invalid X-Amz-Date or X-Amz-Expires."
        if self.clock() > signed_at + lifetime:
            return "AccessDenied", "Request has expired"
        return None


def synthetic_tsv(total_bytes: int, *, seed: int = 1) -> Callable[[], Iterator[bytes]]:
    """A factory of exactly `total_bytes` of listing-report-like TSV rows, produced lazily.

    Rows are built from a template block in which only a block number changes (a C-speed
    `bytes.replace`), so generating does not dominate benchmarks that stream gigabytes.
    """
    header = b"item-name\tseller-sku\tasin1\tprice\tquantity\tfulfillment-channel\tstatus\n"
    marker = b"\x00BLOCK\x00"  # 7 bytes, replaced by a 7-digit block number
    template = b"".join(
        b"Emulated product %s-%04d\tSKU-%d-%s-%04d\tB0%s%01d\t%d.%02d\t%d\tDEFAULT\tActive\n"
        % (marker, n, seed, marker, n, marker, n % 10, 5 + n % 200, n % 100, n % 50)
        for n in range(4096)
    )

    def rows() -> Iterator[bytes]:
        produced = 0
        head = header[:total_bytes]
        if head:
            yield head
            produced += len(head)
        block = 0
        while produced < total_bytes:
            chunk = template.replace(marker, b"%07d" % (block % 10_000_000))
            block += 1
            if produced + len(chunk) > total_bytes:
                chunk = chunk[: total_bytes - produced]
            produced += len(chunk)
            yield chunk

    return rows
