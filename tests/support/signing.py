"""Signing MWS requests in tests, independent of the gateway's own verifier.

The canonicalisation here is written from the MWS developer guide's rules with the
standard library only, so a bug in ``gateway.mws.signature`` cannot hide behind itself;
``tests/core/test_signature.py`` additionally cross-checks against the legacy clients' own
signing code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import quote

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def oracle_signature(
    secret: str, method: str, host: str, path: str, params: Mapping[str, str], algo: str
) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs)
    message = f"{method}\n{host.lower()}\n{path or '/'}\n{query}"
    digestmod = hashlib.sha256 if algo == "HmacSHA256" else hashlib.sha1
    mac = hmac.new(secret.encode(), message.encode(), digestmod)
    return base64.b64encode(mac.digest()).decode()


def now_timestamp(offset_seconds: float = 0.0) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + offset_seconds))


def signed_params(
    action: str,
    version: str,
    path: str,
    params: Mapping[str, str] | None = None,
    *,
    host: str = "testserver",
    method: str = "GET",
    access_key: str = DEMO_ACCESS_KEY,
    secret: str = DEMO_SECRET,
    seller: str | None = DEMO_SELLER,
    seller_param: str = "SellerId",
    algorithm: str = "HmacSHA256",
    timestamp: str | None = None,
) -> dict[str, str]:
    full: dict[str, str] = {
        "AWSAccessKeyId": access_key,
        "Action": action,
        "SignatureMethod": algorithm,
        "SignatureVersion": "2",
        "Version": version,
    }
    if timestamp is not None:
        if timestamp:
            full["Timestamp"] = timestamp
    else:
        full["Timestamp"] = now_timestamp()
    if seller is not None:
        full[seller_param] = seller
    full.update(params or {})
    full["Signature"] = oracle_signature(secret, method, host, path, full, algorithm)
    return full


def encode(params: Mapping[str, str]) -> str:
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in params.items())
