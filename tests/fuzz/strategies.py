"""Hypothesis strategies for hostile MWS requests (shared by the pytest suite and the driver).

Two families:

* front door (:func:`front_door_requests`): bad percent-encodings and invalid UTF-8, huge or
  repeated parameters, broken or absent signatures, odd methods and paths, chunked bodies and
  clients that go away mid-body, sent to a gateway whose translated operations are disabled;
* signed operations (:func:`operation_requests`): correctly signed requests for every
  operation the mapping tables route to a handler (``target.kind`` ``spapi`` or ``local``),
  with garbage, boundary and plausible parameter values; SubmitFeed with invalid, truncated
  and hostile XML bodies and right, wrong or absent Content-MD5.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from urllib.parse import quote

from hypothesis import strategies as st

from gateway.catalog import Catalog, load_catalog
from gateway.config import DEMO_ACCESS_KEY, DEMO_MARKETPLACE, DEMO_SECRET, DEMO_SELLER
from tests.fuzz.harness import FuzzRequest, handler_available
from tests.support.signing import now_timestamp, oracle_signature

HOST = "testserver"


def _enc(text: str) -> str:
    return quote(text, safe="-_.~")


def encode_pairs(pairs: list[tuple[str, str]]) -> bytes:
    return "&".join(f"{_enc(k)}={_enc(v)}" for k, v in pairs).encode("ascii")


def sign(
    params: dict[str, str],
    *,
    method: str,
    path: str,
    secret: str = DEMO_SECRET,
    algorithm: str = "HmacSHA256",
) -> dict[str, str]:
    out = dict(params)
    out["Signature"] = oracle_signature(secret, method, HOST, path, out, algorithm)
    return out


def base_params(
    action: str, version: str, seller_param: str = "SellerId", algorithm: str = "HmacSHA256"
) -> dict[str, str]:
    return {
        "AWSAccessKeyId": DEMO_ACCESS_KEY,
        "Action": action,
        "SignatureMethod": algorithm,
        "SignatureVersion": "2",
        "Timestamp": now_timestamp(),
        "Version": version,
        seller_param: DEMO_SELLER,
    }


# -- the catalog ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpInfo:
    section: str
    name: str
    version: str
    paths: tuple[str, ...]
    seller_param: str
    params: tuple[str, ...]  # declared parameter names (from the table, if it has them)
    document_body: bool


def _ops(catalog: Catalog, kinds: tuple[str, ...]) -> list[OpInfo]:
    found: list[OpInfo] = []
    for section in catalog.sections.values():
        for op in section.operations.values():
            if op.target.kind not in kinds:
                continue
            if op.target.kind != "unsupported" and not handler_available(op.target.handler):
                continue
            declared = tuple((op.spec.get("params") or {}).keys())
            for info in section.versions:
                found.append(
                    OpInfo(
                        section.name,
                        op.name,
                        info.version,
                        info.paths,
                        section.seller_params[0],
                        declared,
                        bool(op.spec.get("document_body")),
                    )
                )
    return sorted(found, key=lambda o: (o.section, o.name, o.version))


CATALOG = load_catalog(check_handlers=False)
STATUS_OPS = [o for o in _ops(CATALOG, ("local",)) if o.name == "GetServiceStatus"]
HANDLED_OPS = _ops(CATALOG, ("spapi", "local"))
TRANSLATED_OPS = [o for o in HANDLED_OPS if o.name != "GetServiceStatus"]
ALL_PATHS = sorted({p for o in _ops(CATALOG, ("spapi", "local", "unsupported")) for p in o.paths})
ALL_ACTIONS = sorted({o.name for o in _ops(CATALOG, ("spapi", "local", "unsupported"))})

# Parameters of the operations whose tables do not declare them (Reports, Feeds).
COMMON_PARAMS = (
    "MarketplaceId.Id.1",
    "MarketplaceIdList.Id.1",
    "MarketplaceIdList.Id.2",
    "Marketplace",
    "ReportType",
    "ReportTypeList.Type.1",
    "ReportRequestIdList.Id.1",
    "ReportIdList.Id.1",
    "ReportId",
    "ReportProcessingStatusList.Status.1",
    "ReportOptions",
    "StartDate",
    "EndDate",
    "RequestedFromDate",
    "RequestedToDate",
    "AvailableFromDate",
    "AvailableToDate",
    "Acknowledged",
    "MaxCount",
    "NextToken",
    "Schedule",
    "ScheduleDate",
    "FeedType",
    "FeedTypeList.Type.1",
    "FeedSubmissionId",
    "FeedSubmissionIdList.Id.1",
    "FeedProcessingStatusList.Status.1",
    "SubmittedFromDate",
    "SubmittedToDate",
    "PurgeAndReplace",
    "FeedOptions",
    "ContentMD5Value",
    "AmazonOrderId",
    "AmazonOrderId.Id.1",
    "CreatedAfter",
    "CreatedBefore",
    "LastUpdatedAfter",
    "LastUpdatedBefore",
    "OrderStatus.Status.1",
    "FulfillmentChannel.Channel.1",
    "MaxResultsPerPage",
    "BuyerEmail",
    "MWSAuthToken",
)

FEED_TYPES = sorted(
    {
        *CATALOG.table("feeds/types").get("passthrough", {}).keys(),
        *CATALOG.table("feeds/types").get("translated", {}).keys(),
        *CATALOG.table("feeds/types").get("retired", {}).keys(),
        *CATALOG.table("feeds/types").get("native", []),
    }
)
REPORT_TYPES = (
    "_GET_MERCHANT_LISTINGS_DATA_",
    "_GET_FLAT_FILE_OPEN_LISTINGS_DATA_",
    "_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_",
    "_GET_FLAT_FILE_ORDERS_DATA_",
    "_GET_AFN_INVENTORY_DATA_",
    "GET_MERCHANT_LISTINGS_ALL_DATA",
    "_GET_NOT_A_REPORT_",
)


# -- values ---------------------------------------------------------------------------------

# Text that can be percent-encoded as UTF-8 (no lone surrogates), including controls and NUL.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=60)
dates = st.sampled_from(
    [
        "2024-01-01T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2099-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "0000-00-00T00:00:00Z",
        "2024-01-01",
        "2024-01-01T25:61:61",
        "2024-01-01T00:00:00.123456789+14:00",
        "2024-01-01T00:00:00-12:00",
        "yesterday",
        "-1",
        "",
        now_timestamp(-3600),
        now_timestamp(-60),
        now_timestamp(3600),
    ]
)
plausible = st.sampled_from(
    [
        DEMO_MARKETPLACE,
        "A2EUQ1WTGCTBG2",
        "A1F83G8C2ARO7P",
        "AAAAAAAAAAAAAA",
        "Unshipped",
        "PartiallyShipped",
        "Shipped",
        "AFN",
        "MFN",
        "true",
        "false",
        "TRUE",
        "0",
        "1",
        "100",
        "101",
        "-5",
        "99999999999999999999",
        "1e3",
        "NaN",
        "_15_MINUTES_",
        "_NEVER_",
        "_SUBMITTED_",
        "_DONE_",
        "111-1234567-1234567",
        "902-3159896-1390916",
        "50001018374",
        "emulatorSize=1024",
        "ShowSalesChannel=true",
        "a=b;c",
        "x" * 300,
        "%00",
        "<x/>",
        "]]>",
        "' OR 1=1 --",
        "../../etc/passwd",
        *REPORT_TYPES,
        *FEED_TYPES[:8],
    ]
)
values = st.one_of(
    plausible,
    dates,
    any_text,
    st.integers(-(2**70), 2**70).map(str),
    st.text(st.sampled_from("0123456789-"), max_size=25),
    st.builds(lambda c, n: c * n, st.sampled_from("a%&=é\x00"), st.integers(1000, 20000)),
)


_fraction = st.integers(0, 2**16)
"""An index drawn independently of a length that varies between runs (take it modulo)."""

# -- front door -----------------------------------------------------------------------------

ODD_METHODS = ("PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT", "BREW", "get")
BAD_ESCAPES = (
    "%",
    "%z",
    "%zz",
    "%f",
    "%ff",
    "%C0%AF",
    "%ED%A0%80",
    "%F4%90%80%80",
    "%E2%82",
    "%00",
    "%25%",
    "+",
    "%2B",
)


def _request(
    label: str,
    method: str,
    path: str | bytes,
    query: bytes = b"",
    body: tuple[bytes, ...] = (),
    headers: tuple[tuple[bytes, bytes], ...] = (),
    *,
    chunked: bool = False,
    disconnect_after: int | None = None,
) -> FuzzRequest:
    raw_path = path.encode("utf-8") if isinstance(path, str) else path
    return FuzzRequest(label, method, raw_path, query, headers, body, chunked, disconnect_after)


FORM = ((b"content-type", b"application/x-www-form-urlencoded; charset=utf-8"),)


@st.composite
def signed_status_request(draw: st.DrawFn) -> tuple[str, dict[str, str], str]:
    """(path, signed GetServiceStatus parameters, method) for a random section."""
    op = draw(st.sampled_from(STATUS_OPS))
    path = draw(st.sampled_from(op.paths))
    method = draw(st.sampled_from(("GET", "POST")))
    algorithm = draw(st.sampled_from(("HmacSHA256", "HmacSHA1")))
    params = base_params(op.name, op.version, op.seller_param, algorithm)
    return path, sign(params, method=method, path=path, algorithm=algorithm), method


@st.composite
def broken_signature(draw: st.DrawFn) -> FuzzRequest:
    path, params, method = draw(signed_status_request())
    how = draw(
        st.sampled_from(
            (
                "drop",
                "empty",
                "truncate",
                "flip",
                "garbage",
                "drop-param",
                "change-param",
                "add-param",
                "wrong-secret",
                "bad-method-name",
                "bad-version",
                "bad-key",
                "bad-timestamp",
                "expires",
                "other-seller",
            )
        )
    )
    sig = params["Signature"]
    if how == "drop":
        del params["Signature"]
    elif how == "empty":
        params["Signature"] = ""
    elif how == "truncate":
        params["Signature"] = sig[: draw(_fraction) % len(sig)]
    elif how == "flip":
        i = draw(_fraction) % (len(sig) - 1)
        params["Signature"] = sig[:i] + ("A" if sig[i] != "A" else "B") + sig[i + 1 :]
    elif how == "garbage":
        params["Signature"] = draw(any_text)
    elif how == "drop-param":
        victim = draw(st.sampled_from(sorted(k for k in params if k != "Signature")))
        del params[victim]
    elif how == "change-param":
        victim = draw(st.sampled_from(sorted(k for k in params if k != "Signature")))
        params[victim] = draw(values)
    elif how == "add-param":
        params[draw(st.sampled_from(COMMON_PARAMS))] = draw(values)
    else:
        unsigned = {k: v for k, v in params.items() if k != "Signature"}
        secret = DEMO_SECRET
        if how == "wrong-secret":
            secret = draw(st.sampled_from(("", "x", DEMO_SECRET + " ", DEMO_SECRET.upper())))
        elif how == "bad-method-name":
            unsigned["SignatureMethod"] = draw(
                st.sampled_from(("HmacMD5", "hmacsha256", "", "RSA", "HmacSHA512"))
            )
        elif how == "bad-version":
            unsigned["SignatureVersion"] = draw(st.sampled_from(("0", "1", "3", "", "two", "2.0")))
        elif how == "bad-key":
            unsigned["AWSAccessKeyId"] = draw(st.one_of(st.just(""), any_text))
        elif how == "bad-timestamp":
            unsigned["Timestamp"] = draw(dates)
        elif how == "expires":
            del unsigned["Timestamp"]
            unsigned["Expires"] = draw(dates)
        elif how == "other-seller":
            unsigned[next(k for k in ("SellerId", "Merchant") if k in unsigned)] = draw(
                st.sampled_from(("A2OTHERSELLER", "", DEMO_SELLER.lower(), "*"))
            )
        algorithm = unsigned.get("SignatureMethod", "HmacSHA256")
        algorithm = algorithm if algorithm in ("HmacSHA256", "HmacSHA1") else "HmacSHA256"
        params = sign(unsigned, method=method, path=path, secret=secret, algorithm=algorithm)
    pairs = list(params.items())
    if method == "POST":
        return _request(f"sig-{how}", method, path, b"", (encode_pairs(pairs),), FORM)
    return _request(f"sig-{how}", method, path, encode_pairs(pairs))


@st.composite
def bad_encoding(draw: st.DrawFn) -> FuzzRequest:
    path, params, method = draw(signed_status_request())
    pairs = list(params.items())
    query = encode_pairs(pairs)
    escape = draw(st.sampled_from(BAD_ESCAPES)).encode()
    where = draw(st.sampled_from(("name", "value", "raw-bytes", "path", "form")))
    if where == "name":
        query += b"&Bad" + escape + b"=1"
    elif where == "value":
        query += b"&Marketplace=" + escape
    elif where == "raw-bytes":
        query += b"&Raw=" + draw(st.binary(min_size=1, max_size=20).map(lambda b: b + b"\xff"))
    elif where == "path":
        return _request("enc-path", method, path.encode() + escape, query)
    else:
        body = encode_pairs(pairs) + b"&Extra=" + escape
        return _request("enc-form", "POST", path, b"", (body,), FORM)
    if method == "POST":
        return _request(f"enc-{where}", "POST", path, b"", (query,), FORM)
    return _request(f"enc-{where}", "GET", path, query)


@st.composite
def huge_or_repeated(draw: st.DrawFn) -> FuzzRequest:
    path, params, method = draw(signed_status_request())
    pairs = list(params.items())
    how = draw(
        st.sampled_from(("repeat-same", "repeat-differ", "many", "long-value", "long-query"))
    )
    if how == "repeat-same":
        name = draw(st.sampled_from(sorted(params)))
        pairs.append((name, params[name]))
    elif how == "repeat-differ":
        name = draw(st.sampled_from(sorted(params)))
        pairs.append((name, params[name] + "x"))
    elif how == "many":
        count = draw(st.integers(400, 2000))
        pairs += [(f"P.{i}", "v") for i in range(count)]
    elif how == "long-value":
        pairs.append(("Junk", "v" * draw(st.integers(10_000, 200_000))))
    else:
        pairs.append(("Junk", "%" * draw(st.integers(5_000, 30_000))))
    encoded = encode_pairs(pairs)
    if method == "POST":
        return _request(f"big-{how}", "POST", path, b"", (encoded,), FORM)
    return _request(f"big-{how}", "GET", path, encoded)


@st.composite
def odd_request(draw: st.DrawFn) -> FuzzRequest:
    method = draw(st.sampled_from(("GET", "POST", *ODD_METHODS)))
    path = draw(
        st.one_of(
            st.sampled_from(ALL_PATHS),
            st.sampled_from(
                (
                    "/",
                    "//",
                    "/Orders",
                    "/Orders/2013-09-01/",
                    "/Orders/2013-09-01/extra",
                    "/orders/2013-09-01",
                    "/../../etc/passwd",
                    "/%2e%2e/%2e%2e",
                    "/healthz",
                    "/readyz",
                    "/metrics",
                    "/Feeds/2009-01-01/x",
                    "/" + "a" * 5000,
                )
            ),
            any_text.map(lambda t: "/" + t),
        )
    )
    action = draw(st.one_of(st.sampled_from(ALL_ACTIONS), any_text))
    version = draw(
        st.one_of(st.sampled_from(("2013-09-01", "2009-01-01", "2011-07-01", "")), any_text)
    )
    pairs = [("Action", action), ("Version", version)]
    if draw(st.booleans()):
        pairs = list(sign(base_params(action, version), method="GET", path=path).items())
    raw_path = quote(path, safe="/%").encode("ascii")
    body: tuple[bytes, ...] = ()
    headers: tuple[tuple[bytes, bytes], ...] = ()
    if draw(st.booleans()):
        body = (draw(st.binary(max_size=300)),)
        headers = draw(
            st.sampled_from(
                (
                    FORM,
                    ((b"content-type", b"text/xml"),),
                    ((b"content-type", b"\xff\xfe"),),
                    (),
                )
            )
        )
    return _request("odd", method, raw_path, encode_pairs(pairs), body, headers)


@st.composite
def chunked_form(draw: st.DrawFn) -> FuzzRequest:
    path, params, _ = draw(signed_status_request())
    params = sign(
        {k: v for k, v in params.items() if k != "Signature"},
        method="POST",
        path=path,
        algorithm=params["SignatureMethod"],
    )
    encoded = encode_pairs(list(params.items()))
    # draws must not depend on the signature's bytes (they change with the timestamp)
    cuts = sorted(c % (len(encoded) + 1) for c in draw(st.lists(_fraction, max_size=8)))
    chunks = tuple(encoded[a:b] for a, b in zip([0, *cuts], [*cuts, len(encoded)], strict=True))
    gone = draw(st.one_of(st.none(), _fraction))
    disconnect = None if gone is None else gone % len(chunks)
    label = "chunked-gone" if disconnect is not None else "chunked"
    return _request(
        label, "POST", path, b"", chunks, FORM, chunked=True, disconnect_after=disconnect
    )


@st.composite
def raw_garbage(draw: st.DrawFn) -> FuzzRequest:
    method = draw(st.sampled_from(("GET", "POST", "PUT")))
    path = draw(st.one_of(st.sampled_from(ALL_PATHS), st.binary(min_size=1, max_size=40)))
    raw_path = path.encode() if isinstance(path, str) else b"/" + path
    query = draw(st.binary(max_size=400))
    body = (draw(st.binary(max_size=400)),) if method != "GET" else ()
    headers = draw(
        st.lists(
            st.tuples(
                st.sampled_from((b"content-type", b"content-md5", b"x-amz-date", b"user-agent")),
                st.binary(max_size=60),
            ),
            max_size=3,
        )
    )
    return _request("raw", method, raw_path, query, body, tuple(headers))


def front_door_requests() -> st.SearchStrategy[FuzzRequest]:
    return st.one_of(
        broken_signature(),
        broken_signature(),
        bad_encoding(),
        bad_encoding(),
        huge_or_repeated(),
        odd_request(),
        chunked_form(),
        raw_garbage(),
    )


# -- signed operations ----------------------------------------------------------------------

XML_BODIES = (
    b"",
    b"<",
    b"not xml at all",
    b'<?xml version="1.0"?><AmazonEnvelope>',
    b'<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope xmlns:xsi='
    b'"http://www.w3.org/2001/XMLSchema-instance"><Header><DocumentVersion>1.01'
    b"</DocumentVersion><MerchantIdentifier>M</MerchantIdentifier></Header>"
    b"<MessageType>Inventory</MessageType><Message><MessageID>1</MessageID>"
    b"<OperationType>Update</OperationType><Inventory><SKU>EMU-0001</SKU>"
    b"<Quantity>5</Quantity></Inventory></Message></AmazonEnvelope>",
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 '
    b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><AmazonEnvelope>&lol2;'
    b"</AmazonEnvelope>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b"<AmazonEnvelope>&xxe;</AmazonEnvelope>",
    b"<AmazonEnvelope><Message>" * 200,
    b"\xff\xfe<\x00A\x00",
    b"sku\tprice\tquantity\nEMU-0001\t12.50\t3\nEMU-0002\tabc\t-1\n",
    b"sku\tprice\n" + b"\t" * 5000,
)


@st.composite
def feed_body(draw: st.DrawFn) -> bytes:
    base = draw(st.one_of(st.sampled_from(XML_BODIES), st.binary(max_size=600)))
    if base and draw(st.booleans()):
        base = base[: draw(st.integers(0, len(base) - 1))]  # truncated document
    return base


@st.composite
def operation_request(draw: st.DrawFn) -> FuzzRequest:
    op = draw(st.sampled_from(TRANSLATED_OPS))
    path = draw(st.sampled_from(op.paths))
    params = base_params(op.name, op.version, op.seller_param)
    names = st.sampled_from(op.params) if op.params else st.sampled_from(COMMON_PARAMS)
    extra = draw(
        st.lists(
            st.tuples(st.one_of(names, names, st.sampled_from(COMMON_PARAMS)), values),
            max_size=6,
        )
    )
    for name, value in extra:
        if name.endswith("List") or name in ("MarketplaceId", "OrderStatus", "AmazonOrderId"):
            name = f"{name}.{draw(st.sampled_from(('Id', 'Status', 'Type')))}.1"
        params[name] = value
    if op.name == "SubmitFeed":
        params.setdefault("FeedType", draw(st.sampled_from(FEED_TYPES)))
        body = draw(feed_body())
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        choice = draw(st.sampled_from(("right", "wrong", "absent", "garbage", "header")))
        headers: tuple[tuple[bytes, bytes], ...] = (
            (b"content-type", draw(st.sampled_from((b"text/xml", b"text/tab-separated-values")))),
        )
        if choice == "right":
            params["ContentMD5Value"] = md5
        elif choice == "wrong":
            params["ContentMD5Value"] = base64.b64encode(hashlib.md5(body + b"x").digest()).decode()
        elif choice == "garbage":
            params["ContentMD5Value"] = draw(any_text)
        elif choice == "header":
            headers += ((b"content-md5", md5.encode()),)
        signed = sign(params, method="POST", path=path)
        chunked = draw(st.booleans()) and len(body) > 1
        chunks = (body[: len(body) // 2], body[len(body) // 2 :]) if chunked else (body,)
        return _request(
            f"op-{op.name}-md5-{choice}",
            "POST",
            path,
            encode_pairs(list(signed.items())),
            chunks,
            headers,
            chunked=chunked,
        )
    method = draw(st.sampled_from(("GET", "POST")))
    signed = sign(params, method=method, path=path)
    encoded = encode_pairs(list(signed.items()))
    if method == "POST":
        return _request(f"op-{op.name}", "POST", path, b"", (encoded,), FORM)
    return _request(f"op-{op.name}", "GET", path, encoded)


def operation_requests() -> st.SearchStrategy[FuzzRequest]:
    return operation_request()
