"""Signature Version 2 against independent oracles: the legacy clients' own signing code."""

from __future__ import annotations

from urllib.parse import parse_qsl

import boto.auth
import boto.provider
import mws.mws
import pytest
from mws.future_utils.params import clean_params_dict, remove_empty_param_keys

from gateway.mws import signature
from tests.support.signing import oracle_signature

SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
PARAMS = {
    "AWSAccessKeyId": "AKIAEXAMPLE",
    "Action": "ListOrders",
    "SellerId": "A1SELLER",
    "SignatureVersion": "2",
    "Timestamp": "2026-11-23T08:37:32",
    "Version": "2013-09-01",
    "MarketplaceId.Id.1": "ATVPDKIKX0DER",
    "BuyerEmail": "a b+c~d*é@example.com",
}


def _verify(
    params: dict[str, str],
    sig: str,
    algo: str,
    method: str,
    host_header: str,
    path: str = "/Orders/2013-09-01",
) -> bool:
    return signature.verify(
        secret=SECRET,
        signature=sig,
        algorithm=algo,
        method=method,
        hosts=signature.host_candidates(host_header),
        paths=[path],
        params=params,
    )


def test_python_amazon_mws_signature_over_http_signs_scheme_and_port() -> None:
    api = mws.mws.MWS("AKIAEXAMPLE", SECRET, "A1SELLER", domain="http://127.0.0.1:8080")
    api.uri = "/Orders/2013-09-01"
    params = dict(PARAMS, SignatureMethod="HmacSHA256")
    description = mws.mws.calc_request_description(
        clean_params_dict(remove_empty_param_keys(params))
    )
    sig = api.calc_signature("GET", description).decode()
    # its host line is "http://127.0.0.1:8080", which the Host header alone does not give
    assert _verify(params, sig, "HmacSHA256", "GET", "127.0.0.1:8080")
    assert not _verify(params, sig, "HmacSHA256", "GET", "127.0.0.1:8081")
    assert not _verify(params, sig, "HmacSHA256", "POST", "127.0.0.1:8080")


@pytest.mark.parametrize("algo", ["HmacSHA256", "HmacSHA1"])
def test_boto_signature_host_without_port(algo: str) -> None:
    provider = boto.provider.Provider("aws", "AKIAEXAMPLE", SECRET)
    handler = boto.auth.QuerySignatureV2AuthHandler("127.0.0.1", boto.config, provider)
    if algo == "HmacSHA1":
        handler._hmac_256 = None
    params = dict(PARAMS)
    query, sig = handler._calc_signature(params, "POST", "/Orders/2013-09-01", "127.0.0.1")
    decoded = dict(parse_qsl(query, keep_blank_values=True))
    assert decoded["SignatureMethod"] == algo
    # boto sends Host: 127.0.0.1 (no port); a Host with the port must also be accepted
    assert _verify(decoded, sig.decode(), algo, "POST", "127.0.0.1")
    assert _verify(decoded, sig.decode(), algo, "POST", "127.0.0.1:8080")
    assert not _verify(decoded, sig.decode(), algo, "GET", "127.0.0.1")


@pytest.mark.parametrize("algo", ["HmacSHA256", "HmacSHA1"])
@pytest.mark.parametrize(
    ("signed_host", "host_header", "public"),
    [
        ("127.0.0.1:8080", "127.0.0.1:8080", ()),  # Host header as sent
        ("127.0.0.1", "127.0.0.1:8080", ()),  # host without port (PHP new libs)
        ("mws.example.com", "gateway-svc:8080", ("mws.example.com",)),  # behind an ingress
        ("http://127.0.0.1:8080", "127.0.0.1:8080", ()),  # https:// stripped only
        ("MWS.Example.COM", "gateway-svc", ("mws.example.com",)),  # case-insensitive
    ],
)
def test_every_host_line_variant(
    algo: str, signed_host: str, host_header: str, public: tuple[str, ...]
) -> None:
    params = dict(PARAMS, SignatureMethod=algo)
    sig = oracle_signature(SECRET, "POST", signed_host, "/Orders/2013-09-01", params, algo)
    assert signature.verify(
        secret=SECRET,
        signature=sig,
        algorithm=algo,
        method="POST",
        hosts=signature.host_candidates(host_header, public),
        paths=["/Orders/2013-09-01"],
        params=params,
    )


def test_wrong_secret_and_tampered_parameter_fail() -> None:
    params = dict(PARAMS, SignatureMethod="HmacSHA256")
    sig = oracle_signature(SECRET, "GET", "h", "/Orders/2013-09-01", params, "HmacSHA256")
    assert _verify(params, sig, "HmacSHA256", "GET", "h")
    wrong = oracle_signature("other", "GET", "h", "/Orders/2013-09-01", params, "HmacSHA256")
    assert not _verify(params, wrong, "HmacSHA256", "GET", "h")
    assert not _verify(dict(params, SellerId="A2OTHER"), sig, "HmacSHA256", "GET", "h")
    assert not _verify(params, "not base64 at all \u00e9", "HmacSHA256", "GET", "h")


def test_canonical_query_is_rfc3986_byte_ordered() -> None:
    query = signature.canonical_query(
        {"b": "x y", "B": "~*", "a.10": "1", "a.2": "2", "Signature": "dropped", "é": "ü"}
    )
    assert query == "B=~%2A&a.10=1&a.2=2&b=x%20y&%C3%A9=%C3%BC"


def test_signed_query_round_trips_through_verify() -> None:
    text = signature.signed_query(
        secret=SECRET, method="GET", host="127.0.0.1:8080", path="/", params=PARAMS
    )
    decoded = dict(parse_qsl(text, keep_blank_values=True))
    assert signature.verify(
        secret=SECRET,
        signature=decoded["Signature"],
        algorithm="HmacSHA256",
        method="GET",
        hosts=["127.0.0.1:8080"],
        paths=["/"],
        params=decoded,
    )
