"""Issued tokens: LWA access tokens (seller or grantless) and Restricted Data Tokens (RDT)."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

TokenKind = Literal["lwa", "grantless", "rdt"]

DATA_ELEMENTS = frozenset({"buyerInfo", "shippingAddress", "buyerTaxInformation"})

# Restricted operations (method, path template) an RDT may be requested for.
RESTRICTED_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("GET", "/orders/v0/orders"),
    ("GET", "/orders/v0/orders/{orderId}"),
    ("GET", "/orders/v0/orders/{orderId}/orderItems"),
    ("GET", "/orders/v0/orders/{orderId}/buyerInfo"),
    ("GET", "/orders/v0/orders/{orderId}/address"),
    ("GET", "/orders/v0/orders/{orderId}/orderItems/buyerInfo"),
    ("GET", "/orders/v0/orders/{orderId}/regulatedInfo"),
    ("GET", "/mfn/v0/shipments/{shipmentId}"),
    ("DELETE", "/mfn/v0/shipments/{shipmentId}"),
    ("PUT", "/mfn/v0/shipments/{shipmentId}/cancel"),
    ("POST", "/mfn/v0/shipments"),
    ("GET", "/reports/2021-06-30/documents/{reportDocumentId}"),
    ("GET", "/shipping/v1/shipments/{shipmentId}"),
    ("POST", "/easyShip/2022-03-23/packages/bulk"),
    ("GET", "/fba/outbound/brazil/v0/shipments/{shipmentId}"),
    ("GET", "/vendor/directFulfillment/orders/v1/purchaseOrders"),
    ("GET", "/vendor/directFulfillment/orders/v1/purchaseOrders/{purchaseOrderNumber}"),
    ("GET", "/vendor/directFulfillment/shipping/v1/shippingLabels/{purchaseOrderNumber}"),
    ("POST", "/vendor/directFulfillment/shipping/v1/shippingLabels/{purchaseOrderNumber}"),
)

# Operations whose RDT may carry dataElements.
DATA_ELEMENT_TEMPLATES = frozenset(
    {
        "/orders/v0/orders",
        "/orders/v0/orders/{orderId}",
        "/orders/v0/orders/{orderId}/orderItems",
    }
)

# Restricted operations that only accept an RDT for a specific (placeholder-free) path.
SPECIFIC_ONLY_TEMPLATES = frozenset({"/reports/2021-06-30/documents/{reportDocumentId}"})


def _segments(path: str) -> list[str]:
    return [s for s in path.split("/") if s]


def _is_placeholder(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}") and len(segment) > 2


def match_template(template: str, path: str) -> bool:
    """True when `path` (concrete or itself with `{x}` placeholders) fits `template`."""
    t, p = _segments(template), _segments(path)
    if len(t) != len(p):
        return False
    for ts, ps in zip(t, p, strict=True):
        if _is_placeholder(ts):
            if _is_placeholder(ps) and ps != ts:
                return False
            continue
        if ts != ps:
            return False
    return True


def restricted_template(method: str, path: str) -> str | None:
    """The restricted-operation template a requested RDT resource refers to, if any."""
    for t_method, template in RESTRICTED_TEMPLATES:
        if t_method == method and match_template(template, path):
            return template
    return None


@dataclass(frozen=True)
class RestrictedResource:
    method: str
    path: str
    data_elements: frozenset[str] = frozenset()

    def covers(self, method: str, path: str) -> bool:
        """Whether this resource grants `method path` (a concrete request path)."""
        if method.upper() != self.method:
            return False
        r, p = _segments(self.path), _segments(path)
        if len(r) != len(p):
            return False
        return all(_is_placeholder(rs) or rs == ps for rs, ps in zip(r, p, strict=True))


@dataclass(frozen=True)
class TokenInfo:
    token: str
    kind: TokenKind
    client_id: str
    seller_id: str | None
    expires_at: float
    scope: str | None = None
    resources: tuple[RestrictedResource, ...] = ()

    def grant_for(self, method: str, path: str) -> RestrictedResource | None:
        for resource in self.resources:
            if resource.covers(method, path):
                return resource
        return None


@dataclass
class TokenStore:
    """In-memory token registry; lookups drop expired tokens."""

    clock: Callable[[], float]
    _tokens: dict[str, TokenInfo] = field(default_factory=dict)

    def _prune(self) -> None:
        now = self.clock()
        for token in [t for t, info in self._tokens.items() if info.expires_at <= now]:
            del self._tokens[token]

    def issue(
        self,
        kind: TokenKind,
        *,
        client_id: str,
        seller_id: str | None,
        ttl: float,
        scope: str | None = None,
        resources: tuple[RestrictedResource, ...] = (),
    ) -> TokenInfo:
        if len(self._tokens) > 10_000:
            self._prune()
        prefix = {"lwa": "Atza|", "grantless": "Atc|", "rdt": "Atz.sprdt|"}[kind]
        token = prefix + secrets.token_urlsafe(96)
        info = TokenInfo(
            token=token,
            kind=kind,
            client_id=client_id,
            seller_id=seller_id,
            expires_at=self.clock() + ttl,
            scope=scope,
            resources=resources,
        )
        self._tokens[token] = info
        return info

    def lookup(self, token: str | None) -> TokenInfo | None:
        """The live token's info; None for unknown or expired tokens."""
        if not token:
            return None
        info = self._tokens.get(token)
        if info is None:
            return None
        if info.expires_at <= self.clock():
            del self._tokens[token]
            return None
        return info

    def revoke(self, token: str) -> None:
        self._tokens.pop(token, None)

    def expire_all(self) -> None:
        """Make every issued token invalid (tests of token refresh)."""
        self._tokens.clear()

    def __len__(self) -> int:
        return len(self._tokens)
