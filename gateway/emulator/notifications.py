"""Emulated SP-API Notifications v1: destinations, subscriptions, and sending notifications.

Destinations belong to the application (the LWA client of the token) and are managed with
grantless tokens (``client_credentials``, scope ``sellingpartnerapi::notifications``), as are
``getSubscriptionById`` / ``deleteSubscriptionById`` / ``sendTestNotification``; the other
subscription operations take the seller's token. SP-API's answers are kept: an ARN already
registered or a second subscription of a type is 409 ``StateConflict``; a subscription to an
unknown destination is 400 ``InvalidInput`` "No destination with id ... for applicationId
..."; FBA_OUTBOUND_SHIPMENT_STATUS needs a seller in Brazil (400 otherwise).

What :func:`gateway.emulator.events.emit` queues is sent as SP-API notification JSON to the
destination's SQS queue (``EmulatorConfig.sqs_endpoint``, the queue URL found from the ARN with
GetQueueUrl) by a ticker task, which also moves feeds, reports and fulfillment orders on. The
ticker starts with the first subscription and stops with the app (or :func:`close`).

Admin (with the other ``/_emulator`` routes): ``POST /_emulator/notifications/offer-change``
``{"asin", "marketplaceId"?, "condition"?, "price"?, "sellerId"?}`` changes the seller's price
on that ASIN (when ``price`` is given) and sends ANY_OFFER_CHANGED; ``GET
/_emulator/notifications`` lists what was sent; ``POST /_emulator/notifications/flush`` runs
one tick at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gateway.emulator import pricing
from gateway.emulator.common import (
    JsonBody,
    OperationContext,
    SpApiError,
    emulator_now,
    get_state,
    invalid_input,
    iso,
    new_request_id,
    not_found,
    query_list,
    read_json_object,
    spapi_operation,
)
from gateway.emulator.data import PRIMARY_MARKETPLACE
from gateway.emulator.events import TYPES, emit, notifications_state, subscription, tick
from gateway.emulator.state import EmulatorState
from gateway.notifications.queues import QueueAddressError, parse_queue_arn
from gateway.notifications.sqs import Sqs, SqsError

log = logging.getLogger("gateway.emulator.notifications")

SCOPE = "sellingpartnerapi::notifications"
BASE = "/notifications/v1"
ARN = re.compile(r"^arn:aws:sqs:\S+:\S+:\S+")
BRAZIL = "A2Q3Y263D00KWC"
MAX_ATTEMPTS = 20  # sends of one notification before it is given up (counted in `dropped`)


def conflict() -> SpApiError:
    return SpApiError(
        409, "StateConflict", "The resource specified conflicts with the current state."
    )


def _client(ctx: OperationContext) -> str:
    return str(ctx.token.client_id) if ctx.token is not None else ""


def _type(request: Request) -> str:
    ntype = str(request.path_params["notificationType"])
    if ntype not in TYPES:
        raise invalid_input(f"Invalid notificationType: {ntype[:80]}.")
    return ntype


def _public(sub: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sub.items() if not k.startswith("_")}


# ------------------------------------------------------------------ destinations (grantless)


@spapi_operation("notifications.getDestinations", scope=SCOPE)
async def get_destinations(request: Request, ctx: OperationContext) -> JsonBody:
    ns = notifications_state(ctx.state)
    mine = [d for i, d in ns.destinations.items() if ns.owners.get(i) == _client(ctx)]
    return {"payload": mine}


@spapi_operation("notifications.createDestination", scope=SCOPE)
async def create_destination(request: Request, ctx: OperationContext) -> JsonBody:
    body = await read_json_object(request)
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 256:
        raise invalid_input("name is required (at most 256 characters).")
    spec = body.get("resourceSpecification")
    sqs = spec.get("sqs") if isinstance(spec, dict) else None
    arn = sqs.get("arn") if isinstance(sqs, dict) else None
    if not isinstance(arn, str) or not ARN.match(arn) or len(arn) > 1000:
        raise invalid_input("resourceSpecification.sqs.arn must be an SQS queue ARN.")
    ns = notifications_state(ctx.state)
    client = _client(ctx)
    for destination_id, existing in ns.destinations.items():
        if ns.owners.get(destination_id) == client and existing["resource"]["sqs"]["arn"] == arn:
            raise conflict()
    destination_id = str(uuid.uuid4())
    destination = {"name": name, "destinationId": destination_id, "resource": {"sqs": {"arn": arn}}}
    ns.destinations[destination_id] = destination
    ns.owners[destination_id] = client
    return {"payload": destination}


def _own_destination(ctx: OperationContext, destination_id: str) -> dict[str, Any]:
    ns = notifications_state(ctx.state)
    found = ns.destinations.get(destination_id)
    if found is None or ns.owners.get(destination_id) != _client(ctx):
        raise not_found(f"Destination {destination_id} not found.")
    return found


@spapi_operation("notifications.getDestination", scope=SCOPE)
async def get_destination(request: Request, ctx: OperationContext) -> JsonBody:
    return {"payload": _own_destination(ctx, request.path_params["destinationId"])}


@spapi_operation("notifications.deleteDestination", scope=SCOPE)
async def delete_destination(request: Request, ctx: OperationContext) -> JsonBody:
    destination_id = request.path_params["destinationId"]
    _own_destination(ctx, destination_id)
    ns = notifications_state(ctx.state)
    if any(s.get("destinationId") == destination_id for s in ns.subscriptions.values()):
        raise conflict()
    del ns.destinations[destination_id]
    ns.owners.pop(destination_id, None)
    return {}


# ------------------------------------------------------------------ subscriptions


@spapi_operation("notifications.getSubscriptions")
async def get_subscriptions(request: Request, ctx: OperationContext) -> JsonBody:
    types = query_list(request, "notificationTypes")
    if not types:
        raise invalid_input("Missing required parameter: notificationTypes.")
    for ntype in types:
        if ntype not in TYPES:
            raise invalid_input(f"Invalid notificationType: {ntype[:80]}.")
    version = request.query_params.get("payloadVersion")
    ns = notifications_state(ctx.state)
    found = [
        _public(sub)
        for (seller, ntype), sub in sorted(ns.subscriptions.items())
        if seller == ctx.seller_id
        and ntype in types
        and (version is None or sub.get("payloadVersion") == version)
    ]
    return {"payload": {"subscriptions": found}}


@spapi_operation("notifications.getSubscription")
async def get_subscription(request: Request, ctx: OperationContext) -> JsonBody:
    ntype = _type(request)
    sub = subscription(ctx.state, ctx.seller_id, ntype)
    version = request.query_params.get("payloadVersion")
    if sub is None or (version is not None and sub.get("payloadVersion") != version):
        raise not_found("The requested resource does not exist.")
    return {"payload": _public(sub)}


@spapi_operation("notifications.createSubscription")
async def create_subscription(request: Request, ctx: OperationContext) -> JsonBody:
    ntype = _type(request)
    body = await read_json_object(request)
    version = body.get("payloadVersion")
    destination_id = body.get("destinationId")
    if not isinstance(version, str) or not version:
        raise invalid_input("payloadVersion is required.")
    if not isinstance(destination_id, str) or not destination_id:
        raise invalid_input("destinationId is required.")
    if version not in TYPES[ntype][1]:
        raise invalid_input(f"Invalid payloadVersion {version[:32]} for {ntype}.")
    ns = notifications_state(ctx.state)
    if ns.owners.get(destination_id) != _client(ctx):
        raise invalid_input(
            "Request has missing or invalid parameters and cannot be parsed.",
            f"No destination with id {destination_id} for applicationId "
            f"{ctx.state.config.application_id}",
        )
    if ntype == "FBA_OUTBOUND_SHIPMENT_STATUS" and not any(
        m.get("id") == BRAZIL for m in ctx.state.data.marketplaces
    ):
        raise invalid_input(
            "The selling partner cannot receive FBA_OUTBOUND_SHIPMENT_STATUS notifications: "
            "they are sent for FBA Onsite shipments in Brazil only."
        )
    key = (ctx.seller_id, ntype)
    if key in ns.subscriptions:
        raise conflict()
    sub = {
        "subscriptionId": str(uuid.uuid4()),
        "payloadVersion": version,
        "destinationId": destination_id,
        "_client": _client(ctx),
        "_type": ntype,
    }
    ns.subscriptions[key] = sub
    ensure_ticker(ctx.state)
    return {"payload": _public(sub)}


def _by_id(ctx: OperationContext, ntype: str, subscription_id: str) -> tuple[str, str]:
    ns = notifications_state(ctx.state)
    for key, sub in ns.subscriptions.items():
        if (
            key[1] == ntype
            and sub["subscriptionId"] == subscription_id
            and sub.get("_client") == _client(ctx)
        ):
            return key
    raise not_found("The requested resource does not exist.")


@spapi_operation("notifications.getSubscriptionById", scope=SCOPE)
async def get_subscription_by_id(request: Request, ctx: OperationContext) -> JsonBody:
    ntype = _type(request)
    key = _by_id(ctx, ntype, request.path_params["subscriptionId"])
    return {"payload": _public(notifications_state(ctx.state).subscriptions[key])}


@spapi_operation("notifications.deleteSubscriptionById", scope=SCOPE)
async def delete_subscription_by_id(request: Request, ctx: OperationContext) -> JsonBody:
    ntype = _type(request)
    key = _by_id(ctx, ntype, request.path_params["subscriptionId"])
    del notifications_state(ctx.state).subscriptions[key]
    return {}


@spapi_operation("notifications.sendTestNotification", scope=SCOPE)
async def send_test_notification(request: Request, ctx: OperationContext) -> JsonBody:
    _type(request)
    body = await read_json_object(request)
    destination_id = body.get("destinationId")
    test = body.get("testNotification")
    if not isinstance(destination_id, str) or not destination_id:
        raise invalid_input("destinationId is required.")
    if not isinstance(test, dict) or not test.get("payloadVersion"):
        raise invalid_input("testNotification.payloadVersion is required.")
    if not test.get("testScenario"):
        raise invalid_input("testNotification.testScenario is required.")
    _own_destination(ctx, destination_id)
    return {"payload": {}}


# ------------------------------------------------------------------ sending


def _sqs(state: EmulatorState) -> Sqs:
    found = state.sections.get("notifications.sqs")
    if isinstance(found, Sqs):
        return found
    client = Sqs(endpoint=state.config.sqs_endpoint, region=state.config.sqs_region)
    state.sections["notifications.sqs"] = client
    return client


async def _queue_url(state: EmulatorState, arn: str) -> str:
    cache: dict[str, str] = state.section("notifications.urls", dict)
    url = cache.get(arn)
    if url is None:
        ref = parse_queue_arn(arn)
        url = await _sqs(state).queue_url(ref.name, ref.account)
        cache[arn] = url
    return url


async def flush(state: EmulatorState) -> int:
    """Send what is queued; returns how many went out (failures stay queued)."""
    ns = notifications_state(state)
    lock = state.section("notifications.lock", asyncio.Lock)
    async with lock:  # the ticker and an admin call may flush at once
        return await _flush(state, ns)


async def _flush(state: EmulatorState, ns: Any) -> int:
    sent = 0
    for _ in range(len(ns.outbox)):
        if not ns.outbox:
            break
        item = ns.outbox.popleft()
        destination = ns.destinations.get(item.destination_id)
        if destination is None:  # deleted meanwhile: SP-API sends nothing there
            continue
        arn = destination["resource"]["sqs"]["arn"]
        try:
            url = await _queue_url(state, arn)
            await _sqs(state).send(url, item.body)
        except (SqsError, QueueAddressError) as exc:
            item.attempts += 1
            if item.attempts >= MAX_ATTEMPTS:
                ns.dropped += 1
                log.warning("notification dropped after %d attempts: %s", item.attempts, exc)
            else:
                ns.outbox.append(item)
            continue
        ns.published.append(
            {
                "type": item.notification_type,
                "destinationId": item.destination_id,
                "notificationId": item.notification_id,
            }
        )
        sent += 1
    return sent


async def _run(state: EmulatorState) -> None:
    period = max(0.02, float(state.config.notifications_tick_seconds))
    while True:
        try:
            tick(state)
            await flush(state)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug: logged, the ticker goes on
            log.exception("notifications tick failed")
        await asyncio.sleep(period)


def ensure_ticker(state: EmulatorState) -> None:
    """Start the ticker task (needs a running event loop) unless it runs."""
    ns = notifications_state(state)
    task = ns.runner
    if isinstance(task, asyncio.Task) and not task.done():
        return
    ns.runner = asyncio.get_running_loop().create_task(_run(state), name="emulator-notifications")


async def close(state: EmulatorState) -> None:
    """Stop the ticker and the SQS client (app shutdown)."""
    ns = state.sections.get("notifications")
    task = getattr(ns, "runner", None)
    if isinstance(task, asyncio.Task) and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    client = state.sections.pop("notifications.sqs", None)
    if isinstance(client, Sqs):
        client.close()


def register_tickers(state: EmulatorState, *tickers: Any) -> None:
    notifications_state(state).tickers.extend(tickers)


# ------------------------------------------------------------------ admin


async def offer_change(request: Request) -> Response:
    state = get_state(request)
    try:
        body = await read_json_object(request)
    except SpApiError as exc:
        return exc.response()
    asin = body.get("asin")
    marketplace = str(body.get("marketplaceId") or PRIMARY_MARKETPLACE)
    condition = str(body.get("condition") or "New")
    seller = str(body.get("sellerId") or state.config.seller_id)
    if not isinstance(asin, str) or not asin:
        return JSONResponse({"error": "asin is required"}, status_code=400)
    ctx = OperationContext("admin.offerChange", new_request_id(), state, None)
    listings = pricing.own_listings(ctx, marketplace, asin=asin)
    if not listings:
        return JSONResponse({"error": f"the seller has no offer on {asin}"}, status_code=404)
    if body.get("price") is not None:
        try:
            price = float(body["price"])
        except (TypeError, ValueError):
            return JSONResponse({"error": "price must be a number"}, status_code=400)
        for listing in listings:
            state.data.update_listing(str(listing["sku"]), price=f"{price:.2f}")
    payload = pricing.any_offer_changed(ctx, marketplace, asin, condition, iso(emulator_now(state)))
    if payload is None:
        return JSONResponse({"error": f"the seller has no offer on {asin}"}, status_code=404)
    payload["SellerId"] = seller
    queued = emit(state, seller, "ANY_OFFER_CHANGED", payload)
    if queued:
        await flush(state)
    return JSONResponse({"queued": queued, "notification": payload})


async def published(request: Request) -> Response:
    ns = notifications_state(get_state(request))
    return JSONResponse(
        {"published": ns.published, "queued": len(ns.outbox), "dropped": ns.dropped}
    )


async def flush_now(request: Request) -> Response:
    state = get_state(request)
    tick(state)
    sent = await flush(state)
    return JSONResponse({"sent": sent, "queued": len(notifications_state(state).outbox)})


routes: list[BaseRoute] = [
    Route(f"{BASE}/destinations", get_destinations, methods=["GET"]),
    Route(f"{BASE}/destinations", create_destination, methods=["POST"]),
    Route(f"{BASE}/destinations/{{destinationId}}", get_destination, methods=["GET"]),
    Route(f"{BASE}/destinations/{{destinationId}}", delete_destination, methods=["DELETE"]),
    Route(f"{BASE}/subscriptions", get_subscriptions, methods=["GET"]),
    Route(
        f"{BASE}/subscriptions/{{notificationType}}/testNotification",
        send_test_notification,
        methods=["POST"],
    ),
    Route(f"{BASE}/subscriptions/{{notificationType}}", get_subscription, methods=["GET"]),
    Route(f"{BASE}/subscriptions/{{notificationType}}", create_subscription, methods=["POST"]),
    Route(
        f"{BASE}/subscriptions/{{notificationType}}/{{subscriptionId}}",
        get_subscription_by_id,
        methods=["GET"],
    ),
    Route(
        f"{BASE}/subscriptions/{{notificationType}}/{{subscriptionId}}",
        delete_subscription_by_id,
        methods=["DELETE"],
    ),
]

admin_routes: list[BaseRoute] = [
    Route("/_emulator/notifications", published, methods=["GET"]),
    Route("/_emulator/notifications/flush", flush_now, methods=["POST"]),
    Route("/_emulator/notifications/offer-change", offer_change, methods=["POST"]),
]
