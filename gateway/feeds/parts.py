"""A legacy feed converted straight into JSON_LISTINGS_FEED document files, in bounded memory.

:func:`convert_to_parts` reads the spooled feed incrementally (:mod:`.flatfile`,
:mod:`.envelope`), writes every converted message at once into the current part file (a
complete feed document of at most ``max_messages`` messages, byte for byte what
``json.dumps(doc, separators=(",", ":"))`` of :func:`.listings.feed_documents` gives), and
keeps only the issues (capped, :mod:`.ledger`) and each part's figures. Memory does not grow
with the feed: no message outlives its write.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from gateway.feeds.envelope import stream_envelope
from gateway.feeds.flatfile import charset_of, stream_price_quantity
from gateway.feeds.ledger import DEFAULT_MAX_ISSUES, IssueLedger
from gateway.feeds.listings import feed_header
from gateway.feeds.model import ERROR, ConversionOptions, Issue, IssueTotals, Outcome, Sink

SEPARATORS = (",", ":")
_ENCODER = json.JSONEncoder(separators=SEPARATORS)  # what json.dumps(..., separators) uses
FLUSH_BYTES = 64 * 1024


@dataclass(frozen=True)
class Part:
    """One JSON_LISTINGS_FEED document written to ``path``."""

    path: Path
    messages: int
    first_message_id: int
    last_message_id: int
    size: int  # bytes
    md5_base64: str
    sha256_hex: str


@dataclass(frozen=True)
class PartedConversion:
    """A legacy feed converted into part files.

    ``issues`` holds at most ``max_issues`` issues (those of the first messages), ``totals``
    the exact counts, listed or not. ``document_failed``: the whole document was refused
    (``issues`` say why), nothing was written and ``processed`` is 0.
    """

    parts: tuple[Part, ...]
    processed: int  # legacy messages (or flat-file records) read
    issues: tuple[Issue, ...]
    totals: IssueTotals
    document_failed: bool

    @property
    def translated(self) -> int:
        """JSON messages written, over all parts."""
        return sum(part.messages for part in self.parts)


class _PartFile:
    """The part being written: header first, then messages, closed by ``]}``."""

    def __init__(self, path: Path, prefix: bytes) -> None:
        self.path = path
        self.file: IO[bytes] = path.open("wb")
        self.md5 = hashlib.md5()
        self.sha256 = hashlib.sha256()
        self.buffer = bytearray(prefix)
        self.size = 0
        self.count = 0
        self.first_id = self.last_id = 0

    def add(self, message: dict[str, Any]) -> None:
        if self.count:
            self.buffer += b","
        else:
            self.first_id = int(message["messageId"])
        self.buffer += _ENCODER.encode(message).encode("utf-8")
        self.last_id = int(message["messageId"])
        self.count += 1
        if len(self.buffer) >= FLUSH_BYTES:
            self.flush()

    def flush(self) -> None:
        data = bytes(self.buffer)
        self.buffer.clear()
        self.file.write(data)
        self.md5.update(data)
        self.sha256.update(data)
        self.size += len(data)

    def close(self) -> Part:
        self.buffer += b"]}"
        self.flush()
        self.file.close()
        md5 = base64.b64encode(self.md5.digest()).decode("ascii")
        return Part(
            self.path,
            self.count,
            self.first_id,
            self.last_id,
            self.size,
            md5,
            self.sha256.hexdigest(),
        )


class PartWriter:
    """A :class:`.model.Sink`'s message half: messages into part files under ``directory``."""

    def __init__(
        self, directory: Path, seller_id: str, max_messages: int, issue_locale: str = "en_US"
    ) -> None:
        self.directory = directory
        self.max_messages = max(1, max_messages)
        header = _ENCODER.encode(feed_header(seller_id, issue_locale))
        self._prefix = b'{"header":' + header.encode("utf-8") + b',"messages":['
        self._current: _PartFile | None = None
        self._parts: list[Part] = []

    def put_message(self, message: dict[str, Any]) -> None:
        if self._current is None:
            path = self.directory / f"part-{len(self._parts) + 1:04d}.json"
            self._current = _PartFile(path, self._prefix)
        self._current.add(message)
        if self._current.count >= self.max_messages:
            self._parts.append(self._current.close())
            self._current = None

    def close(self) -> tuple[Part, ...]:
        """Finish the last part; every part written, in order."""
        if self._current is not None:
            self._parts.append(self._current.close())
            self._current = None
        return tuple(self._parts)

    def discard(self) -> None:
        """Remove every file written (the document failed, or the conversion broke)."""
        if self._current is not None:
            self._current.file.close()
            self._current.path.unlink(missing_ok=True)
            self._current = None
        for part in self._parts:
            part.path.unlink(missing_ok=True)
        self._parts.clear()


class _Both:
    """Messages to the writer, issues to the ledger."""

    def __init__(self, writer: PartWriter, ledger: IssueLedger) -> None:
        self.writer = writer
        self.ledger = ledger

    def put_message(self, message: dict[str, Any]) -> None:
        self.writer.put_message(message)

    def put_issues(self, issues: Sequence[Issue]) -> None:
        self.ledger.put_issues(issues)


def stream_feed(
    source: IO[bytes],
    row: Mapping[str, Any],
    content_type: str,
    options: ConversionOptions,
    sink: Sink,
) -> Outcome:
    """Convert the feed in ``source`` as its FeedType's ``row`` (``mappings/feeds/types.yaml``)
    says: the price-and-quantity template, else an envelope of ``message_type`` messages."""
    if row.get("template") == "price_quantity":
        return stream_price_quantity(source, charset_of(content_type), options, sink)
    return stream_envelope(source, str(row.get("message_type", "Inventory")), options, sink)


def convert_to_parts(
    source: IO[bytes],
    row: Mapping[str, Any],
    content_type: str,
    options: ConversionOptions,
    *,
    seller_id: str,
    max_messages: int,
    directory: Path,
    max_issues: int = DEFAULT_MAX_ISSUES,
    issue_locale: str = "en_US",
) -> PartedConversion:
    """Convert the feed in ``source`` (read from its start) into part files in ``directory``.

    Never raises for bad input (it is reported in the issues); files are left only for the
    parts returned: nothing when the document failed or the conversion raised. The caller
    owns ``directory`` and removes the parts when done with them.
    """
    directory.mkdir(parents=True, exist_ok=True)
    writer = PartWriter(directory, seller_id, max_messages, issue_locale)
    ledger = IssueLedger(max_issues)
    source.seek(0)
    try:
        outcome = stream_feed(source, row, content_type, options, _Both(writer, ledger))
    except BaseException:
        writer.discard()
        raise
    if outcome.document_failed:
        writer.discard()
        issues = outcome.document_issues
        errors = sum(1 for i in issues if i.severity == ERROR)
        totals = IssueTotals(errors=errors, warnings=len(issues) - errors)
        return PartedConversion((), 0, issues, totals, document_failed=True)
    return PartedConversion(
        writer.close(), outcome.processed, tuple(ledger.listed), ledger.totals(), False
    )
