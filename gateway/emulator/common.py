"""Shared plumbing for every emulated SP-API endpoint.

Section modules write small handlers and wrap them with `spapi_operation`:

    @spapi_operation("orders.getOrder")
    async def get_order(request: Request, ctx: OperationContext) -> Response | JsonBody:
        order = ctx.state.data.order(request.path_params["orderId"])
        if order is None:
            raise SpApiError(404, "NotFound", "Order not found.")
        return {"order": order}

    routes = [Route("/orders/2026-01-01/orders/{orderId}", get_order, methods=["GET"])]

The wrapper adds, in this order: `x-amzn-RequestId`, the call counter, the access-token check
(403 Unauthorized), fault injection (latency, reset, 429 storm, 5xx), the per-operation token
bucket (429 QuotaExceeded), the handler, the `x-amzn-RateLimit-Limit` header (on 2xx/400/404)
and the body faults (truncated / malformed). Handlers raise `SpApiError` (or use
`invalid_input`) for error answers and may return a dict/list (200 JSON) or any Response.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.types import Message, Receive, Scope, Send

from gateway.emulator.auth import RestrictedResource, TokenInfo
from gateway.emulator.faults import FaultPlan, drop_connection, malform, send_truncated
from gateway.emulator.faults import truncate_stream as _truncate_stream
from gateway.emulator.state import EmulatorState

log = logging.getLogger("gateway.emulator")

JsonBody = dict[str, Any] | list[Any]
Handler = Callable[[Request, "OperationContext"], Awaitable[Response | JsonBody]]
Endpoint = Callable[[Request], Awaitable[Response]]

REQUEST_ID_HEADER = "x-amzn-RequestId"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
QUOTA_EXCEEDED_MESSAGE = "You exceeded your quota for the requested resource."
UNAUTHORIZED_MESSAGE = "Access to requested resource is denied."

_FAULT_ERRORS: dict[int, tuple[str, str]] = {
    500: ("InternalFailure", "We encountered an internal error. Please try again."),
    502: ("InternalFailure", "Bad gateway. Please try again."),
    503: ("ServiceUnavailable", "Service temporarily unavailable. Please try again."),
    504: ("RequestTimedOut", "The request timed out. Please try again."),
}


class SpApiError(Exception):
    """An SP-API error answer: `{"errors": [{"code", "message", "details"}]}` with a status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = dict(headers or {})

    def response(self, request_id: str | None = None) -> JSONResponse:
        return error_response(
            self.status, self.code, self.message, self.details, self.headers, request_id
        )


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    """The SP-API error document."""
    return {"errors": [{"code": code, "message": message, "details": details}]}


def error_response(
    status: int,
    code: str,
    message: str,
    details: str = "",
    headers: Mapping[str, str] | None = None,
    request_id: str | None = None,
) -> JSONResponse:
    out = dict(headers or {})
    out[REQUEST_ID_HEADER] = request_id or new_request_id()
    if status == 403:
        out.setdefault("x-amzn-ErrorType", "AccessDeniedException")
    return JSONResponse(error_body(code, message, details), status_code=status, headers=out)


def invalid_input(message: str, details: str = "") -> SpApiError:
    """A 400 InvalidInput error to raise: `raise invalid_input("...")`."""
    return SpApiError(400, "InvalidInput", message, details)


def not_found(message: str, details: str = "") -> SpApiError:
    return SpApiError(404, "NotFound", message, details)


def unauthorized() -> SpApiError:
    return SpApiError(403, "Unauthorized", UNAUTHORIZED_MESSAGE, "")


def quota_exceeded() -> SpApiError:
    return SpApiError(429, "QuotaExceeded", QUOTA_EXCEEDED_MESSAGE, "")


def new_request_id() -> str:
    return str(uuid.uuid4())


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def get_state(request: Request) -> EmulatorState:
    state: EmulatorState = request.app.state.emulator
    return state


def access_token(request: Request) -> TokenInfo | None:
    """The live token in `x-amz-access-token`, if any (LWA token or RDT)."""
    return get_state(request).tokens.lookup(request.headers.get("x-amz-access-token"))


def rdt_grant(
    request: Request, path: str | None = None, method: str | None = None
) -> RestrictedResource | None:
    """The RDT resource covering `method path` (default: this request), or None.

    None when the request carries a plain LWA token; use it where an RDT is optional (e.g.
    Orders v0, where PII is returned only with an RDT listing the dataElements).
    """
    info = access_token(request)
    if info is None or info.kind != "rdt":
        return None
    return info.grant_for(method or request.method, path or request.url.path)


def require_rdt(
    request: Request, path: str | None = None, method: str | None = None
) -> RestrictedResource:
    """The covering RDT resource, or raise 403 Unauthorized (restricted operations)."""
    grant = rdt_grant(request, path, method)
    if grant is None:
        raise unauthorized()
    return grant


async def read_json_object(request: Request) -> dict[str, Any]:
    """The request body as a JSON object, or 400 InvalidInput."""
    raw = await request.body()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid_input("The request body is not valid JSON.", str(exc)[:200]) from exc
    if not isinstance(body, dict):
        raise invalid_input("The request body must be a JSON object.")
    return body


def query_list(request: Request, name: str, max_items: int | None = None) -> list[str]:
    """A comma-separated (or repeated) query parameter as a list; 400 when too long."""
    values: list[str] = []
    for raw in request.query_params.getlist(name):
        values.extend(v for v in raw.split(",") if v)
    if max_items is not None and len(values) > max_items:
        raise invalid_input(f"{name} accepts at most {max_items} values.")
    return values


def require_query(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if not value:
        raise invalid_input(f"Missing required parameter: {name}.")
    return value


def parse_datetime(value: str, name: str) -> datetime:
    """An ISO 8601 date-time (naive values are taken as UTC); 400 InvalidInput otherwise."""
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise invalid_input(f"Invalid {name}: expected an ISO 8601 date-time.", value) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(dt: datetime) -> str:
    """UTC date-time as SP-API prints it: `2026-01-02T03:04:05Z`."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class OperationContext:
    operation: str
    request_id: str
    state: EmulatorState
    token: TokenInfo | None
    """None only for operations declared with `auth=False`."""

    @property
    def seller_id(self) -> str:
        """The selling partner the token acts for (the emulator's seller for grantless)."""
        if self.token is not None and self.token.seller_id:
            return self.token.seller_id
        return self.state.config.seller_id


async def check_token(request: Request, state: EmulatorState, scope: str | None) -> TokenInfo:
    """403 unless `x-amz-access-token` is live and fits the call.

    Seller operations take an LWA token or an RDT covering this method and path. Grantless
    operations (`scope` given) take only a client_credentials token with that scope.
    """
    info = state.tokens.lookup(request.headers.get("x-amz-access-token"))
    if info is None:
        raise unauthorized()
    if scope is not None:
        if info.kind != "grantless" or info.scope != scope:
            raise unauthorized()
        return info
    if info.kind == "grantless":
        raise unauthorized()
    if info.kind == "rdt" and info.grant_for(request.method, request.url.path) is None:
        raise unauthorized()
    return info


def fault_error(status: int, request_id: str) -> Response:
    code, message = _FAULT_ERRORS.get(status, ("InternalFailure", "Request failed."))
    return error_response(status, code, message, "", None, request_id)


class _DroppedConnection(Response):
    """Closes the connection without answering (connection reset fault)."""

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await drop_connection(scope)
        # The connection is gone; uvicorn drops these messages silently.
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b""})


class _TruncatedResponse(Response):
    """Sends the inner response's headers and only part of its body, then closes."""

    def __init__(self, inner: Response) -> None:
        super().__init__(status_code=inner.status_code)
        self.inner = inner
        self.raw_headers = inner.raw_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start: Message = {
            "type": "http.response.start",
            "status": self.inner.status_code,
            "headers": self.inner.raw_headers,
        }
        if isinstance(self.inner, StreamingResponse):
            await _truncate_stream(scope, send, start, self.inner.body_iterator)
        else:
            await send_truncated(scope, send, start, bytes(self.inner.body))
        # Connection closed; uvicorn ignores further messages (ASGITransport raised above).
        await send({"type": "http.response.body", "body": b""})


def malformed_response(response: Response) -> Response:
    """Same status and headers, body replaced by invalid JSON (non-streaming responses)."""
    if isinstance(response, StreamingResponse):
        return _TruncatedResponse(response)
    body = malform(bytes(response.body))
    headers = {
        k.decode("latin-1"): v.decode("latin-1")
        for k, v in response.raw_headers
        if k.lower() != b"content-length"
    }
    return Response(body, status_code=response.status_code, headers=headers)


async def apply_pre_faults(
    request: Request, state: EmulatorState, operation: str
) -> tuple[FaultPlan, Response | None]:
    """Latency, then reset / 429 storm / error faults; returns the plan and a short-circuit."""
    plan = state.faults.plan(operation)
    if plan.latency_s > 0:
        await asyncio.sleep(plan.latency_s)
    if plan.reset:
        return plan, _DroppedConnection()
    if plan.throttle:
        state.throttled[operation] += 1
        return plan, quota_exceeded().response()
    return plan, None


def apply_post_faults(plan: FaultPlan, response: Response) -> Response:
    if plan.truncate:
        return _TruncatedResponse(response)
    if plan.malformed:
        return malformed_response(response)
    return response


def spapi_operation(
    operation: str, *, auth: bool = True, scope: str | None = None
) -> Callable[[Handler], Endpoint]:
    """Wrap a handler with the SP-API plumbing (see the module docstring)."""

    def decorate(handler: Handler) -> Endpoint:
        @functools.wraps(handler)
        async def endpoint(request: Request) -> Response:
            state = get_state(request)
            request_id = new_request_id()
            state.calls[operation] += 1
            response = await _run(request, state, request_id, handler)
            if isinstance(response, _DroppedConnection | _TruncatedResponse):
                state.responses[f"{operation}:dropped"] += 1
            else:
                state.responses[f"{operation}:{response.status_code}"] += 1
            return response

        async def _run(
            request: Request, state: EmulatorState, request_id: str, handler: Handler
        ) -> Response:
            try:
                token = await check_token(request, state, scope) if auth else None
            except SpApiError as exc:
                return exc.response(request_id)
            plan, short = await apply_pre_faults(request, state, operation)
            if short is not None:
                if not isinstance(short, _DroppedConnection):
                    short.headers[REQUEST_ID_HEADER] = request_id
                return short
            if plan.error_status is not None:
                return fault_error(plan.error_status, request_id)
            limit = state.config.rate_limit_for(operation)
            partner = (token.seller_id or token.client_id) if token else "anonymous"
            if limit is not None and not state.limiter.try_acquire(operation, partner, limit):
                state.throttled[operation] += 1
                return quota_exceeded().response(request_id)
            ctx = OperationContext(operation, request_id, state, token)
            try:
                result = await handler(request, ctx)
            except SpApiError as exc:
                response: Response = exc.response(request_id)
            except Exception:
                log.exception("emulator handler failed", extra={"operation": operation})
                response = error_response(
                    500,
                    "InternalFailure",
                    "We encountered an internal error.",
                    "",
                    None,
                    request_id,
                )
            else:
                response = result if isinstance(result, Response) else JSONResponse(result)
            response.headers[REQUEST_ID_HEADER] = request_id
            if limit is not None and (
                200 <= response.status_code < 300 or response.status_code in (400, 404)
            ):
                response.headers[RATE_LIMIT_HEADER] = _format_rate(limit.rate)
            return apply_post_faults(plan, response)

        return endpoint

    return decorate


def _format_rate(rate: float) -> str:
    return f"{rate:g}" if rate != int(rate) else f"{rate:.1f}"


# --------------------------------------------------------------------- offset page tokens


def _page_arguments(request: Request, token_param: str) -> str:
    args = sorted((k, v) for k, v in request.query_params.multi_items() if k != token_param)
    args.append(("path", request.url.path))
    return hashlib.sha256(json.dumps(args).encode()).hexdigest()[:16]


def page_token(offset: int, request: Request, token_param: str) -> str:
    """An opaque next-page token holding ``offset``, bound to the request's other arguments."""
    raw = json.dumps({"o": offset, "a": _page_arguments(request, token_param)}).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii")


def page_offset(request: Request, token_param: str) -> int:
    """The offset of the request's page token (0 without one); 400 InvalidInput when bad."""
    token = request.query_params.get(token_param)
    if not token:
        return 0
    try:
        doc = json.loads(base64.urlsafe_b64decode(token.encode("ascii")))
        offset = int(doc["o"])
        same = doc["a"] == _page_arguments(request, token_param)
    except (ValueError, KeyError, TypeError, UnicodeEncodeError):
        raise invalid_input(f"Invalid {token_param}.") from None
    if not same or offset < 0:
        raise invalid_input(f"{token_param} does not match the other request arguments.")
    return offset


# ------------------------------------------------------------------- asynchronous jobs


def emulator_now(state: EmulatorState) -> datetime:
    """Wall-clock time moved by the emulator clock's test offset."""
    return datetime.now(UTC) + timedelta(seconds=state.clock.offset)


def advance_job(
    state: EmulatorState,
    record: dict[str, Any],
    created: datetime,
    queue_seconds: float,
    processing_seconds: float,
) -> datetime | None:
    """Move a report or feed from IN_QUEUE to IN_PROGRESS on the emulator clock.

    Returns the time processing finished when it has (the caller then completes the job),
    ``None`` while it is still queued or running, or when it was never in either state."""
    status = record["processingStatus"]
    if status not in ("IN_QUEUE", "IN_PROGRESS"):
        return None
    started = created + timedelta(seconds=queue_seconds)
    done = started + timedelta(seconds=processing_seconds)
    current = emulator_now(state)
    if current >= started and status == "IN_QUEUE":
        record["processingStatus"] = "IN_PROGRESS"
        record["processingStartTime"] = iso(started)
    return done if current >= done else None
