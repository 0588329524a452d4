"""A bounded in-process cache: least recently used first out, every entry with its own expiry.

One replica only; the Redis cache (:mod:`gateway.state.cache_redis`) shares entries across
replicas. Values are bytes the caller serialised; nothing here logs them.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping


class MemoryCache:
    name = "memory"

    def __init__(self, max_entries: int = 20000, *, clock: Callable[[], float] = time.time) -> None:
        self.max_entries = max(1, max_entries)
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        now = self.clock()
        found: dict[str, bytes] = {}
        for key in keys:
            entry = self._entries.get(key)
            if entry is None:
                continue
            if entry[0] <= now:
                del self._entries[key]
                continue
            self._entries.move_to_end(key)
            found[key] = entry[1]
        return found

    async def put_many(self, items: Mapping[str, bytes], ttl_seconds: float) -> None:
        expires = self.clock() + ttl_seconds
        for key, value in items.items():
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def delete(self, keys: Iterable[str]) -> None:
        for key in keys:
            self._entries.pop(key, None)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._entries.clear()
