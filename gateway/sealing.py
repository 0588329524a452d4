"""Sealed bytes: encrypted and authenticated with one secret key, free of I/O.

Used for NextTokens (client-visible, so opaque as well as tamper-evident) and for values the
gateway keeps in shared stores that must not hold buyer data in clear (the order cache in
Redis). Standard library only: an HMAC-SHA256 keystream (counter mode over a random nonce)
and a truncated HMAC-SHA256 over nonce and ciphertext. Keys for each use are derived from
the configured secret with a purpose label, so one secret never serves two purposes.

Format: ``nonce(12) | ciphertext(n) | mac(16)``.
"""

from __future__ import annotations

import hashlib
import hmac
import os

NONCE_BYTES = 12
MAC_BYTES = 16


def derive(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, purpose, hashlib.sha256).digest()


def keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest())
    return b"".join(blocks)[:length]


def xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(len(data), "big")


class Sealer:
    """Seals and opens byte strings with keys derived from ``key`` for ``purpose``."""

    def __init__(self, key: bytes, purpose: bytes) -> None:
        if len(key) < 16:
            raise ValueError("the sealing key must be at least 16 bytes")
        self._enc = derive(key, purpose + b" enc")
        self._mac = derive(key, purpose + b" mac")

    def seal(self, plain: bytes, *, header: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        body = header + nonce + xor(plain, keystream(self._enc, nonce, len(plain)))
        return body + hmac.new(self._mac, body, hashlib.sha256).digest()[:MAC_BYTES]

    def open(self, sealed: bytes, *, header: bytes = b"") -> bytes | None:
        """The plain bytes, or None when the value was not sealed by this key as given."""
        if len(sealed) < len(header) + NONCE_BYTES + MAC_BYTES or not sealed.startswith(header):
            return None
        body, mac = sealed[:-MAC_BYTES], sealed[-MAC_BYTES:]
        if not hmac.compare_digest(mac, hmac.new(self._mac, body, hashlib.sha256).digest()[:16]):
            return None
        nonce = body[len(header) : len(header) + NONCE_BYTES]
        cipher = body[len(header) + NONCE_BYTES :]
        return xor(cipher, keystream(self._enc, nonce, len(cipher)))
