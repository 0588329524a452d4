"""The presigned-URL endpoints of the document store: upload (PUT) and download (GET).

Each call is counted, may carry an injected fault (fault names ``documents.upload`` and
``documents.download``) and must bear a valid presigned signature
(:meth:`gateway.emulator.documents.DocumentStore.check_signature`); S3-style XML errors
otherwise.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from starlette.concurrency import iterate_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from gateway.emulator.common import apply_post_faults, apply_pre_faults, get_state
from gateway.emulator.documents import DOCUMENT_PATH, DocumentStore
from gateway.emulator.faults import FaultPlan


def s3_error(status: int, code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    )
    return Response(body, status_code=status, media_type="application/xml")


def document_routes(store_of: Callable[[Request], DocumentStore]) -> list[BaseRoute]:
    """PUT/GET handlers for presigned URLs (fault names: documents.upload / documents.download)."""

    async def admit(
        request: Request, method: str, operation: str
    ) -> tuple[DocumentStore, str, FaultPlan] | Response:
        """Count the call, apply injected faults and check the presigned signature."""
        state = get_state(request)
        store = store_of(request)
        document_id = request.path_params["document_id"]
        state.calls[operation] += 1
        plan, short = await apply_pre_faults(request, state, operation)
        if short is not None:
            return short
        if plan.error_status is not None:
            return s3_error(plan.error_status, "InternalError", "We encountered an internal error.")
        problem = store.check_signature(method, document_id, dict(request.query_params))
        if problem is not None:
            return s3_error(403, *problem)
        return store, document_id, plan

    async def upload(request: Request) -> Response:
        admitted = await admit(request, "PUT", "documents.upload")
        if isinstance(admitted, Response):
            return admitted
        store, document_id, plan = admitted
        doc = store.get(document_id)
        if doc is None or not doc.upload_slot:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        content_type = request.headers.get("content-type", "")
        if content_type != doc.content_type:
            return s3_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided. "
                "Check your key and signing method.",
            )
        doc = await store.receive_upload(document_id, content_type, request.stream())
        return apply_post_faults(plan, Response(b"", headers={"ETag": f'"{doc.md5_hex}"'}))

    async def download(request: Request) -> Response:
        admitted = await admit(request, "GET", "documents.download")
        if isinstance(admitted, Response):
            return admitted
        store, document_id, plan = admitted
        doc = store.get(document_id)
        if doc is None or not doc.has_content:
            return s3_error(404, "NoSuchKey", "The specified key does not exist.")
        headers = {"Content-Type": doc.uploaded_content_type or doc.content_type}
        if doc.md5_hex:
            headers["ETag"] = f'"{doc.md5_hex}"'
        if doc.size is not None:
            headers["Content-Length"] = str(doc.size)
        response: Response
        if doc.memory is not None:
            response = Response(doc.memory, headers=headers)
        else:
            response = StreamingResponse(
                iterate_in_threadpool(store.iter_stored(document_id)), headers=headers
            )
        return apply_post_faults(plan, response)

    return [
        Route(DOCUMENT_PATH, upload, methods=["PUT"]),
        Route(DOCUMENT_PATH, download, methods=["GET"]),
    ]
