"""The durable records of the inbound workflow (SQLite or PostgreSQL, shared by replicas).

* ``inbound.plan`` intents (:mod:`gateway.translate.engine.intents`): one per
  CreateInboundShipmentPlan, keyed by a hash of the seller and the canonical request; each
  step's result (inboundPlanId, operation ids, chosen options) is saved before the next
  upstream effect. ``inbound.plan.latest`` points from a request fingerprint to its latest
  intent (a retry resumes it; an identical plan after the window, or after one of its
  shipments was created, is a new plan).
* ``inbound.shipment``: one :class:`ShipmentRecord` per MWS ShipmentId the gateway answered
  (the 2024-03-20 shipment id): plan, placement option, destination, items, the FBA
  confirmation id once created, and the transport state.
* ``inbound.confirmation``: FBA confirmation id -> MWS ShipmentId, to show v0 answers in the
  ids the client knows.
* ``inbound.placement`` and ``inbound.transport`` intents: the one-time confirmations
  (placement option, transportation option), so two calls never confirm twice.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from gateway.mws.errors import MwsError
from gateway.translate.engine.call import Call

PLAN_INTENT = "inbound.plan"
PLAN_LATEST = "inbound.plan.latest"
SHIPMENT = "inbound.shipment"
CONFIRMATION = "inbound.confirmation"
PLACEMENT_INTENT = "inbound.placement"
TRANSPORT_INTENT = "inbound.transport"


def digest(*parts: Any) -> str:
    """A stable hash of JSON-serializable parts (canonical: sorted keys, no spaces)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass
class ShipmentRecord:
    shipment_id: str  # the MWS ShipmentId = the 2024-03-20 shipmentId
    plan_id: str
    placement_option_id: str
    placement_shipments: list[str]  # every shipment of that placement option
    marketplace_id: str
    warehouse_id: str
    label_owner: str  # SELLER | AMAZON | NONE
    items: list[dict[str, Any]]  # {sku, fnsku, quantity}
    source: dict[str, Any]  # the 2024-03-20 AddressInput the plan was created with
    plan_intent: str
    name: str = ""
    created: bool = False
    confirmation_id: str | None = None
    cases_required: bool = False
    box_contents: str | None = None  # contentInformationSource for PutTransportContent
    cancelled: bool = False
    transport: dict[str, Any] = field(default_factory=dict)
    pending: dict[str, Any] = field(default_factory=dict)  # operations to wait for, by purpose

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> ShipmentRecord:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    @property
    def v0_id(self) -> str:
        return self.confirmation_id or self.shipment_id


def unknown_shipment(shipment_id: str) -> MwsError:
    return MwsError(
        "InvalidParameterValue",
        f"Value {shipment_id[:100]} for parameter ShipmentId is invalid: no inbound shipment "
        "plan of this seller has a shipment with this id.",
    )


async def load_shipment(call: Call, shipment_id: str) -> ShipmentRecord:
    """The seller's record of an MWS ShipmentId (InvalidParameterValue when unknown)."""
    found = await call.services.store.get(SHIPMENT, call.identity.seller_id, shipment_id)
    if found is None:
        raise unknown_shipment(shipment_id)
    return ShipmentRecord.from_record(found.data)


async def find_shipment(call: Call, shipment_id: str) -> ShipmentRecord | None:
    found = await call.services.store.get(SHIPMENT, call.identity.seller_id, shipment_id)
    return None if found is None else ShipmentRecord.from_record(found.data)


async def save_shipment(call: Call, record: ShipmentRecord) -> None:
    store, seller = call.services.store, call.identity.seller_id
    await store.put(SHIPMENT, seller, record.shipment_id, record.to_record())
    if record.confirmation_id:
        await store.put(
            CONFIRMATION, seller, record.confirmation_id, {"shipment": record.shipment_id}
        )


async def v0_ids(call: Call, mws_ids: Iterable[str]) -> dict[str, str]:
    """MWS ShipmentId -> the id v0 knows (the confirmation id of a planned shipment)."""
    ids = list(dict.fromkeys(mws_ids))
    found = await call.services.store.get_many(SHIPMENT, call.identity.seller_id, ids)
    out: dict[str, str] = {}
    for mws_id in ids:
        record = found.get(mws_id)
        out[mws_id] = ShipmentRecord.from_record(record.data).v0_id if record else mws_id
    return out


async def mws_ids(call: Call, v0: Iterable[str]) -> dict[str, str]:
    """v0 ShipmentId -> the MWS ShipmentId the client was given (itself when unknown)."""
    ids = list(dict.fromkeys(v0))
    found = await call.services.store.get_many(CONFIRMATION, call.identity.seller_id, ids)
    return {i: str(found[i].data["shipment"]) if i in found else i for i in ids}
