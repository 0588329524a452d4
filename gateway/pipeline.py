"""The MWS request pipeline, one pass: receive, resolve, authenticate, admit, dispatch,
render, audit.

Every failure becomes an MWS ``ErrorResponse`` with the status the errors table gives; a
bug becomes ``InternalError`` (500) with the traceback in the log, never on the wire.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anyio
import structlog
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway import audit
from gateway.catalog import Operation, Section, resolve_handler
from gateway.intake import SpooledBody, read_limited, spool_document
from gateway.metered import MeteredResponse
from gateway.metrics import Metrics
from gateway.mws.authenticate import authenticate
from gateway.mws.credentials import Identity
from gateway.mws.errors import MwsError
from gateway.mws.params import item_count, merge_parameters, parse_pairs
from gateway.mws.quotas import QuotaDecision
from gateway.mws.render import (
    FRONT_DOOR_NAMESPACE,
    XML_CONTENT_TYPE,
    mws_headers,
    render_error,
    render_success,
)
from gateway.state.base import BackendUnavailable
from gateway.translate.engine.call import (
    Call,
    RawResult,
    Result,
    Services,
    StreamedText,
    XmlResult,
)

Handler = Callable[[Call], Awaitable[Result]]
log = structlog.get_logger("mws_gateway.pipeline")

_ALLOWED_METHODS = ("GET", "POST")


@dataclass
class _Progress:
    """What the pipeline learned so far, for the error path and the audit event."""

    namespace: str = FRONT_DOOR_NAMESPACE
    section: Section | None = None
    operation: Operation | None = None
    version: str | None = None
    identity: Identity | None = None
    quota: QuotaDecision | None = None
    call: Call | None = None


class Pipeline:
    def __init__(self, services: Services, metrics: Metrics) -> None:
        self.services = services
        self.metrics = metrics
        self.settings = services.settings
        self.catalog = services.catalog
        self.auth_policy = self.settings.auth_policy()
        self.handlers: dict[str, Handler] = {}
        for section in self.catalog.sections.values():
            for op in section.operations.values():
                if op.target.handler and op.target.kind != "unsupported":
                    self.handlers[op.target.handler] = resolve_handler(op.target.handler)
        self.handler_timeout = (
            self.settings.upstream.retry_budget_seconds + self.settings.upstream.timeout_seconds + 5
        )
        # Set by the server on SIGTERM: /readyz answers 503, and a call cancelled by the end
        # of the shutdown grace is answered ServiceUnavailable (see gateway/server.py).
        self.draining = False

    # -- the endpoint -----------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        received = time.time()
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        progress = _Progress()
        body: SpooledBody | None = None
        response: Response
        error: MwsError | None = None
        aborted = False
        self.metrics.in_flight.inc()
        try:
            response, body = await self._handle(request, request_id, received, progress)
        except MwsError as exc:
            error = exc
        except BackendUnavailable as exc:
            log.warning("backend_unavailable", request_id=request_id, backend=str(exc))
            error = MwsError(
                "ServiceUnavailable", "A backing service of the gateway is unavailable."
            )
        except TimeoutError:
            error = MwsError("ServiceUnavailable", "The upstream service did not answer in time.")
        except asyncio.CancelledError:
            if not self.draining:
                raise
            # The shutdown grace ran out before this call was answered: say so in MWS terms
            # (clients retry ServiceUnavailable) rather than resetting the connection.
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # handled here: the answer below must still be sent
            aborted = True
            error = MwsError("ServiceUnavailable", "The gateway is shutting down; retry the call.")
        except Exception as exc:  # a bug: log it with its traceback, answer InternalError
            mapped = getattr(exc, "mws_error", None)
            if isinstance(mapped, MwsError):
                error = mapped
            else:
                log.exception("unhandled_error", request_id=request_id)
                error = MwsError("InternalError")
        finally:
            self.metrics.in_flight.dec()
        if error is not None:
            response = self._error_response(error, request_id, received, progress)
        if body is not None and not isinstance(response, StreamingResponse):
            body.close()
        if isinstance(response, StreamingResponse):
            # Audited once the body is sent in full or cut (client gone, shutdown).
            streamed = response

            def finished(sent: int, complete: bool) -> None:
                self._record(
                    request,
                    request_id,
                    started,
                    progress,
                    streamed,
                    error,
                    aborted=not complete,
                    bytes_sent=sent,
                )

            return MeteredResponse(response, finished)
        self._record(request, request_id, started, progress, response, error, aborted=aborted)
        return response

    # -- steps ------------------------------------------------------------------------

    async def _handle(
        self, request: Request, request_id: str, received: float, progress: _Progress
    ) -> tuple[Response, SpooledBody | None]:
        limits = self.settings.limits
        method = request.method.upper()
        if method not in _ALLOWED_METHODS:
            raise MwsError(
                "InvalidRequest",
                f"HTTP method {method[:16]} is not supported; use GET or POST.",
                status=405,
            )
        raw_query = request.scope.get("query_string", b"")
        if len(raw_query) > limits.max_query_bytes:
            raise MwsError("InvalidParameterValue", "The request URI is too long.", status=414)
        try:
            query_text = raw_query.decode("utf-8")
        except UnicodeDecodeError:
            raise MwsError(
                "InvalidParameterValue", "The query string is not valid UTF-8."
            ) from None
        query_pairs = parse_pairs(query_text, max_parameters=limits.max_parameters)

        path = request.scope["path"]
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        if path not in self.catalog.paths:
            raise MwsError(
                "InvalidAddress",
                f"Resource {path[:200]} is not found on this server. API Version is missing",
            )

        # SubmitFeed-style: parameters in the query, the document in the body.
        query_only = dict(query_pairs)
        document_op = self._resolve_quietly(path, query_only)
        body: SpooledBody | None = None
        body_pairs: list[tuple[str, str]] = []
        if document_op is not None and document_op.spec.get("document_body"):
            if method != "POST":
                raise MwsError("InvalidRequest", f"{document_op.name} must be sent with POST.")
            body = await spool_document(
                request, limits.max_document_bytes, self.settings.data_dir / "spool"
            )
        elif method == "POST":
            raw_body = await read_limited(request, limits.max_form_bytes)
            content_type = request.headers.get("content-type", "").lower()
            if raw_body and ("x-www-form-urlencoded" in content_type or "Action" not in query_only):
                try:
                    text = raw_body.decode("utf-8")
                except UnicodeDecodeError:
                    raise MwsError(
                        "InvalidParameterValue", "The form body is not valid UTF-8."
                    ) from None
                body_pairs = parse_pairs(text, max_parameters=limits.max_parameters)
        try:
            params = merge_parameters(query_pairs, body_pairs)
            section, version, op = self._resolve(path, params, progress)
            progress.identity = authenticate(
                params=params,
                method=method,
                path=path,
                host_header=request.headers.get("host", ""),
                seller_params=section.seller_params,
                policy=self.auth_policy,
                now=datetime.fromtimestamp(received, tz=UTC),
            )
            if op.target.kind == "unsupported":
                raise MwsError(
                    "UnsupportedOperation",
                    f"{section.name}.{op.name} is not available through this gateway: "
                    f"{op.target.note}",
                )
            progress.quota = await self._admit(progress.identity, section, op, params)
            call = Call(
                request_id=request_id,
                section=section,
                operation=op,
                version=version,
                namespace=progress.namespace,
                params={k: v for k, v in params.items() if k != "Signature"},
                identity=progress.identity,
                services=self.services,
                body=body,
                user_agent=request.headers.get("user-agent", ""),
                received_at=received,
                headers={k.lower(): v for k, v in request.headers.items()},
            )
            progress.call = call
            handler = self.handlers[op.target.handler or ""]
            if op.target.kind == "local":
                result = await handler(call)
            else:  # upstream work: bounded, so a client never waits for ever
                with anyio.fail_after(self.handler_timeout):
                    result = await handler(call)
        except BaseException:
            if body is not None:
                body.close()
            raise
        return self._success_response(result, request_id, received, progress, body), body

    def _resolve_quietly(self, path: str, params: dict[str, str]) -> Operation | None:
        action, version = params.get("Action"), params.get("Version")
        if not action or not version:
            return None
        found = self.catalog.resolve(path, version, action)
        return found[2] if found else None

    def _resolve(
        self, path: str, params: dict[str, str], progress: _Progress
    ) -> tuple[Section, str, Operation]:
        sections = self.catalog.sections_at(path)
        if sections:
            progress.namespace = sections[0].versions[0].namespace
        action = params.get("Action")
        if not action:
            raise MwsError("MissingParameter", "The request must contain the parameter Action.")
        version = params.get("Version")
        if not version:
            raise MwsError(
                "InvalidRequest",
                "parameter Version failed a validation check: value cannot be empty.",
            )
        found = self.catalog.resolve(path, version, action)
        if found is None:
            if not self.catalog.routes.get((path, version)):
                raise MwsError(
                    "InvalidAddress",
                    f"Resource {path[:200]} is not found on this server. "
                    f"API Version {version[:32]} is not valid here.",
                )
            first = self.catalog.routes[(path, version)][0].section
            progress.namespace = first.namespace_for(version)
            raise MwsError(
                first.unknown_action, f"The action {action[:64]} is not valid for this endpoint."
            )
        section, version, op = found
        progress.section, progress.operation, progress.version = section, op, version
        progress.namespace = section.namespace_for(version, op)
        return section, version, op

    async def _admit(
        self, identity: Identity, section: Section, op: Operation, params: dict[str, str]
    ) -> QuotaDecision | None:
        if self.settings.quotas == "off":
            return None
        cost = 1.0
        per_item = (
            op.spec.get("throttle", {}).get("per_item")
            if isinstance(op.spec.get("throttle"), dict)
            else None
        )
        if per_item:
            items = item_count(params, str(per_item))
            if items > op.throttle.max:  # can never fit the bucket: MWS refused it outright
                raise MwsError(
                    "InvalidParameterValue",
                    f"{per_item}.N accepts at most {op.throttle.max} values; {items} were given.",
                )
            cost = float(max(1, items))
        key = f"{identity.access_key_id}:{identity.seller_id}:{section.name}:{op.throttle.bucket}"
        decision = await self.services.quotas.acquire(key, op.throttle, cost=cost)
        if decision.allowed:
            return decision
        headers = mws_headers("", time.time(), decision) if section.quota_headers else {}
        quota_headers = {k: v for k, v in headers.items() if k.startswith("x-mws-quota")}
        quota_headers["Retry-After"] = str(max(1, int(decision.retry_after + 0.999)))
        self.metrics.throttled.labels(section.name, op.name, decision.reason or "").inc()
        if decision.reason == "hourly":
            raise MwsError("QuotaExceeded", headers=quota_headers)
        raise MwsError("RequestThrottled", headers=quota_headers)

    # -- responses --------------------------------------------------------------------

    def _base_headers(
        self, request_id: str, received: float, progress: _Progress
    ) -> dict[str, str]:
        quota = progress.quota if progress.section and progress.section.quota_headers else None
        return mws_headers(request_id, received, quota)

    def _success_response(
        self,
        result: Result,
        request_id: str,
        received: float,
        progress: _Progress,
        body: SpooledBody | None,
    ) -> Response:
        headers = self._base_headers(request_id, received, progress)
        headers.update(result.headers)
        assert progress.operation is not None
        if isinstance(result, RawResult):
            headers["Content-MD5"] = result.md5_base64
            headers["x-amz-request-id"] = request_id
            if result.length is not None:
                headers["Content-Length"] = str(result.length)
            return StreamingResponse(
                result.stream,
                status_code=200,
                headers=headers,
                media_type=result.content_type,
                background=None if body is None else BackgroundTask(body.close),
            )
        assert isinstance(result, XmlResult)
        content = render_success(
            progress.operation.name,
            progress.namespace,
            request_id,
            result.children,
            result.results,
            declaration=progress.operation.spec.get("xml_declaration", True) is not False,
        )
        headers["content-type"] = XML_CONTENT_TYPE
        if result.streams:
            return _streamed_xml(content, result.streams, headers, body)
        return Response(content, status_code=200, headers=headers)

    def _error_response(
        self, error: MwsError, request_id: str, received: float, progress: _Progress
    ) -> Response:
        status, content = render_error(error, progress.namespace, request_id, self.catalog.errors)
        headers = self._base_headers(request_id, received, progress)
        headers.update(error.headers)
        headers["content-type"] = XML_CONTENT_TYPE
        return Response(content, status_code=status, headers=headers)

    # -- audit ------------------------------------------------------------------------

    def _record(
        self,
        request: Request,
        request_id: str,
        started: float,
        progress: _Progress,
        response: Response,
        error: MwsError | None,
        *,
        aborted: bool = False,
        bytes_sent: int | None = None,
    ) -> None:
        duration = time.perf_counter() - started
        section = progress.section.name if progress.section else None
        action = progress.operation.name if progress.operation else None
        if aborted:
            outcome = "aborted"
        elif error is None:
            outcome = "ok"
        elif error.code in ("RequestThrottled", "QuotaExceeded") and not (
            progress.call and progress.call.audit.upstream
        ):
            outcome = "throttled"
        else:
            outcome = "error"
        event: dict[str, Any] = {
            "request_id": request_id,
            "method": request.method,
            "path": request.scope["path"][:200],
            "section": section,
            "version": progress.version,
            "action": action,
            "route": progress.operation.target.kind if progress.operation else None,
            "outcome": outcome,
            "error_code": error.code if error else None,
            "status": response.status_code,
            "duration_ms": round(duration * 1000, 3),
            "user_agent": request.headers.get("user-agent", "")[:256],
        }
        if bytes_sent is not None:
            event["bytes_sent"] = bytes_sent
            length = response.headers.get("content-length")
            if length is not None:
                event["bytes_total"] = int(length)
        if progress.identity is not None:
            event["access_key_id"] = progress.identity.access_key_id
            event["seller_id"] = progress.identity.seller_id
            if progress.identity.mws_auth_token_fingerprint:
                event["mws_auth_token_fingerprint"] = progress.identity.mws_auth_token_fingerprint
        if progress.quota is not None:
            event["throttle"] = {
                "bucket_remaining": round(progress.quota.tokens_left, 3),
                "hourly_remaining": progress.quota.hourly_remaining,
            }
        elif outcome == "throttled":
            event["throttle"] = {"refused": error.code if error else None}
        if progress.call is not None:
            trail = progress.call.audit
            if trail.upstream:
                event["upstream"] = audit.upstream_entries(trail.upstream)
                for u in trail.upstream:
                    self.metrics.upstream.labels(u.operation, f"{(u.status or 0) // 100}xx").inc()
            if trail.notes:
                event["notes"] = trail.notes
        audit.emit(event)
        self.metrics.count_request(section or "-", action or "-", outcome, duration)


def _streamed_xml(
    content: bytes,
    streams: list[StreamedText],
    headers: dict[str, str],
    body: SpooledBody | None,
) -> Response:
    """An XML answer whose large element texts are sent from their streams (no Content-MD5:
    boto asserts one on every XML answer that carries it)."""
    parts: list[bytes | StreamedText] = []
    rest = content
    for stream in streams:
        marker = stream.placeholder.encode("ascii")
        head, found, rest = rest.partition(marker)
        if not found:
            raise RuntimeError("a streamed text is missing from the rendered answer")
        parts += [head, stream]
    parts.append(rest)
    length = sum(p.length if isinstance(p, StreamedText) else len(p) for p in parts)
    headers["Content-Length"] = str(length)

    async def send() -> AsyncIterator[bytes]:
        try:
            for part in parts:
                if isinstance(part, StreamedText):
                    async for chunk in part.chunks:
                        yield chunk
                elif part:
                    yield part
        finally:
            for stream in streams:
                stream.close()
            if body is not None:
                body.close()

    return StreamingResponse(send(), status_code=200, headers=headers, media_type=XML_CONTENT_TYPE)
