"""Fulfillment Inbound v0 and 2024-03-20 as the section calls them.

:class:`InboundPlans` adds what every 2024-03-20 step needs: JSON bodies, 404s answered as
``InvalidParameterValue``, all pages of a list, and waiting for an operation
(``getInboundOperationStatus``) inside the call's budget (:mod:`gateway.translate.engine.polling`),
paced by ``tables.workflow.poll`` to stay inside the status operation's usage plan.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.mws.errors import MwsError
from gateway.translate.engine.call import Call
from gateway.translate.engine.polling import Budget, PollPlan, wait_for
from gateway.translate.engine.upstream import SectionApi, fill_path, json_object

SECTION = "FulfillmentInboundShipment"
BASE = "/inbound/fba/2024-03-20"
MAX_PAGES = 50
SUCCESS, FAILED = "SUCCESS", "FAILED"


class InboundV0(SectionApi):
    section = SECTION
    api = "fbaInbound"

    async def get(
        self, operation: str, path: str, query: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        data = await self._call(operation, "GET", path, query=query)
        return json_object(data, operation)


def call_budget(call: Call) -> Budget:
    """The time one MWS call may spend waiting for Amazon's operations."""
    settings = call.services.settings
    return Budget(min(settings.inbound.wait_seconds, settings.upstream.retry_budget_seconds))


def poll_plan(tables: Mapping[str, Any]) -> PollPlan:
    raw = (tables.get("workflow") or {}).get("poll") or {}
    return PollPlan(
        first=float(raw.get("first", 0.5)),
        factor=float(raw.get("factor", 1.5)),
        longest=float(raw.get("longest", 2.0)),
    )


def problems_text(status: Mapping[str, Any]) -> str:
    """Amazon's problem messages of a FAILED operation, as one MWS message."""
    problems = status.get("operationProblems") or []
    texts = [
        str(p.get("message") or p.get("code") or "").strip()
        for p in problems
        if isinstance(p, Mapping)
    ]
    return " ".join(t for t in texts if t)[:1000] or "Amazon gave no reason."


class InboundPlans(SectionApi):
    section = SECTION
    api = "fbaInbound2024"

    def __init__(self, call: Call, marketplace: str | None = None) -> None:
        super().__init__(call, marketplace)
        self.poll = poll_plan(call.section.tables)

    def path(self, template: str, **ids: str) -> str:
        return BASE + fill_path(template, ids)

    async def get(
        self, operation: str, path: str, query: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        data = await self._call(operation, "GET", path, query=query, not_found=None)
        return json_object(data, operation)

    async def send(
        self, operation: str, method: str, path: str, body: Any = None, *, idempotent: bool
    ) -> dict[str, Any]:
        data = await self._call(operation, method, path, json=body, idempotent=idempotent)
        return data if isinstance(data, dict) else {}

    async def pages(
        self, operation: str, path: str, key: str, query: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every element of ``key`` over all pages (``pagination.nextToken``)."""
        rows: list[dict[str, Any]] = []
        params = dict(query or {})
        for _ in range(MAX_PAGES):
            body = await self.get(operation, path, params)
            rows.extend(r for r in body.get(key) or [] if isinstance(r, dict))
            token = (body.get("pagination") or {}).get("nextToken")
            if not token:
                return rows
            params["paginationToken"] = token
        raise MwsError("InternalError", f"SP-API {operation} did not stop paging.")

    async def operation(self, operation_id: str) -> dict[str, Any]:
        return await self.get(
            "getInboundOperationStatus", self.path("/operations/{id}", id=operation_id)
        )

    async def wait(self, operation_id: str, budget: Budget) -> dict[str, Any] | None:
        """The operation once SUCCESS or FAILED; None when the budget ran out first."""

        async def check() -> dict[str, Any] | None:
            status = await self.operation(operation_id)
            return status if status.get("operationStatus") in (SUCCESS, FAILED) else None

        return await wait_for(check, budget, self.poll)


def operation_id(body: Mapping[str, Any], operation: str) -> str:
    value = body.get("operationId")
    if not isinstance(value, str) or not value:
        raise MwsError("InternalError", f"SP-API {operation} answered without an operationId.")
    return value


def still_working() -> MwsError:
    return MwsError(
        "ServiceUnavailable",
        "Amazon is still processing this request; send the same request again to continue "
        "where it stopped.",
    )
