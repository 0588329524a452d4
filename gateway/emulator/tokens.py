"""Tokens API 2021-03-01: `createRestrictedDataToken`."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import BaseRoute, Route

from gateway.emulator.auth import (
    DATA_ELEMENT_TEMPLATES,
    DATA_ELEMENTS,
    SPECIFIC_ONLY_TEMPLATES,
    RestrictedResource,
    restricted_template,
)
from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    SpApiError,
    invalid_input,
    read_json_object,
    spapi_operation,
)

MAX_RESOURCES = 50


def parse_resources(body: dict[str, Any]) -> tuple[RestrictedResource, ...]:
    """Validate `restrictedResources`; raise 400 InvalidInput on the first problem."""
    raw = body.get("restrictedResources")
    if not isinstance(raw, list) or not raw:
        raise invalid_input("restrictedResources is required and must be a non-empty array.")
    if len(raw) > MAX_RESOURCES:
        raise invalid_input(f"restrictedResources accepts at most {MAX_RESOURCES} resources.")
    target = body.get("targetApplication")
    if target is not None and not isinstance(target, str):
        raise invalid_input("targetApplication must be a string.")
    resources: list[RestrictedResource] = []
    for index, item in enumerate(raw):
        where = f"restrictedResources[{index}]"
        if not isinstance(item, dict):
            raise invalid_input(f"{where} must be an object.")
        method, path = item.get("method"), item.get("path")
        if method not in ("GET", "PUT", "POST", "DELETE"):
            raise invalid_input(f"{where}.method must be one of GET, PUT, POST, DELETE.")
        if not isinstance(path, str) or not path.startswith("/"):
            raise invalid_input(f"{where}.path must be an absolute path.")
        path = path.split("?", 1)[0]
        template = restricted_template(method, path)
        if template is None:
            raise invalid_input(
                f"{where}: {method} {path} is not a restricted operation.",
                "The requested path does not correspond to a restricted resource.",
            )
        if template in SPECIFIC_ONLY_TEMPLATES and "{" in path:
            raise invalid_input(f"{where}: this operation needs a specific path, not {path}.")
        elements = item.get("dataElements")
        if elements is None:
            data_elements: frozenset[str] = frozenset()
        else:
            if not isinstance(elements, list) or not all(isinstance(e, str) for e in elements):
                raise invalid_input(f"{where}.dataElements must be an array of strings.")
            if template not in DATA_ELEMENT_TEMPLATES:
                raise invalid_input(f"{where}: dataElements are not supported for {path}.")
            unknown = set(elements) - DATA_ELEMENTS
            if unknown:
                raise invalid_input(
                    f"{where}.dataElements contains unsupported values: "
                    f"{', '.join(sorted(unknown))}."
                )
            data_elements = frozenset(elements)
        resources.append(RestrictedResource(method, path, data_elements))
    return tuple(resources)


@spapi_operation("tokens.createRestrictedDataToken")
async def create_restricted_data_token(request: Request, ctx: OperationContext) -> JsonBody:
    token = ctx.token
    if token is None or token.kind != "lwa":
        # An RDT cannot mint further RDTs.
        raise SpApiError(403, "Unauthorized", "Access to requested resource is denied.")
    resources = parse_resources(await read_json_object(request))
    ttl = ctx.state.config.rdt_ttl
    info = ctx.state.tokens.issue(
        "rdt", client_id=token.client_id, seller_id=token.seller_id, ttl=ttl, resources=resources
    )
    return {"restrictedDataToken": info.token, "expiresIn": int(ttl)}


routes: list[BaseRoute] = [
    Route("/tokens/2021-03-01/restrictedDataToken", create_restricted_data_token, methods=["POST"])
]
