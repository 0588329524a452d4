"""ISO 8601 as MWS clients send it and as MWS answered it."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, timezone

_ISO = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[Tt ](?P<h>\d{2}):(?P<m>\d{2})"
    r"(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,9}))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_iso8601(text: str) -> datetime:
    """Parse the spellings real clients send; a missing zone means UTC.

    Accepts ``...Z``, ``....123Z``, ``+00:00``, ``+0000`` and naive values with or without
    fractions. Raises ``ValueError`` for anything else.
    """
    match = _ISO.match(text.strip())
    if not match:
        raise ValueError(f"not an ISO 8601 date-time: {text!r}")
    year, month, day = (int(p) for p in match.group("date").split("-"))
    frac = match.group("frac") or "0"
    micro = int((frac + "000000")[:6])
    zone = match.group("zone")
    tz: timezone = UTC
    if zone and zone not in ("Z", "z"):
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours = int(digits[:2])
        minutes = int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            raise ValueError(f"bad zone offset in {text!r}")
        tz = timezone(sign * timedelta(hours=hours, minutes=minutes))
    value = datetime(
        year,
        month,
        day,
        int(match.group("h")),
        int(match.group("m")),
        int(match.group("s") or 0),
        micro,
        tzinfo=tz,
    )
    return value.astimezone(UTC)


def format_millis(value: datetime) -> str:
    """``2020-05-28T11:22:26.535Z``: Orders, Finances, headers, GetServiceStatus."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def format_offset(value: datetime) -> str:
    """``2020-06-12T09:29:10+00:00``: Reports and Feeds bodies."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


_second_prefix: tuple[int, str] = (-1, "")


def format_epoch_millis(seconds: float) -> str:
    """:func:`format_millis` of an epoch time, without building a datetime (hot path: every
    response's ``x-mws-timestamp``); the formatted second is reused within that second."""
    global _second_prefix
    whole = int(seconds)
    micros = round((seconds - whole) * 1_000_000)  # as datetime.fromtimestamp rounds
    if micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    if _second_prefix[0] != whole:
        _second_prefix = (whole, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole)))
    return f"{_second_prefix[1]}{micros // 1000:03d}Z"


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)
