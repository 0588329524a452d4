"""MWS envelopes and headers: success responses, ErrorResponse, the x-mws-* headers."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping

from gateway.mws.errors import ErrorSpec, MwsError
from gateway.mws.quotas import QuotaDecision
from gateway.mws.timestamps import format_epoch_millis
from gateway.mws.xml import Element, render_document

XML_CONTENT_TYPE = "text/xml"
# The front door's own errors (unknown path) used this namespace in captured traffic.
FRONT_DOOR_NAMESPACE = "https://mws.amazonservices.com/"


def render_success(
    action: str,
    namespace: str,
    request_id: str,
    children: list[Element],
    results: list[Element] | None = None,
    *,
    declaration: bool = True,
) -> bytes:
    body: list[Element] = list(results) if results is not None else [(f"{action}Result", children)]
    body.append(("ResponseMetadata", [("RequestId", request_id)]))
    return render_document((f"{action}Response", body), namespace, declaration=declaration)


def render_error(
    error: MwsError, namespace: str, request_id: str, table: Mapping[str, ErrorSpec]
) -> tuple[int, bytes]:
    status, kind, message, tag = error.resolve(dict(table))
    fields: list[Element] = [("Type", kind), ("Code", error.code), ("Message", message)]
    if error.detail is not None:
        fields.append(("Detail", error.detail))
    parts: list[Element] = [("Error", fields), (tag, request_id)]
    root: Element = ("ErrorResponse", parts)
    return status, render_document(root, namespace)


def response_context(request_id: str) -> str:
    """An opaque token like MWS's ``x-mws-response-context`` (no information leaks)."""
    return base64.b64encode(hashlib.sha256(request_id.encode()).digest()).decode("ascii")


def mws_headers(
    request_id: str, timestamp: float, quota: QuotaDecision | None = None
) -> dict[str, str]:
    headers = {
        "x-mws-request-id": request_id,
        "x-mws-timestamp": format_epoch_millis(timestamp),
        "x-mws-response-context": response_context(request_id),
    }
    if quota is not None and quota.hourly_max is not None and quota.resets_on is not None:
        headers["x-mws-quota-max"] = f"{float(quota.hourly_max):.1f}"
        headers["x-mws-quota-remaining"] = f"{float(max(quota.hourly_remaining or 0, 0)):.1f}"
        headers["x-mws-quota-resetsOn"] = format_epoch_millis(quota.resets_on)
    return headers
