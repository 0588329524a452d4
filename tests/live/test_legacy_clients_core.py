"""Unmodified legacy MWS clients against a uvicorn-served gateway on 127.0.0.1."""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import boto.mws.connection
import mws
import pytest

from gateway.app import create_app
from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from tests.support.gateway import demo_settings, local_only_mappings
from tests.support.live import LiveServer, serve_in_thread

pytestmark = pytest.mark.live


@pytest.fixture
def live_gateway(tmp_path: Path) -> Iterator[LiveServer]:
    """A live gateway whose translated operations are switched off: the front door only."""
    settings = demo_settings(
        tmp_path / "data",
        upstream={"mode": "emulator", "emulator_url": "http://127.0.0.1:9"},
        mappings_dir=str(local_only_mappings(tmp_path / "mappings")),
    )
    with serve_in_thread(create_app(settings), settings=settings) as server:
        yield server


MWS_SECTIONS = {
    "Orders": mws.Orders,
    "Products": mws.Products,
    "Sellers": mws.Sellers,
    "Finances": mws.Finances,
    "FulfillmentInventory": mws.Inventory,
    "FulfillmentInboundShipment": mws.InboundShipments,
    "Recommendations": mws.Recommendations,
}
BOTO_SECTIONS = {
    "Orders": "get_orders_service_status",
    "Products": "get_products_service_status",
    "FulfillmentInventory": "get_inventory_service_status",
    "FulfillmentOutboundShipment": "get_outbound_service_status",
    "FulfillmentInboundShipment": "get_inbound_service_status",
    "Recommendations": "get_recommendations_service_status",
    "Subscriptions": "get_subscriptions_service_status",
}


def test_python_amazon_mws_every_section(live_gateway: LiveServer) -> None:
    for name, api_class in MWS_SECTIONS.items():
        api = api_class(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
        parsed = api.get_service_status().parsed
        # python-amazon-mws's ObjectDict hands a leaf's text back directly
        assert parsed["Status"] == "GREEN", name
        assert parsed["Timestamp"].endswith("Z")


def test_python_amazon_mws_wrong_secret_and_throttle(live_gateway: LiveServer) -> None:
    bad = mws.Orders(DEMO_ACCESS_KEY, "not-the-secret", DEMO_SELLER, domain=live_gateway.url)
    with pytest.raises(mws.MWSError) as err:
        bad.get_service_status()
    assert "<Code>SignatureDoesNotMatch</Code>" in str(err.value)
    api = mws.Sellers(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    api.get_service_status()
    api.get_service_status()
    with pytest.raises(mws.MWSError) as err:
        api.get_service_status()
    assert "<Code>RequestThrottled</Code>" in str(err.value)
    assert err.value.response.status_code == 503


def _boto(live: LiveServer, secret: str = DEMO_SECRET) -> boto.mws.connection.MWSConnection:
    conn = boto.mws.connection.MWSConnection(
        aws_access_key_id=DEMO_ACCESS_KEY,
        aws_secret_access_key=secret,
        Merchant=DEMO_SELLER,
        host=live.host,
        port=live.port,
        is_secure=False,
    )
    conn.num_retries = 0
    return conn


def test_boto_every_section_it_supports(live_gateway: LiveServer) -> None:
    conn = _boto(live_gateway)
    for name, method in BOTO_SECTIONS.items():
        response = getattr(conn, method)()
        result = response.GetServiceStatusResult
        assert result.Status == "GREEN", name
        assert result.Timestamp.endswith("Z")


def test_boto_wrong_secret_and_throttle(live_gateway: LiveServer) -> None:
    with pytest.raises(boto.mws.exception.ResponseError) as err:
        _boto(live_gateway, "not-the-secret").get_orders_service_status()
    assert type(err.value).__name__ == "SignatureDoesNotMatch"
    conn = _boto(live_gateway)
    conn.get_products_service_status()
    conn.get_products_service_status()
    with pytest.raises(boto.mws.exception.ResponseError) as err:
        conn.get_products_service_status()
    assert type(err.value).__name__ == "RequestThrottled"
    assert err.value.status == 503


def test_503_reason_phrase_is_service_unavailable(live_gateway: LiveServer) -> None:
    api = mws.Finances(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    api.get_service_status()
    api.get_service_status()
    with pytest.raises(mws.MWSError) as err:
        api.get_service_status()
    assert err.value.response.reason == "Service Unavailable"
    conn = http.client.HTTPConnection(live_gateway.host, live_gateway.port, timeout=5)
    conn.request("GET", "/healthz")
    assert conn.getresponse().status == 200
