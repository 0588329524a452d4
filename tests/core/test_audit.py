"""One audit event per call, with no secret in it."""

from __future__ import annotations

import pytest

from gateway.config import DEMO_LWA_CLIENT_SECRET, DEMO_REFRESH_TOKEN, DEMO_SECRET
from tests.conftest import AuditCapture
from tests.support.gateway import MwsClient

pytestmark = pytest.mark.anyio

TOKEN = "amzn.mws.4ea38b7b-f563-7709-4bae-87aeaEXAMPLE"


async def test_one_event_per_call_with_the_documented_fields(
    mws: MwsClient, audit_log: AuditCapture
) -> None:
    resp = await mws.call(
        "/Orders/2013-09-01",
        "GetServiceStatus",
        "2013-09-01",
        {"MWSAuthToken": TOKEN},
        headers={"User-Agent": "legacy-erp/1.0 (Language=PHP)"},
    )
    assert resp.status_code == 200
    calls = audit_log.calls()
    assert len(calls) == 1
    event = calls[0]
    assert event["request_id"] == resp.headers["x-mws-request-id"]
    assert event["access_key_id"] == "AKIAEXAMPLEGATEWAY"
    assert event["seller_id"] == "A1EXAMPLESELLER"
    assert (event["section"], event["version"], event["action"]) == (
        "Orders",
        "2013-09-01",
        "GetServiceStatus",
    )
    assert event["route"] == "local"
    assert event["outcome"] == "ok" and event["status"] == 200 and event["error_code"] is None
    assert event["user_agent"] == "legacy-erp/1.0 (Language=PHP)"
    assert event["duration_ms"] >= 0
    assert event["throttle"]["bucket_remaining"] == 1.0
    assert event["mws_auth_token_fingerprint"].startswith("sha256:")


async def test_errors_and_throttles_are_audited(mws: MwsClient, audit_log: AuditCapture) -> None:
    await mws.call("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01", secret="nope")
    for _ in range(3):
        await mws.call("/Sellers/2011-07-01", "GetServiceStatus", "2011-07-01")
    calls = audit_log.calls()
    assert [c["outcome"] for c in calls] == ["error", "ok", "ok", "throttled"]
    assert calls[0]["error_code"] == "SignatureDoesNotMatch" and calls[0]["status"] == 403
    assert calls[3]["error_code"] == "RequestThrottled" and calls[3]["status"] == 503


async def test_no_secret_reaches_the_log(mws: MwsClient, audit_log: AuditCapture) -> None:
    await mws.call("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01", {"MWSAuthToken": TOKEN})
    await mws.call("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01", secret="wrong")
    await mws.call("/Nope", "X", "1")
    text = audit_log.text
    assert text.count('"event": "mws_call"') == 3
    for secret in (DEMO_SECRET, TOKEN, DEMO_REFRESH_TOKEN, DEMO_LWA_CLIENT_SECRET, "Signature="):
        assert secret not in text


def test_redaction_processor_masks_whatever_a_caller_logs() -> None:
    from gateway.audit import redact

    event = redact(
        None,
        "info",
        {
            "event": "x",
            "refresh_token": DEMO_REFRESH_TOKEN,
            "url": "https://bucket/doc?X-Amz-Signature=abcdef&X-Amz-Credential=AKIA/x&keep=1",
            "nested": {"client_secret": "s", "note": f"token {DEMO_REFRESH_TOKEN}", "mws": TOKEN},
        },
    )
    assert event["refresh_token"] == "[REDACTED]"
    assert "abcdef" not in event["url"] and "keep=1" in event["url"]
    assert event["nested"]["client_secret"] == "[REDACTED]"
    assert DEMO_REFRESH_TOKEN not in event["nested"]["note"]
    assert TOKEN not in event["nested"]["mws"]


def test_render_redacted_matches_redact_then_render() -> None:
    import json

    from gateway.audit import redact, render_redacted

    clean = {"event": "mws_call", "path": "/Orders/2013-09-01", "status": 200, "n": [1, 2]}
    dirty = {
        "event": "x",
        "note": "rdt Atz.sprdt|AbC123 and grantless Atc|Zz9",
        "nested": {"client_secret": "s3"},
        "url": "https://h/p?X-Amz-Signature=deadbeef",
    }
    for event in (clean, dirty):
        expected = json.dumps(redact(None, "info", json.loads(json.dumps(event))))
        assert render_redacted(None, "info", dict(event)) == expected
    line = render_redacted(None, "info", dict(dirty))
    for leaked in ("AbC123", "Zz9", "s3", "deadbeef"):
        assert leaked not in line
