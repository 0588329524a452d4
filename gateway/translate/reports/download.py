"""GetReport bodies: spool to disk while hashing, stream back with constant memory, cache.

A report document is downloaded once (gunzipped on the fly when it is gzip), written to a
temporary file in the cache directory while its MD5 is computed, then renamed into a bounded
disk cache keyed by (seller, ReportId). The MWS answer is streamed from the open file in fixed
chunks, so memory stays flat whatever the report's size; the next GetReport of the same report is
served from the cache without calling SP-API. Eviction removes the least recently used entries
once the cache exceeds its byte budget; an open file survives its own eviction (POSIX).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gateway.spapi.documents import GunzipStream

GZIP_MAGIC = b"\x1f\x8b"
CHUNK = 1024 * 1024
DEFAULT_CACHE_BYTES = 2 * 1024**3


@dataclass
class SpooledReport:
    path: Path
    size: int
    md5_base64: str
    content_type: str


def content_type_for(family: str, download_content_type: str) -> str:
    """``text/plain;charset=X`` from the download's charset; XML/PDF keep their family."""
    if family != "text/plain":
        return family
    for part in download_content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "charset" and value.strip():
            return f"text/plain;charset={value.strip().strip(chr(34))}"
    return "text/plain"


class Spooler:
    """Writes a document to a temp file while hashing it, gunzipping gzip bytes on the fly.

    Gzip is decided from the magic bytes at the start: a document declared GZIP whose bytes are
    not gzip (already decoded on the way) is kept as is, and gzip bytes are always decoded (MWS
    never served compressed reports). Used from the event loop or from a worker thread.
    """

    def __init__(self, directory: Path, content_type: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=directory, suffix=".part")
        self.path = Path(name)
        self._fh = os.fdopen(fd, "wb")
        self._md5 = hashlib.md5()
        self._size = 0
        self._head = b""  # bytes held back until the magic bytes can be judged
        self._decoder: GunzipStream | None = None
        self._started = False
        self.content_type = content_type

    def _out(self, data: bytes) -> None:
        if data:
            self._md5.update(data)
            self._size += len(data)
            self._fh.write(data)

    def feed(self, chunk: bytes) -> None:
        if not self._started:
            self._head += chunk
            if len(self._head) < len(GZIP_MAGIC):
                return
            self._started = True
            chunk, self._head = self._head, b""
            if chunk.startswith(GZIP_MAGIC):
                self._decoder = GunzipStream()
        self._out(self._decoder.feed(chunk) if self._decoder else chunk)

    def finish(self) -> SpooledReport:
        try:
            if not self._started:
                self._out(self._head)
            if self._decoder is not None:
                self._out(self._decoder.finish())
            self._fh.close()
        except BaseException:
            self.abort()
            raise
        digest = base64.b64encode(self._md5.digest()).decode("ascii")
        return SpooledReport(self.path, self._size, digest, self.content_type)

    def abort(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


def spool_sync(chunks: Iterable[bytes], directory: Path, *, content_type: str) -> SpooledReport:
    """:func:`spool` for a worker thread."""
    spooler = Spooler(directory, content_type)
    try:
        for chunk in chunks:
            spooler.feed(chunk)
    except BaseException:
        spooler.abort()
        raise
    return spooler.finish()


def _new_spooler(directory: Path, content_type: str) -> Spooler:
    return Spooler(directory, content_type)


async def spool(
    chunks: AsyncIterator[bytes], directory: Path, *, gzip_declared: bool, content_type: str
) -> SpooledReport:
    """Write ``chunks`` (gunzipped if they are gzip) to a temp file while hashing them."""
    del gzip_declared  # the magic bytes decide (see Spooler); the caller audits the declaration
    spooler = _new_spooler(directory, content_type)
    try:
        async for chunk in chunks:
            spooler.feed(chunk)
    except BaseException:
        spooler.abort()
        raise
    return spooler.finish()


async def stream_file(fh: BinaryIO, chunk_size: int = CHUNK) -> AsyncIterator[bytes]:
    """Read an open file in chunks off the event loop; closes it at the end."""
    try:
        while True:
            data = await asyncio.to_thread(fh.read, chunk_size)
            if not data:
                break
            yield data
    finally:
        fh.close()


class ReportCache:
    """Bounded on-disk cache of report bodies: ``<key>.body`` + ``<key>.json``."""

    def __init__(self, directory: Path, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    @staticmethod
    def key(seller_id: str, report_id: str) -> str:
        return hashlib.sha256(f"{seller_id}\0{report_id}".encode()).hexdigest()[:40]

    def _paths(self, key: str) -> tuple[Path, Path]:
        return self.directory / f"{key}.body", self.directory / f"{key}.json"

    def contains(self, key: str) -> bool:
        body, meta = self._paths(key)
        return body.exists() and meta.exists()

    def open(self, key: str) -> tuple[SpooledReport, BinaryIO] | None:
        body, meta = self._paths(key)
        try:
            info = json.loads(meta.read_text("utf-8"))
            fh = body.open("rb")
        except (OSError, ValueError):
            return None
        report = SpooledReport(body, int(info["size"]), str(info["md5"]), str(info["type"]))
        if os.fstat(fh.fileno()).st_size != report.size:
            fh.close()
            return None
        now = time.time()
        os.utime(meta, (now, now))
        return report, fh

    def store(self, key: str, spooled: SpooledReport) -> tuple[SpooledReport, BinaryIO]:
        """Move a spooled file into the cache (or keep it private when too big); open it."""
        fh = spooled.path.open("rb")
        if spooled.size > self.max_bytes:
            spooled.path.unlink(missing_ok=True)  # the open handle keeps the data alive
            return spooled, fh
        body, meta = self._paths(key)
        os.replace(spooled.path, body)
        tmp = meta.with_suffix(".json.part")
        tmp.write_text(
            json.dumps(
                {"size": spooled.size, "md5": spooled.md5_base64, "type": spooled.content_type}
            ),
            "utf-8",
        )
        os.replace(tmp, meta)
        self.evict(keep=key)
        return SpooledReport(body, spooled.size, spooled.md5_base64, spooled.content_type), fh

    def evict(self, keep: str | None = None) -> None:
        entries: list[tuple[float, int, str]] = []
        total = 0
        for meta in self.directory.glob("*.json"):
            key = meta.stem
            body = self.directory / f"{key}.body"
            try:
                size = body.stat().st_size
                used = meta.stat().st_mtime
            except OSError:
                continue
            total += size
            entries.append((used, size, key))
        entries.sort()
        for _used, size, key in entries:
            if total <= self.max_bytes:
                break
            if key == keep:
                continue
            for path in self._paths(key):
                path.unlink(missing_ok=True)
            total -= size
