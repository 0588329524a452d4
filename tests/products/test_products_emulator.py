"""The emulated Product Pricing v0 endpoints, checked against Amazon's model."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway.emulator.app import create_emulator_app
from gateway.emulator.config import EmulatorConfig
from gateway.emulator.state import EmulatorState
from tests.emulator.helpers import auth, get_lwa_token
from tests.emulator.modelcheck import validate_against_model

pytestmark = pytest.mark.anyio

MODEL = "productPricingV0.json"
US = "ATVPDKIKX0DER"


@pytest.fixture
async def emu() -> AsyncIterator[tuple[httpx.AsyncClient, EmulatorState, str]]:
    app = create_emulator_app(EmulatorConfig(rate_mode="off"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        token = await get_lwa_token(client)
        yield client, app.state.emulator, token


async def get(
    emu: tuple[httpx.AsyncClient, EmulatorState, str], path: str, params: dict[str, str]
) -> httpx.Response:
    client, _, token = emu
    return await client.get(path, params=params, headers=auth(token))


def listings(emu: tuple[httpx.AsyncClient, EmulatorState, str]) -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = emu[1].data.listings
    return data


async def test_get_pricing_fits_the_model(
    emu: tuple[httpx.AsyncClient, EmulatorState, str],
) -> None:
    skus = sorted(listings(emu))[:4]
    response = await get(
        emu,
        "/products/pricing/v0/price",
        {"MarketplaceId": US, "ItemType": "Sku", "Skus": ",".join([*skus, "NOPE"])},
    )
    assert response.status_code == 200
    body = response.json()
    validate_against_model(MODEL, "getPricing", 200, body)
    assert [p["SellerSKU"] for p in body["payload"]] == [*skus, "NOPE"]
    assert [p["status"] for p in body["payload"]] == ["Success"] * 4 + ["ClientError"]
    first = body["payload"][0]["Product"]["Offers"][0]
    assert f"{first['RegularPrice']['Amount']:.2f}" == listings(emu)[skus[0]]["price"]

    asins = [listings(emu)[s]["asin"] for s in skus]
    by_asin = await get(
        emu,
        "/products/pricing/v0/price",
        {"MarketplaceId": US, "ItemType": "Asin", "Asins": ",".join(asins)},
    )
    validate_against_model(MODEL, "getPricing", 200, by_asin.json())
    too_many = await get(
        emu,
        "/products/pricing/v0/price",
        {"MarketplaceId": US, "ItemType": "Asin", "Asins": ",".join(f"B{n}" for n in range(21))},
    )
    assert too_many.status_code == 400
    validate_against_model(MODEL, "getPricing", 400, too_many.json())


async def test_get_competitive_pricing_fits_the_model(
    emu: tuple[httpx.AsyncClient, EmulatorState, str],
) -> None:
    skus = sorted(listings(emu))[:20]
    response = await get(
        emu,
        "/products/pricing/v0/competitivePrice",
        {"MarketplaceId": US, "ItemType": "Sku", "Skus": ",".join(skus)},
    )
    assert response.status_code == 200
    body = response.json()
    validate_against_model(MODEL, "getCompetitivePricing", 200, body)
    assert all(p["status"] == "Success" for p in body["payload"])
    assert any(p["Product"]["CompetitivePricing"]["CompetitivePrices"] for p in body["payload"])


async def test_offers_fit_the_model_and_unknown_items_are_400(
    emu: tuple[httpx.AsyncClient, EmulatorState, str],
) -> None:
    data = listings(emu)
    for sku in sorted(data)[:10]:
        for condition in ("New", "Used"):
            listing = await get(
                emu,
                f"/products/pricing/v0/listings/{sku}/offers",
                {"MarketplaceId": US, "ItemCondition": condition},
            )
            assert listing.status_code == 200
            validate_against_model(MODEL, "getListingOffers", 200, listing.json())
            assert listing.json()["payload"]["SKU"] == sku
            item = await get(
                emu,
                f"/products/pricing/v0/items/{data[sku]['asin']}/offers",
                {"MarketplaceId": US, "ItemCondition": condition},
            )
            validate_against_model(MODEL, "getItemOffers", 200, item.json())
    unknown = await get(
        emu,
        "/products/pricing/v0/items/B0NONE/offers",
        {"MarketplaceId": US, "ItemCondition": "New"},
    )
    assert unknown.status_code == 400
    validate_against_model(MODEL, "getItemOffers", 400, unknown.json())
    missing = await get(
        emu, f"/products/pricing/v0/listings/{sorted(data)[0]}/offers", {"MarketplaceId": US}
    )
    assert missing.status_code == 400
