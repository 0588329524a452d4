"""Scanning captured logs for things that must never be logged.

:func:`find_leaks` looks for two kinds of leak:

* known values (``secrets``): the MWS secret keys, LWA client secrets and refresh tokens, the
  access tokens and RDTs the emulator issued, MWSAuthTokens, the buyer PII of the emulator's
  seeded data (``SeedData.pii_values()``), found verbatim or JSON-escaped;
* shapes, whatever their value: LWA/RDT tokens (``Atza|``, ``Atzr|``, ``Atc|``,
  ``Atz.sprdt|``), presigned-URL signatures and credentials (``X-Amz-Signature=``,
  ``X-Amz-Credential=``, ``X-Amz-Security-Token=``), MWS ``Signature=`` query values, a JSON
  ``"Signature"`` key with a value, and MWSAuthTokens (``amzn.mws.<uuid>``).

Values already masked by the gateway's redaction (``[REDACTED]``) are not leaks. Hits are
reported by line number and kind with the value shortened, so a test failure does not print
the whole secret again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

REDACTED = "[REDACTED]"
MIN_SECRET_LENGTH = 4  # shorter "secrets" would match everywhere

PATTERNS: dict[str, re.Pattern[str]] = {
    "LWA access/refresh token": re.compile(r"Atz[ar]\|[A-Za-z0-9_\-.|]{4,}"),
    "LWA grantless token": re.compile(r"Atc\|[A-Za-z0-9_\-.|]{4,}"),
    "restricted data token": re.compile(r"Atz\.sprdt\|[A-Za-z0-9_\-.|]{4,}"),
    "presigned URL signature": re.compile(r"(?i)X-Amz-Signature=(?!\[REDACTED\])[^&\s\"'\\]{4,}"),
    "presigned URL credential": re.compile(
        r"(?i)X-Amz-(?:Credential|Security-Token)=(?!\[REDACTED\])[^&\s\"'\\]{4,}"
    ),
    "MWS Signature parameter": re.compile(r"[?&]Signature=(?!\[REDACTED\])[^&\s\"'\\]{4,}"),
    "Signature field": re.compile(r"\"Signature\"\s*:\s*\"(?!\[REDACTED\])[^\"]{4,}\""),
    "MWSAuthToken": re.compile(r"amzn\.mws\.[0-9A-Fa-f]{8}-[0-9A-Fa-f-]{8,}"),
}


def _short(value: str) -> str:
    return value[:10] + "..." if len(value) > 12 else value[:3] + "..."


def _forms(secret: str) -> set[str]:
    """The secret as written raw and as a JSON string body (escaped quotes, non-ASCII)."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return {f for f in forms if f}


def find_leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """Every leak in ``text`` as ``"line N: <kind> <shortened value>"`` (empty: clean)."""
    hits: list[str] = []
    lines = text.splitlines()
    wanted = sorted(
        {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH and s != REDACTED},
        key=len,
        reverse=True,
    )
    for number, line in enumerate(lines, 1):
        for secret in wanted:
            if any(form in line for form in _forms(secret)):
                hits.append(f"line {number}: known secret {_short(secret)!r}")
        for kind, pattern in PATTERNS.items():
            for match in pattern.finditer(line):
                hits.append(f"line {number}: {kind} {_short(match.group(0))!r}")
    return hits
