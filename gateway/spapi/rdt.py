"""Restricted Data Tokens (Tokens API 2021-03-01), cached per seller and resource set.

An RDT stands in for the LWA access token on restricted operations (Orders v0 PII, MFN
shipments, restricted report documents, ...). ``createRestrictedDataToken`` is itself an
SP-API call (rate 1/s, burst 10), so tokens are cached per (seller, region, resource set)
until ``refresh_margin`` seconds before ``expiresIn`` runs out, with one creation in flight
per key. The creation goes through the client's normal pipeline (pacing, retries, audit);
it has no side effect, so it is retried like an idempotent call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

RDT_OPERATION = "tokens_2021-03-01.createRestrictedDataToken"
RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"


@dataclass(frozen=True)
class RestrictedResource:
    method: str
    path: str
    data_elements: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method.upper(), "path": self.path}
        if self.data_elements:
            out["dataElements"] = list(self.data_elements)
        return out


ResourceKey = tuple[tuple[str, str, tuple[str, ...]], ...]


def resource_key(resources: Sequence[RestrictedResource]) -> ResourceKey:
    return tuple(
        sorted((r.method.upper(), r.path, tuple(sorted(set(r.data_elements)))) for r in resources)
    )


@dataclass
class _Rdt:
    value: str = field(repr=False)
    expires_at: float


# (seller_id, region, body) -> (token, expires_in seconds)
CreateFn = Callable[[str, str, dict[str, Any]], Awaitable[tuple[str, float]]]


class RdtCache:
    def __init__(
        self,
        *,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._margin = refresh_margin
        self._clock = clock
        self._cache: dict[tuple[str, str, ResourceKey], _Rdt] = {}
        self._inflight: dict[tuple[str, str, ResourceKey], asyncio.Future[_Rdt]] = {}
        self.created = 0

    async def token(
        self,
        seller_id: str,
        region: str,
        resources: Sequence[RestrictedResource],
        create: CreateFn,
    ) -> str:
        key = (seller_id, region, resource_key(resources))
        cached = self._cache.get(key)
        if cached is not None and self._clock() < cached.expires_at - self._margin:
            return cached.value
        pending = self._inflight.get(key)
        if pending is not None:
            return (await asyncio.shield(pending)).value
        future: asyncio.Future[_Rdt] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            started = self._clock()
            body = {"restrictedResources": [r.to_json() for r in resources]}
            value, expires_in = await create(seller_id, region, body)
            self.created += 1
            rdt = _Rdt(value=value, expires_at=started + expires_in)
            self._cache[key] = rdt
            future.set_result(rdt)
            return value
        except asyncio.CancelledError:
            future.cancel()
            raise
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # observed here; waiters re-raise it
            raise
        finally:
            self._inflight.pop(key, None)

    def invalidate(self, seller_id: str, token: str) -> None:
        for key, rdt in list(self._cache.items()):
            if key[0] == seller_id and rdt.value == token:
                del self._cache[key]
