"""Signature Version 2, as MWS clients compute it.

String to sign: ``VERB\\nhost\\npath\\ncanonical-query``. The canonical query is every
parameter except ``Signature``, sorted by name in byte order, names and values RFC 3986
encoded (``%20`` for space, ``~`` kept, upper-case hex). Clients disagree on the host line
(with or without port, ``http://host:port`` when they strip only ``https://``) and some sign
``/`` for Reports/Feeds whatever path they post to, so verification tries each candidate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote

ALGORITHMS = {"HmacSHA256": hashlib.sha256, "HmacSHA1": hashlib.sha1}
_SAFE = "-_.~"


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def rfc3986(value: str) -> str:
    if _UNRESERVED.fullmatch(value):  # most names and values need no escaping
        return value
    return quote(value, safe=_SAFE)


def canonical_query(params: Mapping[str, str]) -> str:
    items = sorted(
        ((k.encode("utf-8"), k, v) for k, v in params.items() if k != "Signature"),
    )
    return "&".join(f"{rfc3986(k)}={rfc3986(v)}" for _, k, v in items)


def canonical_path(path: str) -> str:
    if not path:
        return "/"
    return quote(path, safe="/" + _SAFE)


def string_to_sign(method: str, host: str, path: str, params: Mapping[str, str]) -> str:
    return "\n".join((method.upper(), host.lower(), canonical_path(path), canonical_query(params)))


def sign(secret: str, message: str, algorithm: str = "HmacSHA256") -> str:
    digest = hmac.new(secret.encode("utf-8"), message.encode("utf-8"), ALGORITHMS[algorithm])
    return base64.b64encode(digest.digest()).decode("ascii")


def host_candidates(host_header: str, public_hosts: Iterable[str] = ()) -> list[str]:
    """Host lines a legitimate client may have signed, most likely first, no repeats."""
    header = host_header.strip().lower()
    bare = header.rsplit(":", 1)[0] if header.count(":") == 1 else header
    candidates = [header, bare, *public_hosts, f"http://{header}"]
    for public in public_hosts:
        candidates.append(public.rsplit(":", 1)[0] if public.count(":") == 1 else public)
    seen: list[str] = []
    for candidate in candidates:
        if candidate and candidate not in seen:
            seen.append(candidate)
    return seen


def verify(
    *,
    secret: str,
    signature: str,
    algorithm: str,
    method: str,
    hosts: Iterable[str],
    paths: Iterable[str],
    params: Mapping[str, str],
) -> bool:
    """True when ``signature`` matches one candidate.

    Each comparison is constant-time; the loop stops at the first match, which reveals only
    which public host/path line the client used, never anything about the secret."""
    query = canonical_query(params)
    expected = signature.encode("ascii", "replace")
    key = secret.encode("utf-8")
    digestmod = ALGORITHMS[algorithm]
    verb = method.upper()
    for path in paths:
        prefix_path = canonical_path(path)
        for host in hosts:
            message = f"{verb}\n{host}\n{prefix_path}\n{query}".encode()
            candidate = base64.b64encode(hmac.new(key, message, digestmod).digest())
            if hmac.compare_digest(candidate, expected):
                return True
    return False


def signed_query(
    *,
    secret: str,
    method: str,
    host: str,
    path: str,
    params: Mapping[str, str],
    algorithm: str = "HmacSHA256",
) -> str:
    """The full query string of a signed request (for ``mws-gateway sign`` and tests)."""
    full = dict(params)
    full.setdefault("SignatureMethod", algorithm)
    full.setdefault("SignatureVersion", "2")
    full["Signature"] = sign(secret, string_to_sign(method, host, path, full), algorithm)
    return "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(full.items()))
