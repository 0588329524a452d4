"""The SP-API upstream client: one pooled HTTP client, auth, pacing, retries, health, audit.

``SpApiClient.call`` performs one logical SP-API operation for a seller:

1. region from the marketplace (``mappings/marketplaces.yaml``), base URL from
   ``settings.upstream.endpoints`` (production / sandbox hosts, or one emulator URL);
2. the section's circuit breaker (:class:`gateway.health.HealthBoard`) may refuse at once;
3. client-side pacing per (seller, operation) (:mod:`gateway.spapi.pacing`);
4. the LWA access token (:mod:`gateway.spapi.lwa`) or, when ``restricted`` is given, a
   Restricted Data Token (:mod:`gateway.spapi.rdt`) in ``x-amz-access-token``;
5. the exchange, bounded by ``timeout_seconds`` per attempt and by the call's total budget
   ``retry_budget_seconds`` (enforced with ``asyncio.timeout`` too, since in-process ASGI
   transports ignore httpx timeouts);
6. retries per :mod:`gateway.spapi.retry` (a rejected token is refreshed once);
7. one :class:`UpstreamCall` appended to ``audit.upstream`` and one outcome to the health
   board, whatever happened.

Errors are :class:`gateway.spapi.errors.UpstreamError` subclasses, which are MWS errors.

Transport choice (measured on this 2-core machine, 3,000 GETs of a small JSON body against
a local uvicorn+Starlette server, client-process CPU per call):

=========================================  ===========  ============
client                                      sequential   10 parallel
=========================================  ===========  ============
httpx 0.28.1 native (httpcore), no sniffio  1.38-1.47 ms  1.66-1.79 ms
httpx 0.28.1 + uvloop                       1.21 ms       1.98 ms
httpx + httpx-aiohttp 0.2.0 transport       0.58 ms       0.51 ms
aiohttp 3.14 alone                          0.23 ms       0.19 ms
=========================================  ===========  ============

``sniffio`` is not installed in the venv (anyio 4.16 does not need it), so the native numbers
are already the "without sniffio" ones. httpx-aiohttp would save about 1 ms of CPU per call,
but its exception mapping turns ``aiohttp.ClientConnectionError`` (which includes "server
disconnected" after the request was sent) into ``httpx.ConnectTimeout``; that would make a
reset after sending look "not sent" and get a createFeed retried. It also brings aiohttp and
six more packages. We therefore keep the native httpx transport; ``transport=`` accepts any
``httpx.AsyncBaseTransport`` (ASGITransport for the in-process emulator in tests, or a
correctly-mapped aiohttp transport later).
"""

from __future__ import annotations

import asyncio
import json as jsonlib
import platform
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
import structlog

from gateway.audit import AuditTrail, UpstreamCall
from gateway.health import HealthBoard, Outcome
from gateway.mws.errors import ErrorSpec, MwsError
from gateway.spapi.errors import (
    CircuitOpen,
    ErrorMap,
    MappedError,
    PacingExceeded,
    UpstreamAuthError,
    UpstreamClientError,
    UpstreamConnectError,
    UpstreamConnectTimeout,
    UpstreamDisconnected,
    UpstreamError,
    UpstreamNotFound,
    UpstreamProtocolError,
    UpstreamReadTimeout,
    UpstreamServerError,
    UpstreamStatusError,
    UpstreamThrottled,
    upstream_message,
)
from gateway.spapi.lwa import LwaTokens
from gateway.spapi.pacing import Pacer, RateTable
from gateway.spapi.rdt import RDT_OPERATION, RDT_PATH, RdtCache, RestrictedResource
from gateway.spapi.retry import RetryPolicy, default_idempotent
from gateway.spapi.settings import SettingsLike

log = structlog.get_logger("gateway.spapi")

USER_AGENT = (
    f"mws-gateway/0.1 (Language=Python/{platform.python_version()}; Platform={platform.system()})"
)
# A retry is not worth starting with less time than this left.
MIN_ATTEMPT_SECONDS = 0.05


@dataclass
class SpApiResponse:
    status: int
    data: Any  # parsed JSON, None for an empty body
    headers: httpx.Headers
    request_id: str | None
    attempts: int = 1


def map_transport_error(exc: Exception, mapped: ErrorMap, operation: str) -> UpstreamError:
    """An httpx exception (or our own deadline) as the matching UpstreamError."""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return UpstreamConnectTimeout(
            mapped.failure("timeout"),
            operation=operation,
            cause=name,
            message="Timed out connecting to Amazon Selling Partner API.",
        )
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return UpstreamReadTimeout(
            mapped.failure("timeout"),
            operation=operation,
            cause=name,
            message="Amazon Selling Partner API did not answer in time.",
        )
    if isinstance(exc, httpx.ConnectError):
        return UpstreamConnectError(
            mapped.failure("connection"),
            operation=operation,
            cause=name,
            message="Could not connect to Amazon Selling Partner API.",
        )
    if isinstance(exc, httpx.RemoteProtocolError | httpx.NetworkError):
        return UpstreamDisconnected(
            mapped.failure("connection"),
            operation=operation,
            cause=name,
            message="The connection to Amazon Selling Partner API was lost.",
        )
    return UpstreamProtocolError(
        mapped.failure("malformed"),
        operation=operation,
        cause=name,
        message="Amazon Selling Partner API sent an unusable response.",
    )


def _error_entry(data: Any) -> tuple[str | None, str | None]:
    if isinstance(data, dict):
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = errors[0].get("code")
            message = errors[0].get("message")
            return (str(code) if code else None, str(message) if message else None)
    return None, None


class SpApiClient:
    def __init__(
        self,
        settings: SettingsLike,
        *,
        marketplaces: Mapping[str, Mapping[str, Any]],
        rate_limits: Mapping[str, Any],
        error_table: Mapping[str, Any],
        health: HealthBoard,
        mws_errors: Mapping[str, ErrorSpec] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        max_connections: int = 100,
        pacing: bool = True,
    ) -> None:
        self.settings = settings
        self.marketplaces = marketplaces
        self.errors = ErrorMap(error_table)
        self.health = health
        self.mws_errors = mws_errors or {}
        up = settings.upstream
        self.http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(up.timeout_seconds, connect=up.connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            headers={"user-agent": USER_AGENT},
            follow_redirects=False,
            trust_env=False,
        )
        self._clock = clock
        self._sleep = sleep
        self.rates = RateTable(rate_limits)
        self.pacer: Pacer | None = (
            Pacer(self.rates, sandbox=up.mode == "sandbox", clock=clock) if pacing else None
        )
        self.policy = RetryPolicy(
            max_attempts=max(1, up.max_attempts), budget_seconds=up.retry_budget_seconds, rng=rng
        )
        self.lwa = LwaTokens(self.http, settings, self.errors, clock=clock)
        self.rdt = RdtCache(clock=clock)

    @classmethod
    def from_catalog(
        cls, settings: SettingsLike, catalog: Any, health: HealthBoard, **kwargs: Any
    ) -> SpApiClient:
        """Build from a :class:`gateway.catalog.Catalog` and its ``spapi/*`` tables."""
        return cls(
            settings,
            marketplaces=catalog.marketplaces,
            rate_limits=catalog.table("spapi/rate_limits"),
            error_table=catalog.table("spapi/errors"),
            health=health,
            mws_errors=catalog.errors,
            **kwargs,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    # -- routing -------------------------------------------------------------------------

    def region_for(self, seller_id: str, marketplace_id: str | None) -> str:
        if marketplace_id is None:
            marketplace_id = self.settings.seller(seller_id).marketplaces[0]
        row = self.marketplaces.get(marketplace_id)
        if not row or "region" not in row:
            raise MwsError("InvalidParameterValue", f"Invalid MarketplaceId: {marketplace_id}")
        return str(row["region"])

    def base_url(self, region: str) -> str:
        try:
            return self.settings.upstream.endpoints[region].rstrip("/")
        except KeyError:
            raise MwsError(
                "InternalError", f"No SP-API endpoint is configured for region {region}."
            ) from None

    # -- the call ------------------------------------------------------------------------

    async def call(
        self,
        *,
        seller_id: str,
        marketplace_id: str | None,
        section: str,
        operation: str,
        method: str,
        path: str,
        query: Mapping[str, Any] | None = None,
        json: Any = None,
        restricted: Sequence[str] | None = None,
        rdt_path: str | None = None,
        idempotent: bool | None = None,
        audit: AuditTrail,
        not_found: str | None = None,
        grantless: str | None = None,
    ) -> SpApiResponse:
        """One SP-API operation; see the module docstring.

        ``restricted``: None for the LWA token; a (possibly empty) list of data elements to
        call with an RDT for exactly ``method path``, or for ``method rdt_path`` when given (a
        generic path such as ``/shipments/{shipmentId}``, so one RDT serves every id until it
        expires). ``grantless``: the scope of a grantless operation (an application token
        instead of the seller's). ``idempotent``: default from the method (POST/PATCH are
        not). ``not_found``: the MWS code to answer a 404 with.
        """
        method = method.upper()
        started = self._clock()
        deadline = started + self.policy.budget_seconds
        record = UpstreamCall(
            operation=operation,
            status=None,
            attempts=0,
            latency_ms=0.0,
            rdt=restricted is not None,
        )
        audit.upstream.append(record)
        idem = default_idempotent(method) if idempotent is None else idempotent
        try:
            region = self.region_for(seller_id, marketplace_id)
            url = self.base_url(region) + path
            if not self.health.allow(section):
                raise CircuitOpen(
                    self.errors.failure("circuit_open"),
                    operation=operation,
                    message="Amazon Selling Partner API is failing; requests are paused briefly.",
                )
            resources = (
                [RestrictedResource(method, rdt_path or path, tuple(restricted))]
                if restricted is not None
                else None
            )

            async def token() -> str:
                if grantless is not None:
                    return await self.lwa.grantless(
                        seller_id, grantless, wait_limit=deadline - self._clock()
                    )
                if resources is None:
                    return await self.lwa.token(seller_id, wait_limit=deadline - self._clock())
                return await self.rdt.token(
                    seller_id, region, resources, self._create_rdt(audit, deadline)
                )

            response = await self._attempts(
                record,
                seller_id=seller_id,
                operation=operation,
                method=method,
                url=url,
                query=query,
                json=json,
                idempotent=idem,
                deadline=deadline,
                token=token,
                not_found=not_found,
            )
        except UpstreamError as err:
            record.error = err.audit_code
            self._note_health(section, err)
            log.warning(
                "spapi.call_failed",
                operation=operation,
                seller_id=seller_id,
                attempts=record.attempts,
                status=record.status,
                error=err.audit_code,
                mws_code=err.code,
            )
            raise
        except BaseException:
            self.health.release(section)
            raise
        finally:
            record.latency_ms = round((self._clock() - started) * 1000.0, 3)
        self.health.success(section)
        return response

    def _note_health(self, section: str, err: UpstreamError) -> None:
        if isinstance(err, UpstreamThrottled | PacingExceeded):
            self.health.record(section, Outcome.THROTTLED)
        elif isinstance(err, CircuitOpen):
            pass  # refused without a call: the breaker's own state is unchanged
        elif isinstance(err, UpstreamConnectError | UpstreamConnectTimeout):
            self.health.record(section, Outcome.UNREACHABLE)
        elif err.transient:  # 5xx, read timeout, reset, malformed, LWA unavailable
            self.health.record(section, Outcome.FAILURE)
        else:  # SP-API answered (4xx, auth): the upstream itself is fine
            self.health.record(section, Outcome.SUCCESS)

    async def _attempts(
        self,
        record: UpstreamCall,
        *,
        seller_id: str,
        operation: str,
        method: str,
        url: str,
        query: Mapping[str, Any] | None,
        json: Any,
        idempotent: bool,
        deadline: float,
        token: Callable[[], Awaitable[str]],
        not_found: str | None,
    ) -> SpApiResponse:
        refreshed = False
        last: UpstreamError | None = None
        while True:
            remaining = deadline - self._clock()
            if remaining < MIN_ATTEMPT_SECONDS:
                raise last or map_transport_error(TimeoutError(), self.errors, operation)
            if self.pacer is not None:
                wait = self.pacer.reserve(
                    seller_id, operation, max_wait=remaining - MIN_ATTEMPT_SECONDS
                )
                if wait is None:
                    raise last or PacingExceeded(
                        self.errors.failure("paced"),
                        operation=operation,
                        message="Request is throttled: the SP-API rate for this operation is "
                        "used up.",
                    )
                if wait > 0:
                    await self._sleep(wait)
            record.attempts += 1
            access = ""
            try:
                access = await token()
                response = await self._send(method, url, query, json, access, deadline, operation)
                record.status = response.status_code
                record.request_id = response.headers.get("x-amzn-requestid")
                return self._parse(response, operation, record.attempts, not_found)
            except UpstreamAuthError as err:
                if refreshed:
                    raise
                refreshed = True
                self.lwa.invalidate(seller_id, access)
                self.rdt.invalidate(seller_id, access)
                last = err
                continue
            except UpstreamError as err:
                last = err
                if self.pacer is not None:
                    if isinstance(err, UpstreamThrottled):
                        self.pacer.drain(seller_id, operation)
                    elif err.not_sent:  # never reached SP-API: its bucket is untouched
                        self.pacer.refund(seller_id, operation)
                if not self.policy.should_retry(
                    err, idempotent=idempotent, attempts=record.attempts
                ):
                    raise
                delay = self.policy.delay(record.attempts)
                if self._clock() + delay + MIN_ATTEMPT_SECONDS >= deadline:
                    raise
                log.info(
                    "spapi.retry",
                    operation=operation,
                    attempt=record.attempts,
                    error=err.audit_code,
                    delay_s=round(delay, 3),
                )
                await self._sleep(delay)

    async def _send(
        self,
        method: str,
        url: str,
        query: Mapping[str, Any] | None,
        json: Any,
        access_token: str,
        deadline: float,
        operation: str,
    ) -> httpx.Response:
        up = self.settings.upstream
        remaining = deadline - self._clock()
        per_attempt = max(MIN_ATTEMPT_SECONDS, min(up.timeout_seconds, remaining))
        headers = {"x-amz-access-token": access_token, "accept": "application/json"}
        try:
            async with asyncio.timeout(per_attempt):
                return await self.http.request(
                    method,
                    url,
                    params=_query(query),
                    json=json,
                    headers=headers,
                    timeout=httpx.Timeout(
                        per_attempt, connect=min(per_attempt, up.connect_timeout_seconds)
                    ),
                )
        except (httpx.HTTPError, TimeoutError) as exc:
            raise map_transport_error(exc, self.errors, operation) from None

    def _parse(
        self, response: httpx.Response, operation: str, attempts: int, not_found: str | None
    ) -> SpApiResponse:
        status = response.status_code
        request_id = response.headers.get("x-amzn-requestid")
        data: Any = None
        malformed = False
        if response.content:
            try:
                data = jsonlib.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                malformed = True
        if 200 <= status < 300:
            if malformed:
                raise UpstreamProtocolError(
                    self.errors.failure("malformed"),
                    operation=operation,
                    http_status=status,
                    request_id=request_id,
                    cause="MalformedBody",
                    message="Amazon Selling Partner API sent a response the gateway could "
                    "not read.",
                )
            return SpApiResponse(status, data, response.headers, request_id, attempts)
        code, message = _error_entry(data)
        mapped = self.errors.for_status(status, code)
        cls: type[UpstreamStatusError]
        text: str | None = None
        if status == 429:
            cls = UpstreamThrottled
        elif status >= 500:
            cls = UpstreamServerError
        elif status in (401, 403):
            cls = UpstreamAuthError
        elif status == 404:
            cls = UpstreamNotFound
            text = upstream_message(message)
            if not_found:
                spec = self.mws_errors.get(not_found)
                mapped = MappedError(
                    not_found, spec.status if spec else 400, spec.type if spec else "Sender"
                )
                text = None
        else:
            cls = UpstreamClientError
            text = upstream_message(message)
        return_error = cls(
            mapped,
            operation=operation,
            http_status=status,
            spapi_code=code,
            request_id=request_id,
            cause=f"HTTP {status}",
            message=text,
        )
        raise return_error

    def _create_rdt(
        self, audit: AuditTrail, deadline: float
    ) -> Callable[[str, str, dict[str, Any]], Awaitable[tuple[str, float]]]:
        async def create(seller_id: str, region: str, body: dict[str, Any]) -> tuple[str, float]:
            record = UpstreamCall(operation=RDT_OPERATION, status=None, attempts=0, latency_ms=0.0)
            audit.upstream.append(record)
            started = self._clock()
            try:
                response = await self._attempts(
                    record,
                    seller_id=seller_id,
                    operation=RDT_OPERATION,
                    method="POST",
                    url=self.base_url(region) + RDT_PATH,
                    query=None,
                    json=body,
                    idempotent=True,
                    deadline=deadline,
                    token=lambda: self.lwa.token(seller_id, wait_limit=deadline - self._clock()),
                    not_found=None,
                )
            except UpstreamError as err:
                record.error = err.audit_code
                raise
            finally:
                record.latency_ms = round((self._clock() - started) * 1000.0, 3)
            data = response.data if isinstance(response.data, dict) else {}
            value = data.get("restrictedDataToken")
            expires = data.get("expiresIn")
            if not isinstance(value, str) or not isinstance(expires, int | float):
                raise UpstreamProtocolError(
                    self.errors.failure("malformed"),
                    operation=RDT_OPERATION,
                    cause="MalformedBody",
                    message="Amazon Selling Partner API sent an unusable restricted data token.",
                )
            return value, float(expires)

        return create


def _query(query: Mapping[str, Any] | None) -> dict[str, str] | None:
    """SP-API lists are comma-separated; booleans are lower-case."""
    if not query:
        return None
    out: dict[str, str] = {}
    for key, value in query.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, list | tuple | set | frozenset):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out
