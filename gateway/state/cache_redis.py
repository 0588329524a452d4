"""The cache in Redis, shared by every replica; values sealed, never in clear.

Cached SP-API answers (orders) hold buyer data, so every value is sealed
(:mod:`gateway.sealing`) with a key derived from the gateway's secret before it leaves the
process, and expires with Redis's own TTL. A value that does not open with the key (another
deployment's, or tampered with) is a miss. Connection failures are misses too: the cache
spares SP-API calls, it never fails an MWS call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from gateway.sealing import Sealer

DEFAULT_PREFIX = "mws-gateway:cache:"
log = structlog.get_logger("mws_gateway.cache")


class RedisCache:
    name = "redis"

    def __init__(
        self, url: str, key: bytes, *, prefix: str = DEFAULT_PREFIX, timeout: float = 1.0
    ) -> None:
        self._client = aioredis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._sealer = Sealer(key, b"mws-gateway cache")
        self.prefix = prefix

    async def get_many(self, keys: Iterable[str]) -> dict[str, bytes]:
        wanted = list(keys)
        if not wanted:
            return {}
        try:
            values = await self._client.mget([self.prefix + k for k in wanted])
        except RedisError as exc:
            log.warning("cache_unavailable", backend=self.name, error=type(exc).__name__)
            return {}
        found: dict[str, bytes] = {}
        for key, value in zip(wanted, values, strict=True):
            if not isinstance(value, bytes):
                continue
            opened = self._sealer.open(value, header=key.encode())
            if opened is not None:
                found[key] = opened
        return found

    async def put_many(self, items: Mapping[str, bytes], ttl_seconds: float) -> None:
        if not items:
            return
        millis = max(1, int(ttl_seconds * 1000))
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in items.items():
                    sealed = self._sealer.seal(value, header=key.encode())
                    pipe.set(self.prefix + key, sealed, px=millis)
                await pipe.execute()
        except RedisError as exc:
            log.warning("cache_unavailable", backend=self.name, error=type(exc).__name__)

    async def delete(self, keys: Iterable[str]) -> None:
        names = [self.prefix + k for k in keys]
        if not names:
            return
        try:
            await self._client.delete(*names)
        except RedisError as exc:
            log.warning("cache_unavailable", backend=self.name, error=type(exc).__name__)

    async def ping(self) -> None:
        return None  # optional by design: an outage costs SP-API calls, not answers

    async def close(self) -> None:
        await self._client.aclose()
