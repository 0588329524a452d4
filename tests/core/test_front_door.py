"""The MWS front door through the ASGI app: routing, authentication, errors, quotas."""

from __future__ import annotations

import pytest

from gateway.catalog import load_catalog
from tests.support.gateway import MwsClient
from tests.support.signing import encode, now_timestamp, signed_params
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

pytestmark = pytest.mark.anyio

CATALOG = load_catalog(check_handlers=False)
STATUS_SECTIONS = sorted(
    (s.name, s.versions[0].version, s.versions[0].paths[-1], s.seller_params[0])
    for s in CATALOG.sections.values()
    if "GetServiceStatus" in s.operations
)


def test_every_section_but_reports_and_feeds_has_get_service_status() -> None:
    assert len(STATUS_SECTIONS) == 12


@pytest.mark.parametrize(("section", "version", "path", "seller_param"), STATUS_SECTIONS)
@pytest.mark.parametrize("shape", ["GET", "POST-form", "POST-query"])
async def test_get_service_status_every_section(
    mws: MwsClient, section: str, version: str, path: str, seller_param: str, shape: str
) -> None:
    method = "GET" if shape == "GET" else "POST"
    resp = await mws.call(
        path,
        "GetServiceStatus",
        version,
        method=method,
        in_body=shape == "POST-form",
        seller_param=seller_param,
    )
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/xml"
    root = assert_valid_mws_xml(resp.content)
    op = CATALOG.sections[section].operations["GetServiceStatus"]
    expected_ns = CATALOG.sections[section].namespace_for(version, op)
    assert root.tag == f"{{{expected_ns}}}GetServiceStatusResponse"
    assert find_text(root, "GetServiceStatusResult/Status") == "GREEN"
    stamp = find_text(root, "GetServiceStatusResult/Timestamp")
    assert stamp == resp.headers["x-mws-timestamp"]
    assert find_text(root, "ResponseMetadata/RequestId") == resp.headers["x-mws-request-id"]
    assert resp.headers["x-mws-response-context"]
    assert "x-mws-quota-max" not in resp.headers


async def test_orders_2011_alias_answers_in_its_own_namespace(mws: MwsClient) -> None:
    resp = await mws.call("/Orders/2011-01-01", "GetServiceStatus", "2011-01-01")
    root = assert_valid_mws_xml(resp.content)
    assert root.tag == "{https://mws.amazonservices.com/Orders/2011-01-01}GetServiceStatusResponse"


async def test_third_get_service_status_is_throttled(mws: MwsClient) -> None:
    codes = []
    for _ in range(3):
        resp = await mws.call("/Sellers/2011-07-01", "GetServiceStatus", "2011-07-01")
        codes.append(resp.status_code)
    assert codes == [200, 200, 503]
    root = assert_valid_mws_xml(resp.content)
    assert find_text(root, "Error/Code") == "RequestThrottled"
    assert find_text(root, "Error/Type") == "Sender"
    assert find_text(root, "RequestID") == resp.headers["x-mws-request-id"]
    assert int(resp.headers["retry-after"]) >= 299
    # quotas are per section: another section's bucket is untouched
    other = await mws.call("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01")
    assert other.status_code == 200


def _assert_error(resp, status: int, code: str) -> str:  # type: ignore[no-untyped-def]
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"] == "text/xml"
    root = assert_valid_mws_xml(resp.content)
    assert strip_ns(root.tag) == "ErrorResponse"
    assert find_text(root, "Error/Code") == code, resp.text
    assert find_text(root, "Error/Type") in ("Sender", "Receiver")
    return find_text(root, "Error/Message") or ""


ORDERS = ("/Orders/2013-09-01", "GetServiceStatus", "2013-09-01")


async def test_wrong_secret_is_signature_does_not_match(mws: MwsClient) -> None:
    resp = await mws.call(*ORDERS, secret="wrong-secret")
    _assert_error(resp, 403, "SignatureDoesNotMatch")


async def test_unknown_access_key(mws: MwsClient) -> None:
    resp = await mws.call(*ORDERS, access_key="AKIANOBODY")
    _assert_error(resp, 403, "InvalidAccessKeyId")


async def test_hmac_sha1_is_accepted(mws: MwsClient) -> None:
    resp = await mws.call(*ORDERS, algorithm="HmacSHA1")
    assert resp.status_code == 200


@pytest.mark.parametrize(
    ("stamp", "status", "code"),
    [
        (-16 * 60, 400, "RequestExpired"),  # seconds from now, computed when the test runs
        (16 * 60, 400, "RequestExpired"),
        ("2026-11-23T08%3A37%3A32", 400, "InvalidParameterValue"),
        ("", 400, "MissingParameter"),
    ],
)
async def test_timestamp_window(mws: MwsClient, stamp: str | int, status: int, code: str) -> None:
    if isinstance(stamp, int):
        stamp = now_timestamp(stamp)
    resp = await mws.call(*ORDERS, timestamp=stamp)
    _assert_error(resp, status, code)


@pytest.mark.parametrize(
    "stamp_offset_format",
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S.123Z",
        "%Y-%m-%dT%H:%M:%S.123456",
        "%Y-%m-%dT%H:%M:%S+00:00",
    ],
)
async def test_timestamp_spellings_are_accepted(mws: MwsClient, stamp_offset_format: str) -> None:
    import time

    stamp = time.strftime(stamp_offset_format, time.gmtime(time.time() - 60))
    resp = await mws.call(*ORDERS, timestamp=stamp)
    assert resp.status_code == 200, resp.text


async def test_expires_instead_of_timestamp(mws: MwsClient) -> None:
    ok = await mws.call(*ORDERS, {"Expires": now_timestamp(120)}, timestamp="")
    assert ok.status_code == 200, ok.text
    expired = await mws.call(*ORDERS, {"Expires": now_timestamp(-5)}, timestamp="")
    _assert_error(expired, 400, "RequestExpired")


async def test_expires_far_in_the_future_is_refused(mws: MwsClient) -> None:
    """A URL signed to be valid for a year would be a standing credential."""
    year = await mws.call(*ORDERS, {"Expires": now_timestamp(365 * 86400)}, timestamp="")
    message = _assert_error(year, 400, "InvalidParameterValue")
    assert "too far in the future" in message and "900 seconds" in message
    edge = await mws.call(*ORDERS, {"Expires": now_timestamp(14 * 60)}, timestamp="")
    assert edge.status_code == 200, edge.text
    beyond = await mws.call(*ORDERS, {"Expires": now_timestamp(16 * 60)}, timestamp="")
    _assert_error(beyond, 400, "InvalidParameterValue")


async def test_missing_seller_and_foreign_seller(mws: MwsClient) -> None:
    msg = _assert_error(await mws.call(*ORDERS, seller=None), 400, "InvalidParameterValue")
    assert "SellerId" in msg
    _assert_error(await mws.call(*ORDERS, seller="A2SOMEONEELSE"), 401, "AccessDenied")


async def test_placeholder_mws_auth_token_is_ignored(mws: MwsClient) -> None:
    sections = [
        ("/Orders/2013-09-01", "2013-09-01"),
        ("/Sellers/2011-07-01", "2011-07-01"),
        ("/Products/2011-10-01", "2011-10-01"),
    ]
    for value, (path, version) in zip(("None", "undefined", ""), sections, strict=True):
        resp = await mws.call(path, "GetServiceStatus", version, {"MWSAuthToken": value})
        assert resp.status_code == 200, (value, resp.text)


async def test_signature_version_and_method_checked(mws: MwsClient) -> None:
    params = signed_params(ORDERS[1], ORDERS[2], ORDERS[0])
    params["SignatureVersion"] = "1"
    resp = await mws.http.get(f"{ORDERS[0]}?{encode(params)}")
    _assert_error(resp, 400, "InvalidParameterValue")
    params = signed_params(ORDERS[1], ORDERS[2], ORDERS[0])
    params["SignatureMethod"] = "HmacMD5"
    resp = await mws.http.get(f"{ORDERS[0]}?{encode(params)}")
    _assert_error(resp, 400, "InvalidParameterValue")


async def test_missing_signature(mws: MwsClient) -> None:
    params = signed_params(ORDERS[1], ORDERS[2], ORDERS[0])
    del params["Signature"]
    _assert_error(await mws.http.get(f"{ORDERS[0]}?{encode(params)}"), 400, "MissingParameter")


async def test_unknown_path_and_action(mws: MwsClient) -> None:
    resp = await mws.call("/Nothing/2020-01-01", "GetServiceStatus", "2020-01-01")
    _assert_error(resp, 404, "InvalidAddress")
    assert 'xmlns="https://mws.amazonservices.com/"' in resp.text
    resp = await mws.call("/Orders/2013-09-01", "Frobnicate", "2013-09-01")
    _assert_error(resp, 404, "InvalidAddress")
    resp = await mws.call("/Orders/2013-09-01", "GetServiceStatus", "1999-01-01")
    _assert_error(resp, 404, "InvalidAddress")
    resp = await mws.call("/", "GetServiceStatus", "2009-01-01", seller_param="Merchant")
    _assert_error(resp, 400, "InvalidAction")
    assert 'xmlns="http://mws.amazonaws.com/doc/2009-01-01/"' in resp.text


async def test_missing_action_and_version(mws: MwsClient) -> None:
    params = signed_params(ORDERS[1], ORDERS[2], ORDERS[0])
    del params["Action"]
    _assert_error(await mws.http.get(f"{ORDERS[0]}?{encode(params)}"), 400, "MissingParameter")
    params = signed_params(ORDERS[1], ORDERS[2], ORDERS[0])
    del params["Version"]
    _assert_error(await mws.http.get(f"{ORDERS[0]}?{encode(params)}"), 400, "InvalidRequest")


async def test_untranslated_operation_says_so(mws: MwsClient) -> None:
    resp = await mws.call(
        "/Recommendations/2013-04-01",
        "ListRecommendations",
        "2013-04-01",
        {"MarketplaceId": "ATVPDKIKX0DER"},
    )
    msg = _assert_error(resp, 400, "UnsupportedOperation")
    assert "Recommendations.ListRecommendations" in msg and "no SP-API equivalent" in msg


async def test_hostile_encodings_and_duplicates(mws: MwsClient) -> None:
    signed = signed_params(ORDERS[1], ORDERS[2], ORDERS[0])
    base = encode(signed)
    _assert_error(await mws.http.get(f"{ORDERS[0]}?{base}&X=%FF%FE"), 400, "InvalidParameterValue")
    _assert_error(
        await mws.http.get(f"{ORDERS[0]}?{base}&SellerId=A2OTHER"), 400, "InvalidParameterValue"
    )
    # the same parameter in the query and the form body, with different values
    resp = await mws.http.post(
        f"{ORDERS[0]}?{base}",
        content="SellerId=A2OTHER",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    _assert_error(resp, 400, "InvalidParameterValue")


async def test_size_limits(mws: MwsClient) -> None:
    signed = encode(signed_params(ORDERS[1], ORDERS[2], ORDERS[0], method="POST"))
    huge = signed + "&Pad=" + "x" * (2 * 1024 * 1024)
    resp = await mws.http.post(
        ORDERS[0], content=huge, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    _assert_error(resp, 413, "RequestEntityTooLarge")
    resp = await mws.http.get(f"{ORDERS[0]}?{signed}&Pad={'x' * 20000}")
    _assert_error(resp, 414, "InvalidParameterValue")


async def test_chunked_form_body(mws: MwsClient) -> None:
    signed = encode(signed_params(ORDERS[1], ORDERS[2], ORDERS[0], method="POST")).encode()

    async def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(signed), 7):
            yield signed[i : i + 7]

    resp = await mws.http.post(
        ORDERS[0], content=chunks(), headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "OPTIONS"])
async def test_odd_methods(mws: MwsClient, method: str) -> None:
    resp = await mws.http.request(method, ORDERS[0])
    _assert_error(resp, 405, "InvalidRequest")


async def test_operations_endpoints(mws: MwsClient) -> None:
    assert (await mws.http.get("/healthz")).status_code == 200
    ready = await mws.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    await mws.call(*ORDERS)
    metrics = (await mws.http.get("/metrics")).text
    assert (
        'mws_gateway_requests_total{action="GetServiceStatus",outcome="ok",section="Orders"} 1.0'
        in metrics
    )
