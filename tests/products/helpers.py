"""Shared pieces of the Products tests: the MWS path/version, result and element helpers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import httpx

from tests.emulator.helpers import auth
from tests.support.gateway import MwsClient
from tests.support.xmlcheck import assert_valid_mws_xml, find_text, strip_ns

P = "/Products/2011-10-01"
V = "2011-10-01"
US = "ATVPDKIKX0DER"
CA = "A2EUQ1WTGCTBG2"
SELLER = "A1EXAMPLESELLER"


def results(root: ET.Element, action: str) -> list[ET.Element]:
    """The ``<{action}Result>`` elements of a bulk answer (ResponseMetadata last)."""
    assert strip_ns(root[-1].tag) == "ResponseMetadata"
    return [c for c in root if strip_ns(c.tag) == f"{action}Result"]


def child(node: ET.Element, path: str) -> ET.Element:
    for part in path.split("/"):
        nxt = next((c for c in node if strip_ns(c.tag) == part), None)
        assert nxt is not None, f"{part} missing under {strip_ns(node.tag)}"
        node = nxt
    return node


def kids(node: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in node if strip_ns(c.tag) == name]


def text(node: ET.Element, path: str) -> str:
    value = find_text(node, path)
    assert value is not None, path
    return value


def tags(node: ET.Element) -> list[str]:
    return [strip_ns(c.tag) for c in node]


def listings(mws: MwsClient) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = mws.emulator.data.listings
    return data


def sku_list(skus: list[str]) -> dict[str, str]:
    return {f"SellerSKUList.SellerSKU.{i}": s for i, s in enumerate(skus, 1)}


def asin_list(asins: list[str]) -> dict[str, str]:
    return {f"ASINList.ASIN.{i}": a for i, a in enumerate(asins, 1)}


async def call(mws: MwsClient, action: str, params: Mapping[str, str]) -> ET.Element:
    """A successful Products call (POST, form in the query like boto), its validated root."""
    response = await mws.call(P, action, V, dict(params), method="POST")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    return assert_valid_mws_xml(response.content)


async def refused(mws: MwsClient, action: str, params: Mapping[str, str]) -> tuple[str, str]:
    """A refused Products call: (Error/Code, Error/Message), the body validated."""
    response = await mws.call(P, action, V, dict(params), method="POST")
    assert response.status_code == 400, response.text
    root = assert_valid_mws_xml(response.content)
    return text(root, "Error/Code"), text(root, "Error/Message")


def fee_request(
    n: int,
    id_type: str,
    value: str,
    price: str,
    *,
    marketplace: str = US,
    afn: bool = False,
    shipping: str | None = None,
    currency: str = "USD",
    identifier: str | None = None,
) -> dict[str, str]:
    """``FeesEstimateRequestList.FeesEstimateRequest.n.*`` parameters of one fee request."""
    b = f"FeesEstimateRequestList.FeesEstimateRequest.{n}."
    out = {
        b + "MarketplaceId": marketplace,
        b + "IdType": id_type,
        b + "IdValue": value,
        b + "IsAmazonFulfilled": "true" if afn else "false",
        b + "Identifier": identifier or f"request-{n}",
        b + "PriceToEstimateFees.ListingPrice.CurrencyCode": currency,
        b + "PriceToEstimateFees.ListingPrice.Amount": price,
    }
    if shipping is not None:
        out[b + "PriceToEstimateFees.Shipping.CurrencyCode"] = currency
        out[b + "PriceToEstimateFees.Shipping.Amount"] = shipping
    return out


async def emulator_get(
    client: httpx.AsyncClient, token: str, path: str, params: Mapping[str, str]
) -> httpx.Response:
    return await client.get(path, params=dict(params), headers=auth(token))


async def emulator_post(
    client: httpx.AsyncClient, token: str, path: str, body: Any
) -> httpx.Response:
    return await client.post(path, json=body, headers=auth(token))
