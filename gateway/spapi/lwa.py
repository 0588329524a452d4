"""Login with Amazon: per-seller access tokens, cached, with one refresh in flight.

``LwaTokens.token(seller_id)`` returns a cached access token while it has more than
``refresh_margin`` seconds to live. Otherwise it exchanges the seller's refresh token at the
LWA endpoint (``grant_type=refresh_token``, form-encoded). Concurrent callers for the same
seller share one exchange (a single task per seller; 100 concurrent calls -> 1 exchange);
a caller that gives up (its own deadline) does not cancel the exchange for the others.

When SP-API rejects a token (401/403), the client calls :meth:`LwaTokens.invalidate` with
the token it used and asks again: a newer token cached meanwhile is kept, so a burst of
rejections still causes one exchange.

Grantless operations (Notifications destinations, subscriptions by id) take an application
token instead: ``grant_type=client_credentials`` with a ``scope``
(``sellingpartnerapi::notifications``), no refresh token. :meth:`LwaTokens.grantless` caches
it per (application, scope) exactly like the seller tokens, one exchange in flight; the
application's client id and secret are those configured for the seller the call is made for.

Errors: LWA's ``invalid_grant`` / ``invalid_client`` / ``unauthorized_client`` /
``access_denied`` / ... (4xx) -> :class:`LwaDenied` (MWS ``AccessDenied``); 5xx, 429,
``server_error``, ``temporarily_unavailable``, timeouts, connection failures and unreadable
answers -> :class:`LwaUnavailable` (MWS ``ServiceUnavailable``, retried by the client).
Neither the refresh token, the client secret nor the access token ever appears in a
message, a log event or an exception.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import structlog

from gateway.spapi.errors import ErrorMap, LwaDenied, LwaUnavailable
from gateway.spapi.settings import SettingsLike

log = structlog.get_logger("gateway.spapi.lwa")

UNAVAILABLE_CODES = frozenset({"server_error", "temporarily_unavailable"})


@dataclass
class AccessToken:
    value: str = field(repr=False)
    expires_at: float  # clock() time

    def fresh(self, now: float, margin: float) -> bool:
        return now < self.expires_at - margin


class LwaTokens:
    def __init__(
        self,
        http: httpx.AsyncClient,
        settings: SettingsLike,
        errors: ErrorMap,
        *,
        refresh_margin: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._settings = settings
        self._errors = errors
        self._margin = refresh_margin
        self._clock = clock
        self._cache: dict[str, AccessToken] = {}
        self._inflight: dict[str, asyncio.Task[AccessToken]] = {}
        self.exchanges = 0  # token exchanges attempted (for tests and metrics)

    async def token(self, seller_id: str, *, wait_limit: float | None = None) -> str:
        return await self._token(seller_id, seller_id, None, wait_limit)

    async def grantless(
        self, seller_id: str, scope: str, *, wait_limit: float | None = None
    ) -> str:
        """The application token for ``scope`` (client_credentials), cached per app and scope."""
        client_id = self._client_id(seller_id)
        return await self._token(f"grantless:{client_id}:{scope}", seller_id, scope, wait_limit)

    def _client_id(self, seller_id: str) -> str:
        try:
            creds = self._settings.seller(seller_id).lwa
        except Exception:  # ConfigError: unknown seller
            creds = None
        return creds.client_id if creds is not None else "-"

    async def _token(
        self, key: str, seller_id: str, scope: str | None, wait_limit: float | None
    ) -> str:
        cached = self._cache.get(key)
        if cached is not None and cached.fresh(self._clock(), self._margin):
            return cached.value
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._exchange(seller_id, wait_limit, key, scope))
            self._inflight[key] = task
            task.add_done_callback(lambda t: self._done(key, t))
        try:
            async with asyncio.timeout(wait_limit):
                result = await asyncio.shield(task)
        except TimeoutError:
            raise LwaUnavailable(
                self._errors.failure("lwa_unavailable"),
                operation="lwa.token",
                cause="Timeout",
                message="Timed out waiting for the Login with Amazon token.",
            ) from None
        return result.value

    def _done(self, seller_id: str, task: asyncio.Task[AccessToken]) -> None:
        if self._inflight.get(seller_id) is task:
            del self._inflight[seller_id]
        if not task.cancelled():
            task.exception()  # retrieved: waiters that gave up must not leave it unobserved

    def invalidate(self, seller_id: str, token: str) -> None:
        """Forget ``token`` (rejected by SP-API) unless a newer one replaced it already."""
        for key, cached in list(self._cache.items()):
            if cached.value == token and (key == seller_id or key.startswith("grantless:")):
                del self._cache[key]

    def forget(self, seller_id: str) -> None:
        self._cache.pop(seller_id, None)

    async def _exchange(
        self,
        seller_id: str,
        wait_limit: float | None,
        key: str | None = None,
        scope: str | None = None,
    ) -> AccessToken:
        upstream = self._settings.upstream
        try:
            creds = self._settings.seller(seller_id).lwa
        except Exception:  # ConfigError: unknown seller
            creds = None
        if creds is None:
            raise LwaDenied(
                self._errors.failure("lwa_denied"),
                operation="lwa.token",
                cause="NoCredentials",
                message="No SP-API authorization is configured for this seller.",
            )
        self.exchanges += 1
        started = self._clock()
        per_call = upstream.timeout_seconds
        if wait_limit is not None:
            per_call = max(0.05, min(wait_limit, per_call))
        form = (
            {
                "grant_type": "refresh_token",
                "refresh_token": creds.refresh_token,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            }
            if scope is None
            else {
                "grant_type": "client_credentials",
                "scope": scope,
                "client_id": creds.client_id,
                "client_secret": creds.client_secret,
            }
        )
        try:
            response = await self._http.post(
                upstream.lwa_url,
                data=form,
                timeout=httpx.Timeout(
                    per_call, connect=min(per_call, upstream.connect_timeout_seconds)
                ),
            )
        except httpx.HTTPError as exc:
            log.warning("lwa.exchange_failed", seller_id=seller_id, cause=type(exc).__name__)
            raise self._unavailable(type(exc).__name__) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            log.warning("lwa.exchange_failed", seller_id=seller_id, status=response.status_code)
            raise self._unavailable(f"HTTP {response.status_code}")
        if response.status_code == 200:
            value = body.get("access_token")
            try:
                expires_in = float(body.get("expires_in", 3600))
            except (TypeError, ValueError):
                expires_in = -1.0
            if not isinstance(value, str) or not value or expires_in <= 0:
                raise self._unavailable("MalformedTokenResponse")
            token = AccessToken(value=value, expires_at=started + expires_in)
            self._cache[key or seller_id] = token
            log.debug("lwa.exchanged", seller_id=seller_id, expires_in=expires_in)
            return token
        code = str(body.get("error") or "")
        log.warning(
            "lwa.exchange_failed", seller_id=seller_id, status=response.status_code, error=code
        )
        if response.status_code >= 500 or response.status_code == 429 or code in UNAVAILABLE_CODES:
            raise self._unavailable(code or f"HTTP {response.status_code}")
        raise LwaDenied(
            self._errors.failure("lwa_denied"),
            operation="lwa.token",
            http_status=response.status_code,
            spapi_code=code or None,
            message="Login with Amazon rejected the seller's SP-API authorization"
            + (f" ({code})." if code else "."),
        )

    def _unavailable(self, cause: str) -> LwaUnavailable:
        return LwaUnavailable(
            self._errors.failure("lwa_unavailable"),
            operation="lwa.token",
            cause=cause,
            message="Login with Amazon is unavailable.",
        )
