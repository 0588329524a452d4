"""Choose the state backends from the settings.

* quotas: ``MWS_GATEWAY_REDIS_URL`` set (``redis://``, ``rediss://``, ``unix://``) -> Redis,
  shared by all replicas; unset -> in-process memory (one replica only).
* store: ``MWS_GATEWAY_DATABASE_URL`` set (``postgresql://`` or ``postgres://``) -> PostgreSQL;
  ``sqlite:///path/file.sqlite3`` -> that SQLite file; unset -> ``<data_dir>/gateway.sqlite3``.

Nothing connects here: the store connects and migrates in ``open()``, Redis on first use.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from gateway.state.base import Cache, QuotaBackend, Store
from gateway.state.cache_memory import MemoryCache
from gateway.state.cache_redis import RedisCache
from gateway.state.quota_memory import MemoryQuotaBackend
from gateway.state.quota_redis import RedisQuotaBackend
from gateway.state.store_postgres import PostgresStore
from gateway.state.store_sqlite import SqliteStore

SQLITE_FILENAME = "gateway.sqlite3"
_REDIS_SCHEMES = ("redis", "rediss", "unix")
_POSTGRES_SCHEMES = ("postgresql", "postgres")


class StateConfigError(ValueError):
    """A backend URL cannot be used; the message names the variable (never the password)."""


def build_quota_backend(redis_url: str | None) -> QuotaBackend:
    if not redis_url:
        return MemoryQuotaBackend()
    scheme = urlsplit(redis_url).scheme
    if scheme not in _REDIS_SCHEMES:
        raise StateConfigError(
            f"MWS_GATEWAY_REDIS_URL: unsupported scheme {scheme!r} "
            f"(expected one of {', '.join(_REDIS_SCHEMES)})"
        )
    return RedisQuotaBackend(redis_url)


def build_cache(redis_url: str | None, key: bytes, max_entries: int) -> Cache:
    """The SP-API answer cache: Redis (sealed values) when quotas share Redis, else memory."""
    if redis_url:
        return RedisCache(redis_url, key)
    return MemoryCache(max_entries)


def build_store(database_url: str | None, data_dir: Path) -> Store:
    if not database_url:
        return SqliteStore(Path(data_dir) / SQLITE_FILENAME)
    parts = urlsplit(database_url)
    if parts.scheme in _POSTGRES_SCHEMES:
        return PostgresStore(database_url)
    if parts.scheme == "sqlite":
        if not parts.path or parts.path == "/":
            raise StateConfigError("MWS_GATEWAY_DATABASE_URL: sqlite URL needs a file path")
        return SqliteStore(Path(parts.path))
    raise StateConfigError(
        f"MWS_GATEWAY_DATABASE_URL: unsupported scheme {parts.scheme!r} "
        "(expected postgresql://... or sqlite:///path)"
    )
