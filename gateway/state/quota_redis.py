"""Quota buckets in Redis, shared by every replica.

One Lua script does the whole read-modify-write atomically on the server. It is a line-by-line
transcription of :func:`gateway.mws.quotas.take` (same order of floating-point operations, so
the same inputs give the same decisions as the memory backend). Numbers cross the wire as
``%.17g`` strings, which round-trip IEEE doubles exactly. The clock is the caller's ``now`` when
given, otherwise the Redis server's ``TIME`` (one clock for all replicas).

Each bucket is a hash ``<prefix><key>`` with fields ``tokens``, ``updated``, ``window`` and
``count``, expiring once it would be back at rest (full again and its hourly window over).
Connection failures raise :class:`BackendUnavailable`; the client reconnects on the next call.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gateway.mws.quotas import QuotaDecision, Throttle
from gateway.state.base import BackendUnavailable

DEFAULT_PREFIX = "mws-gateway:quota:"

# KEYS[1] bucket hash
# ARGV: max, restore_per_second, hourly ("" = none), cost, now ("" = server TIME)
# returns {allowed(0/1), reason, tokens, retry_after, hourly_max, hourly_remaining, resets_on}
# with numbers as %.17g strings and "" for None.
TAKE_SCRIPT = """
local HOUR = 3600.0
local MAX_TTL = 172800.0
local function fmt(x) return string.format('%.17g', x) end
local max = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local hourly = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
if now == nil then
  local t = redis.call('TIME')
  now = tonumber(t[1]) + tonumber(t[2]) / 1000000
end
local function window_of(t) return math.floor(t / HOUR) * HOUR end

local s = redis.call('HMGET', KEYS[1], 'tokens', 'updated', 'window', 'count')
local s_tokens, s_updated, s_window, s_count
if s[1] then
  s_tokens = tonumber(s[1]); s_updated = tonumber(s[2])
  s_window = tonumber(s[3]); s_count = tonumber(s[4])
else
  s_tokens = max; s_updated = now; s_window = window_of(now); s_count = 0
end

local elapsed = math.max(0.0, now - s_updated)
local tokens = math.min(max, s_tokens + elapsed * rate)
local window = window_of(now)
local hour_count = 0
if s_window == window then hour_count = s_count end
local hourly_remaining = ''
local resets_on = ''
if hourly then
  hourly_remaining = fmt(hourly - hour_count)
  resets_on = fmt(window + HOUR)
end

local function save(tok, cnt)
  redis.call('HSET', KEYS[1], 'tokens', fmt(tok), 'updated', fmt(now),
             'window', fmt(window), 'count', tostring(cnt))
  local ttl = 1.0
  if rate > 0 then ttl = (max - tok) / rate end
  if hourly and cnt > 0 then ttl = math.max(ttl, window + HOUR - now) end
  ttl = math.min(ttl, MAX_TTL)
  redis.call('PEXPIRE', KEYS[1], math.ceil(ttl * 1000) + 1000)
end

local hourly_s = ''
if hourly then hourly_s = tostring(hourly) end

local units = math.max(1, math.floor(cost))
if hourly and hour_count + units > hourly then
  save(tokens, hour_count)
  return {0, 'hourly', fmt(tokens), fmt((window + HOUR) - now), hourly_s, '0', resets_on}
end
if tokens + 1e-9 < cost then
  save(tokens, hour_count)
  return {0, 'burst', fmt(tokens), fmt((cost - tokens) / rate), hourly_s, hourly_remaining,
          resets_on}
end
tokens = tokens - cost
hour_count = hour_count + units
save(tokens, hour_count)
if hourly then hourly_remaining = fmt(hourly - hour_count) end
return {1, '', fmt(tokens), fmt(0.0), hourly_s, hourly_remaining, resets_on}
"""


def _num(value: Any) -> float | None:
    text = value.decode() if isinstance(value, bytes) else str(value)
    return None if text == "" else float(text)


def decode_reply(reply: list[Any]) -> QuotaDecision:
    """Turn the script's reply into a :class:`QuotaDecision`."""
    allowed, reason, tokens, retry_after, hourly, remaining, resets_on = reply
    reason_text = reason.decode() if isinstance(reason, bytes) else str(reason)
    hourly_n = _num(hourly)
    remaining_n = _num(remaining)
    return QuotaDecision(
        allowed=int(allowed) == 1,
        reason=reason_text or None,
        tokens_left=float(_num(tokens) or 0.0),
        retry_after=float(_num(retry_after) or 0.0),
        hourly_max=None if hourly_n is None else int(hourly_n),
        hourly_remaining=None if remaining_n is None else int(remaining_n),
        resets_on=_num(resets_on),
    )


class RedisQuotaBackend:
    name = "redis"

    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        timeout: float = 2.0,
        max_connections: int = 32,
    ) -> None:
        self._prefix = prefix
        # One immediate retry on a connection error replaces a pooled connection that died
        # (e.g. Redis restarted) without failing the request. Timeouts are not retried: the
        # script may have run, and running it twice would take the quota twice.
        # A blocking pool: under a burst, calls wait (up to ``timeout``) for a free connection
        # instead of failing with "too many connections".
        pool = aioredis.BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=timeout,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[RedisConnectionError],
        )
        self._client: aioredis.Redis = aioredis.Redis(connection_pool=pool)
        self._script = self._client.register_script(TAKE_SCRIPT)

    async def acquire(
        self, key: str, throttle: Throttle, *, cost: float = 1.0, now: float | None = None
    ) -> QuotaDecision:
        args = [
            repr(float(throttle.max)),
            repr(float(throttle.restore_per_second)),
            "" if throttle.hourly is None else str(int(throttle.hourly)),
            repr(float(cost)),
            "" if now is None else repr(float(now)),
        ]
        try:
            reply = await self._script(keys=[self._prefix + key], args=args)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise BackendUnavailable(f"redis: {type(exc).__name__}") from exc
        except RedisError as exc:
            raise BackendUnavailable(f"redis: {exc}") from exc
        return decode_reply(list(reply))

    async def ping(self) -> None:
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise BackendUnavailable(f"redis: {type(exc).__name__}") from exc

    async def close(self) -> None:
        await self._client.aclose()
        await self._client.connection_pool.disconnect()
