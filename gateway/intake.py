"""Reading request bodies within limits: small form bodies in memory, documents spooled.

SubmitFeed-style documents are spooled to a temporary file (memory up to 1 MiB, then disk)
while their MD5 is computed, so a large feed never sits in memory and the handler gets the
exact digest MWS checked against ``Content-MD5``.
"""

from __future__ import annotations

import base64
import hashlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import IO

import anyio
from starlette.requests import ClientDisconnect, Request

from gateway.mws.errors import MwsError

_MEMORY_LIMIT = 1024 * 1024


def _too_large(limit: int) -> MwsError:
    return MwsError(
        "RequestEntityTooLarge", f"The request body is larger than the {limit} bytes allowed."
    )


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            chunks.append(chunk)
    except ClientDisconnect:
        raise MwsError("InputStreamDisconnected") from None
    return b"".join(chunks)


class SpooledBody:
    """A request document on disk (or in memory while small) with its size and MD5."""

    def __init__(self, file: IO[bytes], size: int, md5_base64: str, content_type: str) -> None:
        self._file = file
        self.size = size
        self.md5_base64 = md5_base64
        self.content_type = content_type

    async def chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]:
        self._file.seek(0)
        while True:
            chunk = await anyio.to_thread.run_sync(self._file.read, chunk_size)
            if not chunk:
                break
            yield chunk

    def rewound(self) -> IO[bytes]:
        """The document's file at its start, for a synchronous reader in a worker thread
        (a streaming feed conversion); this body still owns and closes it."""
        self._file.seek(0)
        return self._file

    async def read(self) -> bytes:
        self._file.seek(0)
        return await anyio.to_thread.run_sync(self._file.read)

    def close(self) -> None:
        self._file.close()


async def spool_document(request: Request, limit: int, directory: Path) -> SpooledBody:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    await anyio.Path(directory).mkdir(parents=True, exist_ok=True)
    file = tempfile.SpooledTemporaryFile(  # noqa: SIM115 - closed by SpooledBody.close
        max_size=_MEMORY_LIMIT, dir=str(directory)
    )
    digest = hashlib.md5()
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise _too_large(limit)
            digest.update(chunk)
            file.write(chunk)
    except ClientDisconnect:
        file.close()
        raise MwsError("InputStreamDisconnected") from None
    except BaseException:
        file.close()
        raise
    return SpooledBody(
        file,
        size,
        base64.b64encode(digest.digest()).decode("ascii"),
        request.headers.get("content-type", "application/octet-stream"),
    )
