"""Who is calling, decided from the parameters alone (no I/O).

Order of checks, each with the error MWS gave: required parameters, signature method and
version, the access key, the signature (every candidate host/path line), the Timestamp or
Expires window, then the seller the key must be allowed to act for and its MWSAuthToken.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from gateway.mws import signature
from gateway.mws.credentials import PLACEHOLDER_TOKENS, AuthPolicy, Identity
from gateway.mws.errors import MwsError
from gateway.mws.timestamps import parse_iso8601


def fingerprint(secret_value: str) -> str:
    """A short, non-reversible tag for a token, safe for logs."""
    return "sha256:" + hashlib.sha256(secret_value.encode("utf-8")).hexdigest()[:12]


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise MwsError("MissingParameter", f"The request must contain the parameter {name}.")
    return value


def check_time_window(
    params: Mapping[str, str],
    now: datetime,
    skew: timedelta,
    max_expires: timedelta | None = None,
) -> None:
    expires = params.get("Expires")
    stamp = params.get("Timestamp")
    if not stamp and not expires:
        raise MwsError("MissingParameter", "The request must contain the parameter Timestamp.")
    if stamp:
        try:
            when = parse_iso8601(stamp)
        except ValueError:
            raise MwsError(
                "InvalidParameterValue", f"Timestamp {stamp[:64]} must be in ISO8601 format"
            ) from None
        if when < now - skew:
            raise MwsError(
                "RequestExpired",
                "Request signature is too far in the past and has expired. "
                f"Timestamp date: {stamp[:64]}",
            )
        if when > now + skew:
            raise MwsError(
                "RequestExpired",
                f"Request signature is too far in the future. Timestamp date: {stamp[:64]}",
            )
    if expires:
        try:
            until = parse_iso8601(expires)
        except ValueError:
            raise MwsError(
                "InvalidParameterValue", f"Expires {expires[:64]} must be in ISO8601 format"
            ) from None
        if until < now:
            raise MwsError("RequestExpired", f"Request has expired. Expires date: {expires[:64]}")
        if max_expires is not None and until > now + max_expires:
            raise MwsError(
                "InvalidParameterValue",
                f"Expires {expires[:64]} is too far in the future: a signed request may be valid "
                f"for at most {int(max_expires.total_seconds())} seconds.",
            )


def authenticate(
    *,
    params: Mapping[str, str],
    method: str,
    path: str,
    host_header: str,
    seller_params: Sequence[str],
    policy: AuthPolicy,
    now: datetime,
) -> Identity:
    key_id = _required(params, "AWSAccessKeyId")
    provided = _required(params, "Signature")
    version = _required(params, "SignatureVersion")
    if version != "2":
        raise MwsError(
            "InvalidParameterValue", f"SignatureVersion {version[:16]} is not valid; use 2."
        )
    algorithm = _required(params, "SignatureMethod")
    if algorithm not in signature.ALGORITHMS:
        raise MwsError(
            "InvalidParameterValue",
            f"SignatureMethod {algorithm[:32]} is not valid; use HmacSHA256 or HmacSHA1.",
        )
    key = policy.access_keys.get(key_id)
    if key is None:
        raise MwsError("InvalidAccessKeyId")
    paths = [path] if path == "/" else [path, "/"]
    if not signature.verify(
        secret=key.secret,
        signature=provided,
        algorithm=algorithm,
        method=method,
        hosts=signature.host_candidates(host_header, policy.public_hosts),
        paths=paths,
        params=params,
    ):
        raise MwsError("SignatureDoesNotMatch")
    check_time_window(
        params,
        now,
        timedelta(seconds=policy.timestamp_skew_seconds),
        timedelta(seconds=policy.max_expires_seconds),
    )

    seller_id = None
    for name in seller_params:
        if params.get(name):
            seller_id = params[name]
            break
    if not seller_id:
        raise MwsError("InvalidParameterValue", f"Missing required parameter {seller_params[0]}.")
    grant = key.grants.get(seller_id)
    if grant is None:
        raise MwsError(
            "AccessDenied", f"Access denied: the key may not act for seller {seller_id[:32]}."
        )
    token = params.get("MWSAuthToken")
    if token is not None and token.strip().lower() in PLACEHOLDER_TOKENS:
        token = None
    if grant.mws_auth_token is not None:
        if token is None:
            raise MwsError("AccessDenied", "Missing required MWSAuthToken for Seller.")
        if not hmac.compare_digest(token.encode(), grant.mws_auth_token.encode()):
            raise MwsError("AccessDenied", "The MWSAuthToken is not valid for this seller.")
    return Identity(
        access_key_id=key_id,
        seller_id=seller_id,
        mws_auth_token_fingerprint=fingerprint(token) if token else None,
        marketplaces=policy.seller_marketplaces.get(seller_id, ()),
    )
