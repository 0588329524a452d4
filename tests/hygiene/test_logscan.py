"""The scanner itself: it finds each kind of leak and passes redacted or ordinary lines."""

from __future__ import annotations

import json

import pytest

from tests.support.logscan import find_leaks

CLEAN = json.dumps(
    {
        "event": "mws_call",
        "access_key_id": "AKIAEXAMPLEGATEWAY",
        "mws_auth_token_fingerprint": "3f2a9c",
        "path": "/Orders/2013-09-01",
        "url": "https://x/doc?X-Amz-Signature=[REDACTED]&Signature=[REDACTED]",
        "Signature": "[REDACTED]",
    }
)


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('{"token": "Atza|IwEBIJ5abc-_def"}', "LWA access/refresh token"),
        ('{"t": "Atzr|demo-refresh-token"}', "LWA access/refresh token"),
        ('{"t": "Atz.sprdt|AbCdEf123"}', "restricted data token"),
        ('{"t": "Atc|grantless0123"}', "LWA grantless token"),
        ('{"u": "http://e/_documents/1?X-Amz-Date=1&X-Amz-Signature=ab12cd34"}', "presigned"),
        ('{"u": "https://s3/x?X-Amz-Credential=AKIA%2F2024"}', "presigned URL credential"),
        ("GET /Orders/2013-09-01?Action=X&Signature=Zm9vYmFy%3D", "MWS Signature parameter"),
        ('{"Signature": "Zm9vYmFyYmF6"}', "Signature field"),
        ('{"p": "amzn.mws.4ea38b7b-f563-7709-4bae-12ab34cd56ef"}', "MWSAuthToken"),
    ],
)
def test_each_shape_is_found(line: str, kind: str) -> None:
    hits = find_leaks(CLEAN + "\n" + line, [])
    assert len(hits) == 1 and hits[0].startswith("line 2: " + kind), hits


def test_known_values_are_found_raw_and_json_escaped() -> None:
    text = json.dumps({"name": 'Zoë "Q" Quimbleton'}) + "\n" + "secret=gateway-test-secret"
    hits = find_leaks(text, ['Zoë "Q" Quimbleton', "gateway-test-secret", "ab"])
    assert [h.split(":")[0] for h in hits] == ["line 1", "line 2"]
    assert "gateway-te..." in hits[1] and "gateway-test-secret" not in hits[1]


def test_clean_and_redacted_lines_pass() -> None:
    assert find_leaks(CLEAN, ["not-in-there", "[REDACTED]"]) == []
