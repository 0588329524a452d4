"""The text lines of an uploaded file, decoded and split incrementally in bounded memory.

Lines are what ``bytes.decode(charset, errors="replace").splitlines()`` gives for the whole
file (a UTF-8 byte order mark selects UTF-8 and is dropped), read in chunks: memory holds one
chunk and one line, and a line longer than :data:`MAX_LINE_CHARS` is not held at all but
reported as :class:`Overlong` with its start (a whitespace-only one is still a blank line).
"""

from __future__ import annotations

import codecs
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import IO

CHUNK_SIZE = 64 * 1024
MAX_LINE_CHARS = 1024 * 1024
BOM = b"\xef\xbb\xbf"
START_CHARS = 64
# every boundary str.splitlines() splits at ("\r\n" counts as one)
LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"


@dataclass(frozen=True)
class Overlong:
    """A line longer than :data:`MAX_LINE_CHARS`; only its first characters are kept."""

    start: str


def _content(piece: str) -> str:
    """A line without its line break."""
    if piece.endswith("\r\n"):
        return piece[:-2]
    return piece[:-1] if piece and piece[-1] in LINE_BREAKS else piece


def _head(source: IO[bytes], chunk_size: int) -> bytes:
    """The first chunk, at least long enough to tell whether it starts with a BOM."""
    head = source.read(chunk_size)
    while head and len(head) < len(BOM):
        more = source.read(chunk_size)
        if not more:
            break
        head += more
    return head


class _Splitter:
    """Decoded text in, complete lines out; holds the unfinished last line."""

    def __init__(self) -> None:
        self.carry = ""
        self.overlong: str | None = None  # the start of an overlong line being skipped
        self.blank = True  # whether the overlong line is whitespace so far

    def feed(self, text: str, final: bool) -> Iterator[str | Overlong]:
        if self.overlong is not None:
            text = yield from self._skip(text)
            if self.overlong is not None:
                if final:
                    yield self._end()
                return
        pieces = (self.carry + text).splitlines(keepends=True)
        self.carry = "" if final or not pieces else pieces.pop()
        for piece in pieces:
            line = _content(piece)
            if len(line) <= MAX_LINE_CHARS:
                yield line
            else:
                yield Overlong(line[:START_CHARS]) if line.strip() else ""
        if len(self.carry) > MAX_LINE_CHARS:
            self.overlong, self.blank = self.carry[:START_CHARS], not self.carry.strip()
            self.carry = ""
        if final and self.overlong is not None:
            yield self._end()

    def _end(self) -> str | Overlong:
        line: str | Overlong = "" if self.blank else Overlong(str(self.overlong))
        self.overlong = None
        return line

    def _skip(self, text: str) -> Generator[str | Overlong, None, str]:
        """Drop the rest of an overlong line; the text after its end is returned."""
        first = text.splitlines(keepends=True)[0] if text else ""
        self.blank = self.blank and not first.strip()
        if first and first[-1] in LINE_BREAKS:
            yield self._end()
            return text[len(first) :]
        return ""


def text_lines(
    source: IO[bytes], charset: str, chunk_size: int | None = None
) -> Iterator[str | Overlong]:
    """The lines of ``source`` (read from its current position) without their line breaks."""
    chunk_size = chunk_size or CHUNK_SIZE
    data = _head(source, chunk_size)
    if data.startswith(BOM):
        data, charset = data[len(BOM) :] or source.read(chunk_size), "utf-8"
    decoder = codecs.getincrementaldecoder(charset)(errors="replace")
    splitter = _Splitter()
    while True:
        final = not data
        yield from splitter.feed(decoder.decode(data, final), final)
        if final:
            return
        data = source.read(chunk_size)
