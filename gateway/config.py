"""Settings and the credential store, loaded and validated once at start-up.

Sources, later ones winning: built-in defaults, the demo profile (``--demo``), a YAML config
file (``MWS_GATEWAY_CONFIG`` or ``--config``; ``${VAR}`` in values is replaced from the
environment so secrets can live in Kubernetes Secrets), then ``MWS_GATEWAY_*`` variables.
Any problem raises :class:`ConfigError` with a message naming the setting.

Config file shape::

    public_hosts: [mws-gateway.example.com]
    quotas: mws                      # or "off"
    upstream: {mode: production}     # production | sandbox | emulator
    inbound: {wait_seconds: 12, ship_from_phone: "+1 206 555 0100"}
    access_keys:
      AKIA...:
        secret: ${MWS_SECRET_1}
        sellers:
          A1SELLER: {mws_auth_token: ${MWS_AUTH_TOKEN_1}}   # token optional
    sellers:
      A1SELLER:
        marketplaces: [ATVPDKIKX0DER]
        lwa: {client_id: ..., client_secret: ${LWA_SECRET}, refresh_token: ${REFRESH}}

Notifications (Subscriptions section and the bridge, see gateway/notifications/)::

    notifications:
      sqs_endpoint: http://127.0.0.1:5000    # MWS_GATEWAY_SQS_ENDPOINT; default AWS's regional
      region: us-east-1                      # AWS_REGION / AWS_DEFAULT_REGION
      source_queue_url: https://sqs.us-east-1.amazonaws.com/123456789012/mws-gateway-notifications
      dead_letter_queue_url: https://sqs.us-east-1.amazonaws.com/123456789012/mws-gateway-dlq
      bridge: {in_process: false, wait_seconds: 10, visibility_timeout: 60}

The source queue is the SP-API destination the gateway registers; the bridge turns what
arrives there into MWS XML for the legacy queues. Without a source queue the Subscriptions
operations answer an explicit error. With ``--demo`` and an SQS endpoint, the gateway creates
both queues on that server and runs the bridge in-process.

MWSAuthToken handling: a seller grant with a configured token requires that exact token
(``AccessDenied`` otherwise). Without a configured token any token is ignored, and the
placeholder values some clients send when none is set (empty, ``None``, ``null``,
``undefined``) always count as "no token".
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gateway.mws.credentials import AccessKey, AuthPolicy, Grant

DEMO_ACCESS_KEY = "AKIAEXAMPLEGATEWAY"
DEMO_SECRET = "gateway-test-secret"  # noqa: S105 - the documented demo credential
DEMO_SELLER = "A1EXAMPLESELLER"
DEMO_MARKETPLACE = "ATVPDKIKX0DER"
DEMO_LWA_CLIENT_ID = "amzn1.application-oa2-client.demo"
DEMO_LWA_CLIENT_SECRET = "demo-lwa-secret"  # noqa: S105
DEMO_REFRESH_TOKEN = "Atzr|demo-refresh-token"  # noqa: S105
DEMO_SHIP_FROM_PHONE = "+1 206 555 0100"

PRODUCTION_ENDPOINTS = {
    "na": "https://sellingpartnerapi-na.amazon.com",
    "eu": "https://sellingpartnerapi-eu.amazon.com",
    "fe": "https://sellingpartnerapi-fe.amazon.com",
}
SANDBOX_ENDPOINTS = {
    "na": "https://sandbox.sellingpartnerapi-na.amazon.com",
    "eu": "https://sandbox.sellingpartnerapi-eu.amazon.com",
    "fe": "https://sandbox.sellingpartnerapi-fe.amazon.com",
}
LWA_URL = "https://api.amazon.com/auth/o2/token"


class ConfigError(Exception):
    """The configuration is unusable; the message names the setting at fault."""


@dataclass(frozen=True)
class LwaCredentials:
    client_id: str
    client_secret: str = field(repr=False)
    refresh_token: str = field(repr=False)


@dataclass(frozen=True)
class SellerConfig:
    seller_id: str
    marketplaces: tuple[str, ...]
    lwa: LwaCredentials | None


@dataclass(frozen=True)
class UpstreamSettings:
    mode: str = "production"  # production | sandbox | emulator
    endpoints: Mapping[str, str] = field(default_factory=lambda: dict(PRODUCTION_ENDPOINTS))
    lwa_url: str = LWA_URL
    timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 3.0
    retry_budget_seconds: float = 20.0
    max_attempts: int = 4


@dataclass(frozen=True)
class Limits:
    max_query_bytes: int = 16 * 1024
    max_form_bytes: int = 1024 * 1024
    max_document_bytes: int = 64 * 1024 * 1024
    max_parameters: int = 512
    timestamp_skew_seconds: int = 15 * 60
    # How far ahead a signed Expires may lie (a URL valid for a year is a standing credential).
    max_expires_seconds: int = 15 * 60
    # Enforced by the HTTP protocol while the request head is read (gateway/server.py).
    max_request_line_bytes: int = 32 * 1024
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100


@dataclass(frozen=True)
class InboundSettings:
    """FulfillmentInboundShipment on Fulfillment Inbound 2024-03-20 (``inbound:`` in the file).

    ``wait_seconds``: how long one MWS call waits for Amazon's asynchronous operations before it
    answers 503 ServiceUnavailable (the client's retry resumes the same work); it is also capped
    by ``upstream.retry_budget_seconds``. ``plan_retry_window_seconds``: how long an identical
    CreateInboundShipmentPlan counts as a retry of the last one (same answer, no new plan) while
    none of its shipments was created. ``ship_from_phone``: the phone number Amazon requires on
    a ship-from address, which MWS addresses lack (a ``ShipFromAddress.PhoneNumber`` parameter
    wins)."""

    wait_seconds: float = 12.0
    plan_retry_window_seconds: float = 3600.0
    ship_from_phone: str | None = None


@dataclass(frozen=True)
class BridgeSettings:
    in_process: bool = False  # run the bridge inside the gateway (demo)
    wait_seconds: int = 10  # SQS long poll
    batch_size: int = 10  # messages per ReceiveMessage (SQS allows 1-10)
    visibility_timeout: int = 60  # seconds a received message stays hidden while worked on
    max_backoff_seconds: int = 900  # cap of the retry delay while a legacy queue is down
    delivered_retention_days: int = 14  # how long delivered notification ids are kept
    metrics_port: int = 9102  # /metrics and /healthz of `mws-gateway bridge`


@dataclass(frozen=True)
class NotificationSettings:
    sqs_endpoint: str | None = None  # None: AWS's regional endpoint
    region: str = "us-east-1"
    source_queue_url: str | None = None  # the SP-API destination, read by the bridge
    dead_letter_queue_url: str | None = None  # what the bridge cannot render goes here
    destination_name: str = "mws-gateway"  # the SP-API destination's name
    create_queues: bool = False  # create the source queue and the DLQ by name (demo)
    source_queue_name: str = "mws-gateway-notifications"
    dead_letter_queue_name: str = "mws-gateway-notifications-dead-letter"
    verify_destinations: bool = True  # RegisterDestination checks the legacy queue exists
    bridge: BridgeSettings = field(default_factory=BridgeSettings)

    @property
    def enabled(self) -> bool:
        """Whether the Subscriptions section can work (a source queue is known)."""
        return bool(self.source_queue_url) or self.create_queues


@dataclass(frozen=True)
class Settings:
    access_keys: Mapping[str, AccessKey]
    sellers: Mapping[str, SellerConfig]
    upstream: UpstreamSettings = field(default_factory=UpstreamSettings)
    limits: Limits = field(default_factory=Limits)
    public_hosts: tuple[str, ...] = ()
    quotas: str = "mws"  # mws | off
    redis_url: str | None = None
    database_url: str | None = None
    data_dir: Path = Path("var")
    mappings_dir: Path | None = None
    token_key: bytes = field(default=b"", repr=False)  # HMAC key for NextTokens
    # SubmitFeed: how long an identical resubmission counts as a retry of the latest feed of its
    # type (answered with the first FeedSubmissionId, nothing sent again); 0 turns this off.
    feed_retry_window_seconds: float = 600.0
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    # Orders seen in searchOrders/getOrder answers are reused this long (0: off) -- buyer data,
    # so short; sealed when the cache is in Redis.
    order_cache_seconds: float = 300.0
    order_cache_max_entries: int = 20000
    # Reports a listing shows done are downloaded ahead into the report cache (GetReport next).
    report_prefetch: bool = True
    # A report or feed still in progress: repeated status polls within this are answered from
    # the last getReport/getFeed (0, the default: every poll asks SP-API). Finished ones are
    # always answered from the last getReport/getFeed: they no longer change.
    status_poll_seconds: float = 0.0
    # False: no token_key was configured and the key above is random for this process
    # (``serve`` outside --demo then persists one in data_dir, see gateway/tokenkey.py).
    token_key_configured: bool = False
    inbound: InboundSettings = field(default_factory=InboundSettings)
    demo: bool = False
    embedded_emulator: bool = False  # run the SP-API emulator in-process (demo mode)
    log_level: str = "info"
    host: str = "127.0.0.1"
    port: int = 8080
    header_timeout_seconds: float = 10.0  # a request head must arrive within this
    shutdown_delay_seconds: float = 1.0  # after SIGTERM: /readyz 503, still accepting
    shutdown_grace_seconds: float = 20.0  # then: in-flight requests may finish for this long

    def auth_policy(self) -> AuthPolicy:
        return AuthPolicy(
            access_keys=self.access_keys,
            seller_marketplaces={s.seller_id: s.marketplaces for s in self.sellers.values()},
            public_hosts=self.public_hosts,
            timestamp_skew_seconds=self.limits.timestamp_skew_seconds,
            max_expires_seconds=self.limits.max_expires_seconds,
        )

    def seller(self, seller_id: str) -> SellerConfig:
        try:
            return self.sellers[seller_id]
        except KeyError:
            raise ConfigError(f"seller {seller_id!r} is not configured") from None


_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value: Any, env: Mapping[str, str], where: str) -> Any:
    if isinstance(value, str):

        def sub(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in env:
                raise ConfigError(f"{where}: environment variable {name} is not set")
            return env[name]

        return _ENV_REF.sub(sub, value)
    if isinstance(value, dict):
        return {k: _expand(v, env, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(v, env, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _demo_document() -> dict[str, Any]:
    return {
        "upstream": {"mode": "emulator"},
        "access_keys": {
            DEMO_ACCESS_KEY: {"secret": DEMO_SECRET, "sellers": {DEMO_SELLER: {}}},
        },
        "inbound": {"ship_from_phone": DEMO_SHIP_FROM_PHONE},
        "sellers": {
            DEMO_SELLER: {
                "marketplaces": [DEMO_MARKETPLACE, "A2EUQ1WTGCTBG2"],
                "lwa": {
                    "client_id": DEMO_LWA_CLIENT_ID,
                    "client_secret": DEMO_LWA_CLIENT_SECRET,
                    "refresh_token": DEMO_REFRESH_TOKEN,
                },
            }
        },
    }


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _str(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where}: must be a non-empty string")
    return value


def settings_from_document(doc: Mapping[str, Any], *, demo: bool = False) -> Settings:
    """Validate a (merged, expanded) config document into :class:`Settings`."""
    sellers: dict[str, SellerConfig] = {}
    for seller_id, raw in (doc.get("sellers") or {}).items():
        where = f"sellers.{seller_id}"
        raw = raw or {}
        markets = tuple(raw.get("marketplaces") or ())
        if not markets:
            raise ConfigError(f"{where}.marketplaces: at least one marketplace id is needed")
        lwa = None
        if raw.get("lwa"):
            lraw = raw["lwa"]
            lwa = LwaCredentials(
                client_id=_str(lraw.get("client_id"), f"{where}.lwa.client_id"),
                client_secret=_str(lraw.get("client_secret"), f"{where}.lwa.client_secret"),
                refresh_token=_str(lraw.get("refresh_token"), f"{where}.lwa.refresh_token"),
            )
        sellers[seller_id] = SellerConfig(seller_id, markets, lwa)

    keys: dict[str, AccessKey] = {}
    for key_id, raw in (doc.get("access_keys") or {}).items():
        where = f"access_keys.{key_id}"
        raw = raw or {}
        grants: dict[str, Grant] = {}
        for seller_id, graw in (raw.get("sellers") or {}).items():
            if seller_id not in sellers:
                raise ConfigError(f"{where}.sellers.{seller_id}: seller is not configured")
            token = (graw or {}).get("mws_auth_token")
            grants[seller_id] = Grant(seller_id, str(token) if token else None)
        if not grants:
            raise ConfigError(f"{where}.sellers: the key must be allowed at least one seller")
        keys[key_id] = AccessKey(key_id, _str(raw.get("secret"), f"{where}.secret"), grants)
    if not keys:
        raise ConfigError(
            "no MWS access keys configured: set MWS_GATEWAY_CONFIG, the "
            "MWS_GATEWAY_ACCESS_KEY_ID/SECRET_KEY/SELLER_ID variables, or use --demo"
        )

    up = doc.get("upstream") or {}
    mode = up.get("mode", "production")
    if mode not in ("production", "sandbox", "emulator"):
        raise ConfigError("upstream.mode: must be production, sandbox or emulator")
    default_endpoints: dict[str, str] = {
        "production": PRODUCTION_ENDPOINTS,
        "sandbox": SANDBOX_ENDPOINTS,
        "emulator": {},
    }[mode]
    endpoints = dict(default_endpoints) | dict(up.get("endpoints") or {})
    emulator_url = up.get("emulator_url")
    embedded = False
    if mode == "emulator":
        if emulator_url:
            endpoints = {r: str(emulator_url) for r in ("na", "eu", "fe")}
        else:
            embedded = True
            endpoints = {r: "http://emulator.invalid" for r in ("na", "eu", "fe")}
    lwa_url = up.get("lwa_url") or (
        f"{endpoints['na']}/auth/o2/token" if mode == "emulator" else LWA_URL
    )
    try:
        upstream = UpstreamSettings(
            mode=mode,
            endpoints=endpoints,
            lwa_url=lwa_url,
            timeout_seconds=float(up.get("timeout_seconds", 10.0)),
            connect_timeout_seconds=float(up.get("connect_timeout_seconds", 3.0)),
            retry_budget_seconds=float(up.get("retry_budget_seconds", 20.0)),
            max_attempts=int(up.get("max_attempts", 4)),
        )
        lraw = doc.get("limits") or {}
        limits = Limits(**{k: int(v) for k, v in lraw.items()})
        port = int(doc.get("port", 8080))
        timeouts = {
            name: float(doc.get(name, getattr(Settings, name)))
            for name in (
                "header_timeout_seconds",
                "shutdown_delay_seconds",
                "shutdown_grace_seconds",
            )
        }
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid number in configuration: {exc}") from None
    for name in ("max_request_line_bytes", "max_header_bytes", "max_headers"):
        if getattr(limits, name) < 1:
            raise ConfigError(f"limits.{name}: must be at least 1")
    if limits.max_request_line_bytes <= limits.max_query_bytes:
        raise ConfigError(
            "limits.max_request_line_bytes: must exceed limits.max_query_bytes "
            f"({limits.max_query_bytes}), or long queries never reach the query check"
        )
    if timeouts["header_timeout_seconds"] <= 0:
        raise ConfigError("header_timeout_seconds: must be more than 0")
    for name in ("shutdown_delay_seconds", "shutdown_grace_seconds"):
        if timeouts[name] < 0:
            raise ConfigError(f"{name}: must not be negative")

    quotas = str(doc.get("quotas", "mws"))
    if quotas not in ("mws", "off"):
        raise ConfigError("quotas: must be 'mws' or 'off'")
    token_key_text = doc.get("token_key")
    token_key = (
        hashlib.sha256(str(token_key_text).encode()).digest()
        if token_key_text
        else secrets.token_bytes(32)
    )
    mappings_dir = doc.get("mappings_dir")
    notifications = _notifications(doc, demo=demo)
    return Settings(
        access_keys=keys,
        sellers=sellers,
        upstream=upstream,
        limits=limits,
        public_hosts=tuple(str(h).lower() for h in doc.get("public_hosts") or ()),
        quotas=quotas,
        redis_url=doc.get("redis_url") or None,
        database_url=doc.get("database_url") or None,
        data_dir=Path(str(doc.get("data_dir", "var"))),
        mappings_dir=Path(str(mappings_dir)) if mappings_dir else None,
        token_key=token_key,
        feed_retry_window_seconds=_feed_window(doc),
        notifications=notifications,
        order_cache_seconds=_seconds(doc, "order_cache", "seconds", 300),
        order_cache_max_entries=int(_seconds(doc, "order_cache", "max_entries", 20000)),
        report_prefetch=str(doc.get("report_prefetch", True)).lower() not in _OFF,
        status_poll_seconds=_seconds(doc, "status_poll", "seconds", 0),
        token_key_configured=bool(token_key_text),
        inbound=_inbound(doc),
        demo=demo,
        embedded_emulator=embedded,
        log_level=str(doc.get("log_level", "info")),
        host=str(doc.get("host", "127.0.0.1")),
        port=port,
        **timeouts,
    )


_ENV_SCALARS = {
    "MWS_GATEWAY_PORT": "port",
    "MWS_GATEWAY_HOST": "host",
    "MWS_GATEWAY_QUOTAS": "quotas",
    "MWS_GATEWAY_REDIS_URL": "redis_url",
    "MWS_GATEWAY_DATABASE_URL": "database_url",
    "MWS_GATEWAY_DATA_DIR": "data_dir",
    "MWS_GATEWAY_MAPPINGS_DIR": "mappings_dir",
    "MWS_GATEWAY_LOG_LEVEL": "log_level",
    "MWS_GATEWAY_TOKEN_KEY": "token_key",
    "MWS_GATEWAY_HEADER_TIMEOUT_SECONDS": "header_timeout_seconds",
    "MWS_GATEWAY_SHUTDOWN_DELAY_SECONDS": "shutdown_delay_seconds",
    "MWS_GATEWAY_SHUTDOWN_GRACE_SECONDS": "shutdown_grace_seconds",
}
_ENV_LIMITS = {
    "MWS_GATEWAY_MAX_REQUEST_LINE_BYTES": "max_request_line_bytes",
    "MWS_GATEWAY_MAX_HEADER_BYTES": "max_header_bytes",
    "MWS_GATEWAY_MAX_HEADERS": "max_headers",
}


_OFF = ("0", "false", "no", "off")


def _seconds(doc: Mapping[str, Any], group: str, name: str, default: float) -> float:
    raw = (doc.get(group) or {}).get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{group}.{name}: must be a number") from None
    if value < 0:
        raise ConfigError(f"{group}.{name}: must not be negative")
    return value


def _feed_window(doc: Mapping[str, Any]) -> float:
    raw = (doc.get("feeds") or {}).get("retry_window_seconds", 600)
    try:
        window = float(raw)
    except (TypeError, ValueError):
        raise ConfigError("feeds.retry_window_seconds: must be a number of seconds") from None
    if window < 0:
        raise ConfigError("feeds.retry_window_seconds: must not be negative (0 turns it off)")
    return window


_QUEUE_URL = re.compile(r"^https?://[^/\s]+/[^/\s]+/[^/\s]+$")


def _notifications(doc: Mapping[str, Any], *, demo: bool) -> NotificationSettings:
    raw = doc.get("notifications") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError("notifications: must be a mapping")
    where = "notifications"
    endpoint = raw.get("sqs_endpoint") or None
    if endpoint is not None and not re.match(r"^https?://[^/\s]+", str(endpoint)):
        raise ConfigError(f"{where}.sqs_endpoint: must be an http(s) URL")
    for key in ("source_queue_url", "dead_letter_queue_url"):
        value = raw.get(key)
        if value and not _QUEUE_URL.match(str(value)):
            raise ConfigError(
                f"{where}.{key}: must be an SQS queue URL (scheme://host/account/name)"
            )
    create = raw.get("create_queues")
    if create is None:  # the demo creates its queues on the SQS server it is pointed at
        create = demo and endpoint is not None and not raw.get("source_queue_url")
    braw = raw.get("bridge") or {}
    if not isinstance(braw, Mapping):
        raise ConfigError(f"{where}.bridge: must be a mapping")
    in_process = braw.get("in_process")
    if in_process is None:
        in_process = demo and bool(create)
    try:
        bridge = BridgeSettings(
            in_process=_flag(in_process, f"{where}.bridge.in_process"),
            wait_seconds=int(braw.get("wait_seconds", 10)),
            batch_size=int(braw.get("batch_size", 10)),
            visibility_timeout=int(braw.get("visibility_timeout", 60)),
            max_backoff_seconds=int(braw.get("max_backoff_seconds", 900)),
            delivered_retention_days=int(braw.get("delivered_retention_days", 14)),
            metrics_port=int(braw.get("metrics_port", 9102)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}.bridge: invalid number: {exc}") from None
    if not 0 <= bridge.wait_seconds <= 20:
        raise ConfigError(f"{where}.bridge.wait_seconds: SQS allows 0 to 20")
    if not 1 <= bridge.batch_size <= 10:
        raise ConfigError(f"{where}.bridge.batch_size: SQS allows 1 to 10")
    if not 1 <= bridge.visibility_timeout <= 43200:
        raise ConfigError(f"{where}.bridge.visibility_timeout: SQS allows 1 to 43200 seconds")
    if bridge.max_backoff_seconds < 1 or bridge.delivered_retention_days < 1:
        raise ConfigError(f"{where}.bridge: backoff and retention must be positive")
    return NotificationSettings(
        sqs_endpoint=str(endpoint).rstrip("/") if endpoint else None,
        region=str(raw.get("region") or "us-east-1"),
        source_queue_url=str(raw["source_queue_url"]) if raw.get("source_queue_url") else None,
        dead_letter_queue_url=(
            str(raw["dead_letter_queue_url"]) if raw.get("dead_letter_queue_url") else None
        ),
        destination_name=str(raw.get("destination_name") or "mws-gateway"),
        create_queues=_flag(create, f"{where}.create_queues"),
        source_queue_name=str(raw.get("source_queue_name") or "mws-gateway-notifications"),
        dead_letter_queue_name=str(
            raw.get("dead_letter_queue_name") or "mws-gateway-notifications-dead-letter"
        ),
        verify_destinations=_flag(raw.get("verify_destinations", True), f"{where}.verify"),
        bridge=bridge,
    )


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "false", "0", "no"):
        return value.lower() in ("true", "1", "yes")
    raise ConfigError(f"{where}: must be true or false")


def _inbound(doc: Mapping[str, Any]) -> InboundSettings:
    raw = doc.get("inbound") or {}
    if not isinstance(raw, Mapping):
        raise ConfigError("inbound: must be a mapping")
    values: dict[str, float] = {}
    for key in ("wait_seconds", "plan_retry_window_seconds"):
        if key not in raw:
            continue
        try:
            values[key] = float(raw[key])
        except (TypeError, ValueError):
            raise ConfigError(f"inbound.{key}: must be a number of seconds") from None
        if values[key] < 0:
            raise ConfigError(f"inbound.{key}: must not be negative")
    phone = raw.get("ship_from_phone")
    if phone is not None and (not isinstance(phone, str) or len(phone) > 20):
        raise ConfigError("inbound.ship_from_phone: must be a phone number of 1 to 20 characters")
    return InboundSettings(**values, ship_from_phone=phone or None)


def _env_document(env: Mapping[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for var, key in _ENV_SCALARS.items():
        if env.get(var):
            doc[key] = env[var]
    if env.get("MWS_GATEWAY_REPORT_PREFETCH"):
        doc["report_prefetch"] = env["MWS_GATEWAY_REPORT_PREFETCH"]
    if env.get("MWS_GATEWAY_ORDER_CACHE_SECONDS"):
        doc["order_cache"] = {"seconds": env["MWS_GATEWAY_ORDER_CACHE_SECONDS"]}
    if env.get("MWS_GATEWAY_FEED_RETRY_WINDOW"):
        doc["feeds"] = {"retry_window_seconds": env["MWS_GATEWAY_FEED_RETRY_WINDOW"]}
    notes: dict[str, Any] = {}
    if env.get("MWS_GATEWAY_SQS_ENDPOINT"):
        notes["sqs_endpoint"] = env["MWS_GATEWAY_SQS_ENDPOINT"]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        notes["region"] = region
    if env.get("MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL"):
        notes["source_queue_url"] = env["MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL"]
    if env.get("MWS_GATEWAY_NOTIFICATIONS_DLQ_URL"):
        notes["dead_letter_queue_url"] = env["MWS_GATEWAY_NOTIFICATIONS_DLQ_URL"]
    bridge_env = {
        "MWS_GATEWAY_BRIDGE_IN_PROCESS": "in_process",
        "MWS_GATEWAY_BRIDGE_WAIT_SECONDS": "wait_seconds",
        "MWS_GATEWAY_BRIDGE_VISIBILITY_TIMEOUT": "visibility_timeout",
        "MWS_GATEWAY_BRIDGE_METRICS_PORT": "metrics_port",
    }
    bridge = {key: env[var] for var, key in bridge_env.items() if env.get(var)}
    if bridge:
        notes["bridge"] = bridge
    if notes:
        doc["notifications"] = notes
    for var, key in _ENV_LIMITS.items():
        if env.get(var):
            doc.setdefault("limits", {})[key] = env[var]
    for var, key in (
        ("MWS_GATEWAY_INBOUND_WAIT_SECONDS", "wait_seconds"),
        ("MWS_GATEWAY_INBOUND_PLAN_RETRY_WINDOW", "plan_retry_window_seconds"),
        ("MWS_GATEWAY_INBOUND_SHIP_FROM_PHONE", "ship_from_phone"),
    ):
        if env.get(var):
            doc.setdefault("inbound", {})[key] = env[var]
    if env.get("MWS_GATEWAY_PUBLIC_HOST"):
        doc["public_hosts"] = [h.strip() for h in env["MWS_GATEWAY_PUBLIC_HOST"].split(",")]
    if env.get("MWS_GATEWAY_UPSTREAM"):
        doc.setdefault("upstream", {})["mode"] = env["MWS_GATEWAY_UPSTREAM"]
    if env.get("MWS_GATEWAY_EMULATOR_URL"):
        doc.setdefault("upstream", {}).update(
            {"mode": "emulator", "emulator_url": env["MWS_GATEWAY_EMULATOR_URL"]}
        )
    key_id = env.get("MWS_GATEWAY_ACCESS_KEY_ID")
    if key_id:
        seller = env.get("MWS_GATEWAY_SELLER_ID", "")
        doc["access_keys"] = {
            key_id: {
                "secret": env.get("MWS_GATEWAY_SECRET_KEY", ""),
                "sellers": {seller: {"mws_auth_token": env.get("MWS_GATEWAY_MWS_AUTH_TOKEN")}},
            }
        }
        seller_doc: dict[str, Any] = {
            "marketplaces": [
                m.strip()
                for m in env.get("MWS_GATEWAY_MARKETPLACE_IDS", DEMO_MARKETPLACE).split(",")
            ]
        }
        if env.get("SPAPI_LWA_CLIENT_ID"):
            seller_doc["lwa"] = {
                "client_id": env.get("SPAPI_LWA_CLIENT_ID"),
                "client_secret": env.get("SPAPI_LWA_CLIENT_SECRET"),
                "refresh_token": env.get("SPAPI_REFRESH_TOKEN"),
            }
        doc["sellers"] = {seller: seller_doc}
    return doc


def load_settings(
    *,
    config_file: Path | None = None,
    demo: bool = False,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    env = dict(os.environ if env is None else env)
    doc: dict[str, Any] = _demo_document() if demo else {}
    path = config_file or (
        Path(env["MWS_GATEWAY_CONFIG"]) if env.get("MWS_GATEWAY_CONFIG") else None
    )
    if path is not None:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"config file {path}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {path}: not valid YAML: {exc}") from None
        if not isinstance(raw, dict):
            raise ConfigError(f"config file {path}: must be a mapping")
        doc = _merge(doc, _expand(raw, env, str(path)))
    doc = _merge(doc, _env_document(env))
    if overrides:
        doc = _merge(doc, overrides)
    return settings_from_document(doc, demo=demo)
