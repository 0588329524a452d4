"""Recommendations stays an explicit MWS error: Amazon deprecated the section with no SP-API
successor, and the error says so (through the app and to python-amazon-mws's own class)."""

from __future__ import annotations

import mws
import pytest

from gateway.config import DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER
from tests.support.gateway import MwsClient
from tests.support.live import LiveServer
from tests.support.xmlcheck import assert_valid_mws_xml, find_text

RECOMMENDATIONS = ("/Recommendations/2013-04-01", "2013-04-01")


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("action", "params"),
    [
        ("GetLastUpdatedTimeForRecommendations", {"MarketplaceId": "ATVPDKIKX0DER"}),
        ("ListRecommendations", {"MarketplaceId": "ATVPDKIKX0DER"}),
        ("ListRecommendationsByNextToken", {"NextToken": "abc"}),
    ],
)
async def test_every_operation_says_there_is_no_successor(
    mws: MwsClient, action: str, params: dict[str, str]
) -> None:
    response = await mws.call(RECOMMENDATIONS[0], action, RECOMMENDATIONS[1], params)
    assert response.status_code == 400  # a Sender error: clients do not retry it
    root = assert_valid_mws_xml(response.content)
    assert find_text(root, "Error/Code") == "UnsupportedOperation"
    message = find_text(root, "Error/Message") or ""
    assert message.startswith(f"Recommendations.{action} is not available through this gateway")
    assert "deprecated" in message and "no successor" in message
    assert not mws.emulator.calls  # nothing was asked of SP-API


@pytest.mark.live
def test_python_amazon_mws_sees_the_error(live_gateway: LiveServer) -> None:
    api = mws.Recommendations(DEMO_ACCESS_KEY, DEMO_SECRET, DEMO_SELLER, domain=live_gateway.url)
    with pytest.raises(mws.MWSError) as caught:
        api.list_recommendations("ATVPDKIKX0DER")
    text = caught.value.response.text
    assert "<Code>UnsupportedOperation</Code>" in text
    assert "no successor in the Selling Partner API" in text
