"""Who may call: MWS access keys, their seller grants, and the identity a request proves.

Plain values, free of I/O: :mod:`gateway.config` builds them from the configuration file,
:mod:`gateway.mws.authenticate` checks a request against an :class:`AuthPolicy` and answers
an :class:`Identity`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# MWSAuthToken values that libraries send when the caller set none: treated as absent.
PLACEHOLDER_TOKENS = frozenset({"", "none", "null", "undefined", "nil"})


@dataclass(frozen=True)
class Grant:
    """An access key's right to act for one seller."""

    seller_id: str
    mws_auth_token: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AccessKey:
    access_key_id: str
    secret: str = field(repr=False)
    grants: Mapping[str, Grant] = field(default_factory=dict)


@dataclass(frozen=True)
class AuthPolicy:
    """What authentication needs to know, fixed at start-up."""

    access_keys: Mapping[str, AccessKey]
    seller_marketplaces: Mapping[str, tuple[str, ...]]  # seller id -> marketplaces, default first
    public_hosts: tuple[str, ...] = ()  # host names clients may have signed for
    timestamp_skew_seconds: int = 15 * 60
    max_expires_seconds: int = 15 * 60  # the furthest future Expires accepted


@dataclass(frozen=True)
class Identity:
    """Who is calling: the verified access key and the seller it acts for."""

    access_key_id: str
    seller_id: str
    mws_auth_token_fingerprint: str | None  # never the token itself
    marketplaces: tuple[str, ...]  # the seller's configured marketplaces, default first
