"""A compact set of MessageIDs, to find duplicates in feeds of hundreds of thousands of messages.

A Python ``set`` of ints costs about 60 bytes an entry; this one keeps the IDs in a sorted
``array`` of 4-byte integers plus a small batch of recent ones, merged when the batch fills
(IDs usually ascend, then a merge is an append).
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left

_TYPECODE = "I"
MAX_ID = 2**32 - 1
BATCH = 16384


class IdSet:
    """Integers from 0 to :data:`MAX_ID`: ``add`` and ``in``."""

    def __init__(self, batch: int = BATCH) -> None:
        self._sorted = array(_TYPECODE)
        assert self._sorted.itemsize >= 4
        self._recent: set[int] = set()
        self._batch = batch

    def __contains__(self, value: int) -> bool:
        if value in self._recent:
            return True
        index = bisect_left(self._sorted, value)
        return index < len(self._sorted) and self._sorted[index] == value

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)

    def add(self, value: int) -> None:
        if not 0 <= value <= MAX_ID:
            raise ValueError(f"{value} is outside 0..{MAX_ID}")
        if value in self:
            return
        self._recent.add(value)
        if len(self._recent) >= self._batch:
            self._merge()

    def _merge(self) -> None:
        batch = sorted(self._recent)
        self._recent.clear()
        if not self._sorted or batch[0] > self._sorted[-1]:
            self._sorted.extend(batch)
        else:
            self._sorted = array(_TYPECODE, heapq.merge(self._sorted, batch))
