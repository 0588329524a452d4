"""MWS EasyShip 2018-09-01 (India) on SP-API Easy Ship 2022-03-23.

Requests, SP-API calls and the package tree are tables in ``mappings/sections/easy_ship.yaml``;
the nested request structures are built by :mod:`gateway.translate.engine.structures`. This
module adds what the tables do not say: the handover methods an MWS client is offered
(pickups: MWS had no drop-off), the MWS result layouts (PickupSlotList, ScheduledPackage,
ScheduledPackageList), and GetScheduledPackage's check that a PackageId given is the package
SP-API has for the order (SP-API looks packages up by order only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.fields import FieldMaps
from gateway.translate.engine.params import parse_params
from gateway.translate.engine.structures import build_body
from gateway.translate.engine.upstream import SectionApi, field_maps, json_object


class EasyShipApi(SectionApi):
    section = "EasyShip"
    api = "easyShip"


# ------------------------------------------------------------------ pure


def _objects(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def slots_children(
    body: Mapping[str, Any], maps: FieldMaps, methods: Sequence[str] | None
) -> list[Element]:
    """Children of ``<ListPickupSlotsResult>``: the order, then the slots MWS could offer.

    ``methods``: the handover methods kept (a slot without one is kept too); None keeps all.
    """
    slot = maps.children("slot")
    kept = [
        s
        for s in _objects(body.get("timeSlots"))
        if methods is None or s.get("handoverMethod") in (None, *methods)
    ]
    out: list[Element] = []
    if body.get("amazonOrderId"):
        out.append(("AmazonOrderId", str(body["amazonOrderId"])))
    out.append(("PickupSlotList", [("PickupSlot", slot(dict(s))) for s in kept]))
    return out


def package_children(package: Any, maps: FieldMaps, operation: str) -> list[Element]:
    """The children of one MWS ``ScheduledPackage`` / ``Package`` element."""
    if not isinstance(package, Mapping) or not package.get("scheduledPackageId"):
        raise MwsError("InternalError", f"SP-API {operation} answered without a package.")
    return maps.children("package")(dict(package))


def scheduled_package(package: Any, maps: FieldMaps, operation: str) -> list[Element]:
    """Children of ``<Create|GetScheduledPackageResult>``."""
    return [("ScheduledPackage", package_children(package, maps, operation))]


def package_list(body: Mapping[str, Any], maps: FieldMaps) -> list[Element]:
    """Children of ``<UpdateScheduledPackagesResult>``."""
    packages = _objects(body.get("packages"))
    return [
        (
            "ScheduledPackageList",
            [("Package", package_children(p, maps, "updateScheduledPackages")) for p in packages],
        )
    ]


def check_package_id(package: Mapping[str, Any], wanted: str | None) -> None:
    """The PackageId an MWS client named must be the package SP-API has for the order."""
    if wanted is None:
        return
    found = (package.get("scheduledPackageId") or {}).get("packageId")
    if found != wanted:
        raise MwsError(
            "ResourceNotFound",
            f"No scheduled package {wanted[:64]} exists for this order.",
        )


# ------------------------------------------------------------------ I/O


def _upstream(call: Call) -> Mapping[str, Any]:
    upstream: Mapping[str, Any] = call.operation.spec["upstream"]
    return upstream


async def _send(call: Call, body: dict[str, Any], *, idempotent: bool) -> dict[str, Any]:
    upstream = _upstream(call)
    operation = str(upstream["operation"]).split(".", 1)[1]
    data = await EasyShipApi(call, str(body["marketplaceId"]))._call(
        operation,
        str(upstream["method"]),
        str(upstream["path"]),
        json=body,
        idempotent=idempotent,
    )
    return json_object(data, operation)


async def list_pickup_slots(call: Call) -> XmlResult:
    body = build_body(call.operation.spec, call.params, call.section.tables)
    upstream = _upstream(call)
    answer = await _send(call, body, idempotent=bool(upstream.get("idempotent", False)))
    methods = upstream.get("handover_methods")
    return XmlResult(
        slots_children(answer, field_maps(call.section.tables), methods and list(methods))
    )


async def create_scheduled_package(call: Call) -> XmlResult:
    body = build_body(call.operation.spec, call.params, call.section.tables)
    answer = await _send(call, body, idempotent=False)  # it books a pickup
    maps = field_maps(call.section.tables)
    return XmlResult(scheduled_package(answer, maps, "createScheduledPackage"))


async def update_scheduled_packages(call: Call) -> XmlResult:
    body = build_body(call.operation.spec, call.params, call.section.tables)
    answer = await _send(call, body, idempotent=False)
    return XmlResult(package_list(answer, field_maps(call.section.tables)))


async def get_scheduled_package(call: Call) -> XmlResult:
    spec, tables = call.operation.spec, call.section.tables
    parsed = parse_params(
        spec["params"],
        spec.get("rules") or [],
        call.params,
        enums=tables.get("enums") or {},
        patterns=tables.get("patterns") or {},
        seller_marketplaces=call.identity.marketplaces,
        now=datetime.now(UTC),
    )
    upstream = _upstream(call)
    data = await EasyShipApi(call, str(parsed.values["MarketplaceId"]))._call(
        "getScheduledPackage", "GET", str(upstream["path"]), query=parsed.upstream
    )
    package = json_object(data, "getScheduledPackage")
    wanted = parsed.values.get("ScheduledPackageId.PackageId")
    check_package_id(package, str(wanted) if wanted else None)
    return XmlResult(scheduled_package(package, field_maps(tables), "getScheduledPackage"))
