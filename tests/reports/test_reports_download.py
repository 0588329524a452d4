"""GetReport spooling (gzip decided by magic bytes, MD5 over the bytes sent), the bounded disk
cache and the getReports paging cursor, all without a server."""

from __future__ import annotations

import base64
import gzip
import hashlib
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from gateway.translate.reports.download import (
    ReportCache,
    content_type_for,
    spool,
    stream_file,
)
from gateway.translate.reports.listing import Cursor, collect, type_groups

pytestmark = pytest.mark.anyio


async def chunks_of(data: bytes, size: int = 7) -> AsyncIterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


TEXT = ("sku\tasin\tprice\n" + "".join(f"SKU-{i}\tB0{i:08d}\t9.99\n" for i in range(500))).encode()


def listing(path: Path) -> list[Path]:
    return list(path.iterdir())


async def read_all(stream: AsyncIterator[bytes]) -> bytes:
    return b"".join([c async for c in stream])


async def test_spool_plain_hashes_exact_bytes(tmp_path: Path) -> None:
    got = await spool(chunks_of(TEXT), tmp_path, gzip_declared=False, content_type="text/plain")
    assert got.size == len(TEXT) and got.md5_base64 == md5_b64(TEXT)
    assert got.path.read_bytes() == TEXT


async def test_spool_gunzips_by_magic_bytes_including_multi_member(tmp_path: Path) -> None:
    data = gzip.compress(TEXT[:1000]) + gzip.compress(TEXT[1000:])
    got = await spool(chunks_of(data, 3), tmp_path, gzip_declared=True, content_type="text/plain")
    assert got.path.read_bytes() == TEXT and got.md5_base64 == md5_b64(TEXT)
    # declared GZIP but already decoded on the way: kept as is
    got = await spool(chunks_of(TEXT), tmp_path, gzip_declared=True, content_type="text/plain")
    assert got.path.read_bytes() == TEXT


async def test_spool_failure_leaves_no_file(tmp_path: Path) -> None:
    async def broken() -> AsyncIterator[bytes]:
        yield b"abc"
        raise ConnectionError("cut")

    with pytest.raises(ConnectionError):
        await spool(broken(), tmp_path, gzip_declared=False, content_type="text/plain")
    assert listing(tmp_path) == []


def test_content_type_for() -> None:
    assert content_type_for("text/plain", "text/plain; charset=UTF-8") == "text/plain;charset=UTF-8"
    assert content_type_for("text/plain", "text/tab-separated-values;charset=Cp1252") == (
        "text/plain;charset=Cp1252"
    )
    assert content_type_for("text/plain", "application/octet-stream") == "text/plain"
    assert content_type_for("text/xml", "text/xml; charset=UTF-8") == "text/xml"


async def test_cache_store_open_and_evict(tmp_path: Path) -> None:
    cache = ReportCache(tmp_path / "cache", max_bytes=len(TEXT) * 2 + 10)
    keys = [cache.key("SELLER", str(n)) for n in range(3)]
    assert len(set(keys)) == 3 and cache.key("OTHER", "0") != keys[0]
    for key in keys:
        spooled = await spool(
            chunks_of(TEXT), cache.directory, gzip_declared=False, content_type="text/plain"
        )
        report, fh = cache.store(key, spooled)
        assert await read_all(stream_file(fh, 100)) == TEXT
    # three entries do not fit: the oldest went
    assert cache.open(keys[0]) is None
    hit = cache.open(keys[2])
    assert hit is not None
    report, fh = hit
    assert report.md5_base64 == md5_b64(TEXT) and report.content_type == "text/plain"
    assert await read_all(stream_file(fh)) == TEXT


async def test_cache_keeps_too_big_reports_private(tmp_path: Path) -> None:
    cache = ReportCache(tmp_path / "cache", max_bytes=10)
    spooled = await spool(chunks_of(TEXT), cache.directory, gzip_declared=False, content_type="t")
    report, fh = cache.store("k", spooled)
    assert not report.path.exists()  # unlinked; the open handle still reads it
    assert await read_all(stream_file(fh)) == TEXT
    assert cache.open("k") is None


# -- paging cursor ----------------------------------------------------------------------------


def fake_upstream(pages: dict[str, list[list[int]]]) -> tuple[Any, list[dict[str, str]]]:
    """getReports over per-type-group pages; tokens are 'group:index'."""
    seen: list[dict[str, str]] = []

    async def fetch(query: dict[str, str]) -> dict[str, Any]:
        seen.append(dict(query))
        if "nextToken" in query:
            assert list(query) == ["nextToken"]
            group, _, index = query["nextToken"].partition(":")
            n = int(index)
        else:
            group, n = query["reportTypes"], 0
        page = pages[group][n]
        body: dict[str, Any] = {"reports": [{"reportId": str(i)} for i in page]}
        if n + 1 < len(pages[group]):
            body["nextToken"] = f"{group}:{n + 1}"
        return body

    return fetch, seen


async def keep_even(reports: list[dict[str, Any]]) -> list[bool]:
    return [int(r["reportId"]) % 2 == 0 for r in reports]


async def keep_all(reports: list[dict[str, Any]]) -> list[bool]:
    return [True] * len(reports)


def test_type_groups() -> None:
    types = [f"T{i}" for i in range(23)] + ["T0"]
    groups = type_groups(types)
    assert [len(g) for g in groups] == [10, 10, 3]


async def test_collect_resumes_inside_a_page_and_across_groups() -> None:
    fetch, seen = fake_upstream({"A": [[1, 2, 3, 4], [5, 6]], "B": [[7, 8, 9, 10]]})
    cursor = Cursor([["A"], ["B"]], {"pageSize": "4"})
    ids: list[str] = []
    state: Cursor | None = cursor
    rounds = 0
    while state is not None:
        items, state = await collect(fetch, state, 3, keep_all)
        ids.extend(r["reportId"] for r in items)
        if state is not None:  # survives the NextToken round trip
            state = Cursor.from_state(state.to_state())
        rounds += 1
    assert ids == [str(i) for i in range(1, 11)]
    assert rounds == 4
    assert seen[0] == {"pageSize": "4", "reportTypes": "A"}


async def test_collect_applies_gateway_filters() -> None:
    fetch, _ = fake_upstream({"A": [[1, 2, 3, 4], [5, 6, 7, 8]]})
    items, state = await collect(fetch, Cursor([["A"]], {}), 3, keep_even)
    assert [r["reportId"] for r in items] == ["2", "4", "6"]
    assert state is not None
    items, state = await collect(fetch, state, 3, keep_even)
    assert [r["reportId"] for r in items] == ["8"] and state is None


async def test_collect_bounded_fetches() -> None:
    fetch, seen = fake_upstream({"A": [[1], [3], [5], [7]]})
    items, state = await collect(fetch, Cursor([["A"]], {}), 10, keep_even, max_fetches=2)
    assert items == [] and state is not None and len(seen) == 2


async def test_spool_rejects_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(TEXT)[:-20]
    with pytest.raises(zlib.error, match="gzip"):
        await spool(chunks_of(data), tmp_path, gzip_declared=True, content_type="text/plain")
    assert listing(tmp_path) == []


# -- the network download path (blocking client in a worker thread) against a live emulator ---


def test_download_in_thread_over_http(tmp_path: Path) -> None:
    import httpx

    from gateway.emulator.app import create_emulator_app
    from gateway.mws.errors import MwsError
    from gateway.translate.reports.upstream import download_in_thread
    from tests.support.live import serve_in_thread

    app = create_emulator_app()
    state = app.state.emulator
    with serve_in_thread(app) as server:
        state.documents.base_url = server.url
        doc_id = state.documents.put_document(TEXT, "text/plain; charset=UTF-8", compression="GZIP")
        url = state.documents.download_url(doc_id)
        timeout = httpx.Timeout(10.0)
        got = download_in_thread(url, tmp_path, "text/plain", timeout)
        assert got.path.read_bytes() == TEXT
        assert got.md5_base64 == md5_b64(TEXT)
        assert got.content_type == "text/plain;charset=UTF-8"
        with pytest.raises(MwsError) as err:
            download_in_thread(url.replace("X-Amz-Signature=", "X-Amz-Signature=0"), tmp_path,
                               "text/plain", timeout)  # fmt: skip
        assert err.value.code == "ReportNoLongerAvailable"
