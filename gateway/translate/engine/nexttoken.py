"""Opaque, tamper-evident, expiring NextTokens that carry resume state.

SP-API and MWS page differently (and some MWS ``...ByNextToken`` calls get nothing but the
token), so the gateway wraps whatever it needs to resume -- an SP-API pagination token, the
order id, an offset, gateway-side filters -- into the NextToken it hands to the client.

Format (URL-safe base64, no padding)::

    version(1) | nonce(12) | ciphertext(n) | mac(16)

The state is compact JSON ``{"k": kind, "e": expiry, "s": state}``, deflated and sealed with
:mod:`gateway.sealing`: encrypted (the state may hold client input such as a BuyerEmail
filter, so the token is opaque, not merely signed) and authenticated over everything before
the MAC. Keys are derived from ``settings.token_key``. Any
failure -- bad base64, wrong MAC, other kind, expired -- raises
``MwsError("NextTokenCorrupted")``; the reason is never echoed to the client.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import zlib
from collections.abc import Mapping
from typing import Any

from gateway.mws.errors import MwsError
from gateway.sealing import MAC_BYTES, NONCE_BYTES, Sealer

VERSION = 1
DEFAULT_TTL_SECONDS = 24 * 3600  # SP-API pagination tokens live 24 h
MAX_TOKEN_CHARS = 8192

__all__ = ["DEFAULT_TTL_SECONDS", "TokenCodec", "decode_token", "encode_token"]


def corrupted() -> MwsError:
    return MwsError("NextTokenCorrupted")


class TokenCodec:
    """Encodes and decodes NextTokens with one secret key."""

    def __init__(self, key: bytes, *, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        if len(key) < 16:
            raise ValueError("the NextToken key must be at least 16 bytes")
        self._sealer = Sealer(key, b"mws-gateway nexttoken")
        self.ttl_seconds = ttl_seconds

    def encode(
        self,
        kind: str,
        state: Mapping[str, Any],
        *,
        now: float | None = None,
        ttl_seconds: int | None = None,
    ) -> str:
        issued = time.time() if now is None else now
        expiry = int(issued + (self.ttl_seconds if ttl_seconds is None else ttl_seconds))
        plain = json.dumps(
            {"k": kind, "e": expiry, "s": dict(state)}, separators=(",", ":"), sort_keys=True
        ).encode("utf-8")
        sealed = self._sealer.seal(zlib.compress(plain, 6), header=bytes([VERSION]))
        return base64.urlsafe_b64encode(sealed).decode("ascii").rstrip("=")

    def decode(self, token: str, kind: str, *, now: float | None = None) -> dict[str, Any]:
        """The state of a token of ``kind``; ``NextTokenCorrupted`` when anything is off."""
        token = token.strip()
        if not token or len(token) > MAX_TOKEN_CHARS:
            raise corrupted()
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise corrupted() from None
        if base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=") != token:
            raise corrupted()  # non-canonical spelling (e.g. changed padding bits)
        if len(raw) < 1 + NONCE_BYTES + MAC_BYTES + 2:
            raise corrupted()
        opened = self._sealer.open(raw, header=bytes([VERSION]))
        if opened is None:
            raise corrupted()
        try:
            plain = zlib.decompress(opened)
            doc = json.loads(plain)
        except (UnicodeDecodeError, ValueError, zlib.error):
            raise corrupted() from None
        if not isinstance(doc, dict) or doc.get("k") != kind or not isinstance(doc.get("s"), dict):
            raise corrupted()
        expiry = doc.get("e")
        current = time.time() if now is None else now
        if not isinstance(expiry, int) or current > expiry:
            raise corrupted()
        state: dict[str, Any] = doc["s"]
        return state


def encode_token(key: bytes, kind: str, state: Mapping[str, Any], **kw: Any) -> str:
    """Shorthand for ``TokenCodec(key).encode(kind, state)``."""
    return TokenCodec(key).encode(kind, state, **kw)


def decode_token(key: bytes, token: str, kind: str, **kw: Any) -> dict[str, Any]:
    """Shorthand for ``TokenCodec(key).decode(token, kind)``."""
    return TokenCodec(key).decode(token, kind, **kw)
