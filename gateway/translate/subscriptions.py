"""MWS Subscriptions 2013-07-01 on SP-API Notifications v1 and the notification bridge.

The section's table (``mappings/sections/subscriptions.yaml``) says the model; this module
keeps MWS's destinations and subscriptions in the durable registry
(:mod:`gateway.notifications.registry`) and brings SP-API in line with them:

* one SP-API destination per region, the source queue the bridge reads, found or created
  with grantless calls (``getDestinations`` / ``createDestination``) and remembered;
* one SP-API subscription per seller, region and notificationType while an enabled MWS
  subscription of that type exists in one of the region's marketplaces (``getSubscription``
  / ``createSubscription``; ``deleteSubscriptionById``, grantless, once none is left).

Create, Delete and UpdateSubscription write the gateway's record first and then reconcile
SP-API; when SP-API fails, the previous record is put back, so the client sees the call as
not done. If even that fails, the error says what the gateway recorded and that repeating
the call completes it. SendTestNotificationToDestination sends MWS's ``Test`` notification
to the legacy queue itself (through :mod:`gateway.notifications.sqs`).

Reconciling one seller's type is serialized within a process; across replicas every call
reconciles after its own write, so SP-API ends in line with the records whichever call is last
(a createSubscription that meets another replica's is SP-API's 409, read back as success).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog

from gateway.mws.errors import MwsError
from gateway.mws.xml import Element
from gateway.notifications.queues import QueueAddressError, parse_queue_url, same_queue
from gateway.notifications.registry import Registry, Subscription, Upstream
from gateway.notifications.render import NotificationTables, render_test
from gateway.notifications.service import NotConfigured, NotificationService, SourceQueue
from gateway.notifications.sqs import QueueDenied, QueueMissing, SqsError
from gateway.spapi.errors import (
    UpstreamAuthError,
    UpstreamClientError,
    UpstreamNotFound,
)
from gateway.state.base import BackendUnavailable
from gateway.translate.engine.bodies import member_structs, missing
from gateway.translate.engine.call import Call, XmlResult
from gateway.translate.engine.params import invalid
from gateway.translate.engine.upstream import SectionApi, fill_path, json_object

log = structlog.get_logger("mws_gateway.subscriptions")

_LOCKS: dict[tuple[str, str, str], asyncio.Lock] = {}  # (seller, region, SP-API type)


class NotificationsApi(SectionApi):
    section = "Subscriptions"
    api = "notifications"


@dataclass(frozen=True)
class Request:
    marketplace: str
    region: str
    url: str | None = None  # the legacy queue
    notification_type: str | None = None  # MWS NotificationType
    enabled: bool | None = None


# ------------------------------------------------------------------ pure: parameters


def _messages(call: Call) -> Mapping[str, str]:
    return call.section.tables.get("messages") or {}


def fatal(call: Call, key: str) -> MwsError:
    return MwsError("InvalidInputFatalException", " ".join(str(_messages(call)[key]).split()))


def parse_destination(
    params: Mapping[str, str], prefix: str, tables: Mapping[str, Any], region: str
) -> str:
    """The queue URL of ``<prefix>.DeliveryChannel`` + ``<prefix>.AttributeList``."""
    spec = tables.get("destination") or {}
    channel = (params.get(f"{prefix}.DeliveryChannel") or "").strip()
    if not channel:
        raise missing(f"{prefix}.DeliveryChannel")
    channels = [str(c) for c in spec.get("channels") or ["SQS"]]
    if channel not in channels:
        raise invalid(
            f"Invalid {prefix}.DeliveryChannel value {channel[:32]!r}: expected one of "
            f"{', '.join(channels)}."
        )
    attribute = str(spec.get("queue_attribute", "sqsQueueUrl"))
    _, members = member_structs(params, f"{prefix}.AttributeList")
    if not members:
        raise missing(f"{prefix}.AttributeList.member.1.Key")
    url: str | None = None
    for member in members:
        key = (member.get("Key") or "").strip()
        value = (member.get("Value") or "").strip()
        if not key:
            raise missing(f"{prefix}.AttributeList.member.N.Key")
        if key != attribute:
            raise invalid(
                f"Invalid {prefix}.AttributeList Key {key[:40]!r}: the {channel} delivery "
                f"channel takes {attribute}."
            )
        if not value:
            raise missing(f"{prefix}.AttributeList.member.N.Value")
        if url is not None and url != value:
            raise invalid(f"{prefix}.AttributeList names {attribute} twice.")
        url = value
    assert url is not None
    try:
        parse_queue_url(url, default_region=region)
    except QueueAddressError as exc:
        raise invalid(f"Invalid {attribute} {url[:200]!r}: {exc}") from None
    return url


def parse_type(value: str | None, name: str, tables: NotificationTables) -> str:
    text = (value or "").strip()
    if not text:
        raise missing(name)
    if text not in tables.types:
        raise invalid(
            f"Invalid {name} value {text[:64]!r}: expected one of {', '.join(tables.types)}."
        )
    return text


def parse_enabled(value: str | None, name: str) -> bool:
    text = (value or "").strip().lower()
    if not text:
        raise missing(name)
    if text not in ("true", "false"):
        raise invalid(f"Invalid {name} value {text[:16]!r}: expected true or false.")
    return text == "true"


def marketplace_region(call: Call) -> tuple[str, str]:
    marketplace = (call.params.get("MarketplaceId") or "").strip()
    if not marketplace:
        raise missing("MarketplaceId")
    if marketplace not in call.identity.marketplaces:
        raise invalid(
            f"Invalid MarketplaceId {marketplace[:32]!r}: the seller is not registered in this "
            "marketplace."
        )
    row = call.services.catalog.marketplaces.get(marketplace) or {}
    region = row.get("region")
    if not region:
        raise invalid(f"Invalid MarketplaceId {marketplace[:32]!r}.")
    return marketplace, str(region)


def check_available(tables: NotificationTables, mws_type: str, marketplace: str) -> None:
    allowed = tables.types[mws_type].get("marketplaces")
    if allowed and marketplace not in [str(m) for m in allowed]:
        raise MwsError(
            "InvalidInputFatalException",
            f"{mws_type} notifications are not available in marketplace {marketplace}; they "
            f"are sent only in {', '.join(str(m) for m in allowed)}.",
        )


def destination_children(url: str, tables: Mapping[str, Any]) -> list[Element]:
    """Children of an MWS ``Destination``: DeliveryChannel, AttributeList (Key, Value)."""
    spec = tables.get("destination") or {}
    channel = str((spec.get("channels") or ["SQS"])[0])
    attribute = str(spec.get("queue_attribute", "sqsQueueUrl"))
    return [
        ("DeliveryChannel", channel),
        ("AttributeList", [("member", [("Key", attribute), ("Value", url)])]),
    ]


def subscription_children(sub: Subscription, tables: Mapping[str, Any]) -> list[Element]:
    """Children of an MWS ``Subscription`` in the official library's order."""
    return [
        ("NotificationType", sub.notification_type),
        ("Destination", destination_children(sub.url, tables)),
        ("IsEnabled", "true" if sub.enabled else "false"),
    ]


# ------------------------------------------------------------------ I/O helpers


def _tables(call: Call) -> NotificationTables:
    return NotificationTables.from_catalog(call.services.catalog)


def _service(call: Call) -> NotificationService:
    service = call.services.notifications
    if not isinstance(service, NotificationService) or not service.configured:
        raise MwsError(
            "UnsupportedOperation",
            f"Subscriptions.{call.action} is not available: "
            "notifications are not configured on this gateway (notifications.source_queue_url).",
        )
    return service


async def _source(call: Call) -> SourceQueue:
    try:
        return await _service(call).source()
    except NotConfigured as exc:
        raise MwsError("UnsupportedOperation", str(exc)) from None
    except SqsError as exc:
        log.warning("subscriptions.source_queue_unavailable", error=str(exc))
        raise MwsError(
            "DependencyRetriableException",
            "The gateway's notification queue cannot be reached right now; retry later.",
        ) from None


def _request(call: Call, *, prefix: str | None) -> Request:
    marketplace, region = marketplace_region(call)
    url = None
    if prefix is not None:
        url = parse_destination(call.params, prefix, call.section.tables, region)
    return Request(marketplace, region, url)


async def _registered(call: Call, req: Request) -> None:
    assert req.url is not None
    found = await Registry(call.services.store).destination(
        call.identity.seller_id, req.marketplace, req.url
    )
    if found is None:
        raise fatal(call, "destination_unknown")


def _ok() -> XmlResult:
    return XmlResult(children=[])


# ------------------------------------------------------------------ SP-API side


def _upstream(call: Call) -> Mapping[str, Any]:
    return call.section.tables.get("upstream") or {}


async def ensure_destination(call: Call, api: NotificationsApi, region: str) -> str:
    """The destinationId of the source queue in ``region`` (found or created, grantless)."""
    source = await _source(call)
    registry = Registry(call.services.store)
    cached = await registry.app_destination(region)
    if cached is not None and cached[1] == source.arn:
        return cached[0]
    spec = _upstream(call)
    scope = str(spec["scope"])
    path = str(spec["destinations"])

    async def find() -> str | None:
        data = json_object(await api._call("getDestinations", "GET", path, grantless=scope), "gd")
        for item in data.get("payload") or []:
            arn = ((item or {}).get("resource") or {}).get("sqs", {}).get("arn")
            if arn == source.arn and item.get("destinationId"):
                return str(item["destinationId"])
        return None

    destination_id = await find()
    if destination_id is None:
        body = {
            "name": _service(call).settings.destination_name,
            "resourceSpecification": {"sqs": {"arn": source.arn}},
        }
        try:
            data = json_object(
                await api._call(
                    "createDestination", "POST", path, json=body, grantless=scope, idempotent=True
                ),
                "createDestination",
            )
            destination_id = str((data.get("payload") or {}).get("destinationId") or "") or None
        except UpstreamClientError as err:
            if err.http_status != 409:  # 409: created meanwhile (another replica)
                raise
        if destination_id is None:
            destination_id = await find()
        if destination_id is None:
            raise MwsError("InternalError", "SP-API did not report the notification destination.")
    await registry.put_app_destination(region, destination_id, source.arn)
    return destination_id


def _subscription_path(call: Call, spapi_type: str, subscription_id: str | None = None) -> str:
    spec = _upstream(call)
    if subscription_id is None:
        return fill_path(str(spec["subscription"]), {"notificationType": spapi_type})
    return fill_path(
        str(spec["subscription_by_id"]),
        {"notificationType": spapi_type, "subscriptionId": subscription_id},
    )


async def _current(api: NotificationsApi, call: Call, spapi_type: str) -> Upstream | None:
    try:
        data = await api._call("getSubscription", "GET", _subscription_path(call, spapi_type))
    except UpstreamNotFound:
        return None
    payload = json_object(data, "getSubscription").get("payload") or {}
    if not payload.get("subscriptionId"):
        return None
    return Upstream(
        str(payload["subscriptionId"]),
        str(payload.get("destinationId") or ""),
        str(payload.get("payloadVersion") or ""),
    )


async def _delete_upstream(
    api: NotificationsApi, call: Call, spapi_type: str, subscription_id: str
) -> None:
    path = _subscription_path(call, spapi_type, subscription_id)
    scope = str(_upstream(call)["scope"])
    with contextlib.suppress(UpstreamNotFound):  # gone already
        await api._call("deleteSubscriptionById", "DELETE", path, grantless=scope)


async def _create_upstream(
    api: NotificationsApi, call: Call, mws_type: str, spapi_type: str, destination_id: str
) -> Upstream:
    version = str(_tables(call).types[mws_type]["payload_version"])
    body = {"payloadVersion": version, "destinationId": destination_id}
    try:
        data = await api._call(
            "createSubscription", "POST", _subscription_path(call, spapi_type), json=body
        )
    except UpstreamClientError as err:
        if err.http_status == 409:  # created meanwhile
            found = await _current(api, call, spapi_type)
            if found is not None:
                return found
        if err.http_status in (400, 422):
            raise MwsError(
                "InvalidInputFatalException",
                f"{mws_type} notifications cannot be subscribed for this seller: "
                f"{err.message or 'Amazon Selling Partner API refused the subscription'}",
            ) from None
        raise
    except UpstreamAuthError:
        raise MwsError(
            "DependencyUnauthorizedException",
            f"The seller has not authorized this application to receive {mws_type} "
            "notifications (Amazon Selling Partner API denied the subscription).",
        ) from None
    payload = json_object(data, "createSubscription").get("payload") or {}
    return Upstream(str(payload.get("subscriptionId") or ""), destination_id, version)


async def reconcile(call: Call, region: str, mws_type: str, *, verify: bool) -> str:
    """Bring the seller's SP-API subscription of ``mws_type`` in ``region`` in line with the
    gateway's records; returns what was done (for the audit trail)."""
    tables = _tables(call)
    spapi_type = str(tables.types[mws_type]["spapi"])
    seller = call.identity.seller_id
    registry = Registry(call.services.store)
    key = (seller, region, spapi_type)
    lock = _LOCKS.setdefault(key, asyncio.Lock())
    async with lock:
        markets = {
            m
            for m, row in call.services.catalog.marketplaces.items()
            if str((row or {}).get("region")) == region
        }
        wanted = any(
            s.enabled and s.notification_type == mws_type and s.marketplace in markets
            for s in await registry.subscriptions(seller)
        )
        api = NotificationsApi(call, next(iter(sorted(markets & set(call.identity.marketplaces)))))
        cached = await registry.upstream(seller, region, spapi_type)
        if wanted:
            destination_id = await ensure_destination(call, api, region)
            if cached is not None and not verify and cached.destination_id == destination_id:
                return "kept"
            current = await _current(api, call, spapi_type)
            if current is not None and current.destination_id == destination_id:
                await registry.put_upstream(seller, region, spapi_type, current)
                return "verified"
            if current is not None:  # another destination of this application: move it
                await _delete_upstream(api, call, spapi_type, current.subscription_id)
            created = await _create_upstream(api, call, mws_type, spapi_type, destination_id)
            await registry.put_upstream(seller, region, spapi_type, created)
            return "created"
        subscription_id = cached.subscription_id if cached is not None else None
        if subscription_id is None:
            current = await _current(api, call, spapi_type)
            if current is None:
                return "none"
            subscription_id = current.subscription_id
        await _delete_upstream(api, call, spapi_type, subscription_id)
        await registry.forget_upstream(seller, region, spapi_type)
        return "deleted"


async def _change(
    call: Call,
    req: Request,
    mws_type: str,
    before: Subscription | None,
    after: Subscription | None,
    *,
    what: str,
) -> XmlResult:
    """Write ``after`` in place of ``before``, reconcile SP-API, put ``before`` back on failure."""
    registry = Registry(call.services.store)
    seller = call.identity.seller_id
    if after is not None:
        await registry.put_subscription(seller, after)
    elif before is not None:
        await registry.delete_subscription(seller, before)
    try:
        done = await reconcile(call, req.region, mws_type, verify=after is not None)
    except MwsError as err:
        try:
            if before is not None:
                await registry.put_subscription(seller, before)
            elif after is not None:
                await registry.delete_subscription(seller, after)
        except BackendUnavailable:
            state = (
                f"The gateway recorded the {what} but Amazon Selling Partner API does not "
                f"reflect it yet; repeat {call.action} to complete it."
            )
            raise MwsError(err.code, f"{err.message or err.code} {state}") from None
        call.audit.notes["subscription_restored"] = True
        state = f"Nothing was changed: the {what} was not made."
        raise MwsError(
            err.code, f"{err.message or err.code} {state}", status=err.status, type=err.type
        ) from None
    call.audit.notes["spapi_subscription"] = done
    return _ok()


# ------------------------------------------------------------------ handlers: destinations


async def register_destination(call: Call) -> XmlResult:
    service = _service(call)
    req = _request(call, prefix="Destination")
    assert req.url is not None
    if service.settings.verify_destinations:
        try:
            await service.sqs.queue_arn(req.url)
        except (QueueMissing, QueueDenied) as exc:
            raise MwsError(
                "DependencyFatalException",
                f"The queue {req.url[:200]} does not exist or the gateway may not use it "
                f"({exc.code or 'denied'}).",
            ) from None
        except SqsError:
            raise MwsError(
                "DependencyRetriableException", "The queue could not be checked; retry later."
            ) from None
    registry = Registry(call.services.store)
    seller = call.identity.seller_id
    if await registry.destination(seller, req.marketplace, req.url) is not None:
        raise fatal(call, "destination_exists")
    await ensure_destination(call, NotificationsApi(call, req.marketplace), req.region)
    if not await registry.add_destination(seller, req.marketplace, req.url):
        raise fatal(call, "destination_exists")
    return _ok()


async def deregister_destination(call: Call) -> XmlResult:
    _service(call)
    req = _request(call, prefix="Destination")
    assert req.url is not None
    await _registered(call, req)
    registry = Registry(call.services.store)
    seller = call.identity.seller_id
    subs = await registry.subscriptions(seller, req.marketplace)
    if any(same_queue(s.url, req.url) for s in subs):
        raise fatal(call, "destination_in_use")
    await registry.remove_destination(seller, req.marketplace, req.url)
    return _ok()


async def list_registered_destinations(call: Call) -> XmlResult:
    _service(call)
    req = _request(call, prefix=None)
    found = await Registry(call.services.store).destinations(
        call.identity.seller_id, req.marketplace
    )
    tables = call.section.tables
    members: list[Element] = [("member", destination_children(d.url, tables)) for d in found]
    return XmlResult([("DestinationList", members)])


async def send_test_notification_to_destination(call: Call) -> XmlResult:
    service = _service(call)
    req = _request(call, prefix="Destination")
    assert req.url is not None
    await _registered(call, req)
    body = render_test(
        _tables(call),
        seller=call.identity.seller_id,
        marketplace=req.marketplace,
        unique_id=str(uuid.uuid4()),
    )
    try:
        await service.sqs.send(req.url, body.decode("utf-8"))
    except (QueueMissing, QueueDenied) as exc:
        raise MwsError(
            "DependencyFatalException",
            f"The test notification could not be sent: the queue {req.url[:200]} does not exist "
            f"or the gateway may not use it ({exc.code or 'denied'}).",
        ) from None
    except SqsError:
        raise MwsError(
            "DependencyRetriableException", "The test notification could not be sent; retry later."
        ) from None
    call.audit.notes["test_notification"] = "sent"
    return _ok()


# ------------------------------------------------------------------ handlers: subscriptions


def _subscription_request(call: Call) -> tuple[Request, Subscription]:
    req = _request(call, prefix="Subscription.Destination")
    assert req.url is not None
    tables = _tables(call)
    mws_type = parse_type(
        call.params.get("Subscription.NotificationType"), "Subscription.NotificationType", tables
    )
    enabled = parse_enabled(call.params.get("Subscription.IsEnabled"), "Subscription.IsEnabled")
    check_available(tables, mws_type, req.marketplace)
    return req, Subscription(req.marketplace, mws_type, req.url, enabled)


def _keyed_request(call: Call) -> tuple[Request, str]:
    req = _request(call, prefix="Destination")
    mws_type = parse_type(call.params.get("NotificationType"), "NotificationType", _tables(call))
    return req, mws_type


async def create_subscription(call: Call) -> XmlResult:
    _service(call)
    req, sub = _subscription_request(call)
    await _registered(call, req)
    registry = Registry(call.services.store)
    seller = call.identity.seller_id
    if not await registry.add_subscription(seller, sub):
        raise fatal(call, "subscription_exists")
    # the record is written (put_if_absent keeps concurrent creates apart); reconcile next
    return await _change(call, req, sub.notification_type, None, sub, what="subscription")


async def get_subscription(call: Call) -> XmlResult:
    _service(call)
    req, mws_type = _keyed_request(call)
    assert req.url is not None
    found = await Registry(call.services.store).subscription(
        call.identity.seller_id, req.marketplace, mws_type, req.url
    )
    if found is None:
        raise fatal(call, "subscription_unknown")
    return XmlResult([("Subscription", subscription_children(found, call.section.tables))])


async def delete_subscription(call: Call) -> XmlResult:
    _service(call)
    req, mws_type = _keyed_request(call)
    assert req.url is not None
    found = await Registry(call.services.store).subscription(
        call.identity.seller_id, req.marketplace, mws_type, req.url
    )
    if found is None:
        raise fatal(call, "subscription_unknown")
    return await _change(call, req, mws_type, found, None, what="deletion")


async def list_subscriptions(call: Call) -> XmlResult:
    _service(call)
    req = _request(call, prefix=None)
    found = await Registry(call.services.store).subscriptions(
        call.identity.seller_id, req.marketplace
    )
    tables = call.section.tables
    members: list[Element] = [("member", subscription_children(s, tables)) for s in found]
    return XmlResult([("SubscriptionList", members)])


async def update_subscription(call: Call) -> XmlResult:
    _service(call)
    req, sub = _subscription_request(call)
    registry = Registry(call.services.store)
    found = await registry.subscription(
        call.identity.seller_id, req.marketplace, sub.notification_type, sub.url
    )
    if found is None:
        raise fatal(call, "subscription_unknown")
    return await _change(call, req, sub.notification_type, found, sub, what="update")
