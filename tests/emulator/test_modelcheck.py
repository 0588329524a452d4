"""The model checker itself must reject bodies that do not fit."""

from __future__ import annotations

from typing import Any

import pytest

from tests.emulator.modelcheck import (
    find_operation,
    usage_plan,
    validate_against_model,
    validate_definition,
)

GOOD: dict[str, Any] = {
    "payload": [
        {
            "marketplace": {
                "id": "ATVPDKIKX0DER",
                "name": "Amazon.com",
                "countryCode": "US",
                "defaultCurrencyCode": "USD",
                "defaultLanguageCode": "en_US",
                "domainName": "www.amazon.com",
            },
            "participation": {"isParticipating": True, "hasSuspendedListings": False},
            "storeName": "S",
        }
    ]
}


def test_accepts_a_valid_body() -> None:
    validate_against_model("sellers.json", "getMarketplaceParticipations", 200, GOOD)


def test_rejects_missing_required_field() -> None:
    body = {"payload": [{**GOOD["payload"][0]}]}
    del body["payload"][0]["storeName"]
    with pytest.raises(AssertionError, match="storeName"):
        validate_against_model("sellers.json", "getMarketplaceParticipations", 200, body)


def test_rejects_wrong_types_and_patterns() -> None:
    body = {
        "payload": [
            {
                **GOOD["payload"][0],
                "participation": {"isParticipating": "yes", "hasSuspendedListings": False},
            }
        ]
    }
    with pytest.raises(AssertionError, match="isParticipating"):
        validate_against_model("sellers.json", "getMarketplaceParticipations", 200, body)
    market = {**GOOD["payload"][0]["marketplace"], "countryCode": "usa"}
    with pytest.raises(AssertionError, match="countryCode"):
        validate_definition("sellers.json", "Marketplace", market)


def test_strict_mode_rejects_undeclared_fields() -> None:
    body = {"payload": [{**GOOD["payload"][0], "storename": "typo"}]}
    with pytest.raises(AssertionError, match="storename"):
        validate_against_model("sellers.json", "getMarketplaceParticipations", 200, body)
    validate_against_model("sellers.json", "getMarketplaceParticipations", 200, body, strict=False)


def test_error_list_shapes() -> None:
    errors = {"errors": [{"code": "InvalidInput", "message": "m"}]}
    validate_against_model("tokens_2021-03-01.json", "createRestrictedDataToken", 400, errors)
    with pytest.raises(AssertionError):
        validate_against_model(
            "tokens_2021-03-01.json", "createRestrictedDataToken", 400, {"errors": [{"code": 1}]}
        )


def test_lookup_helpers() -> None:
    assert find_operation("orders_2026-01-01.json", "getOrder")[:2] == (
        "GET",
        "/orders/2026-01-01/orders/{orderId}",
    )
    assert usage_plan("tokens_2021-03-01.json", "createRestrictedDataToken") == (1.0, 10)
    with pytest.raises(KeyError):
        find_operation("sellers.json", "noSuchOperation")
    with pytest.raises(AssertionError, match="no response"):
        validate_against_model("sellers.json", "getAccount", 201, {})
