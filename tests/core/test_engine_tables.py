"""Generic table features of the translation engine: enum aliases, lists rendered empty,
the at_least_one rule, the seller-marketplace check of scalars, nested structures with dropped
fields and decimals."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.mws.errors import MwsError
from gateway.translate.engine.fields import FieldMapError, FieldMaps
from gateway.translate.engine.params import parse_params
from gateway.translate.engine.structures import build

TABLES: dict[str, Any] = {
    "enums": {"status": {"DELIVERED": "Delivered", "IN_TRANSIT": "InTransit"}},
    "enum_aliases": {"status": {"OutForDelivery": "IN_TRANSIT"}},
    "fields": {
        "package": [
            {"el": "Status", "from": "status", "enum": "status"},
            {"el": "Events", "from": "events", "each": "member", "always": True},
            {"el": "Notes", "from": "notes", "each": "member"},
        ]
    },
}


def test_an_alias_answers_with_an_existing_mws_value() -> None:
    maps = FieldMaps(TABLES)
    build_package = maps.children("package")
    assert build_package({"status": "OutForDelivery"})[0] == ("Status", "IN_TRANSIT")
    assert build_package({"status": "Delivered"})[0] == ("Status", "DELIVERED")
    assert maps.to_spapi["status"] == {"DELIVERED": "Delivered", "IN_TRANSIT": "InTransit"}


@pytest.mark.parametrize(
    "aliases",
    [{"nope": {"X": "DELIVERED"}}, {"status": {"X": "NOT_AN_MWS_VALUE"}}],
)
def test_a_broken_alias_table_is_refused(aliases: dict[str, Any]) -> None:
    with pytest.raises(FieldMapError):
        FieldMaps({**TABLES, "enum_aliases": aliases})


def test_always_lists_render_empty_and_others_vanish() -> None:
    build_package = FieldMaps(TABLES).children("package")
    assert build_package({"status": "Delivered"}) == [("Status", "DELIVERED"), ("Events", [])]
    assert build_package({"events": [], "notes": []}) == [("Events", [])]
    assert build_package({"events": ["a"], "notes": ["b"]}) == [
        ("Events", [("member", "a")]),
        ("Notes", [("member", "b")]),
    ]


def parse(params: dict[str, str]) -> dict[str, Any]:
    specs = {
        "A": {"type": "string"},
        "B": {"type": "string"},
        "MarketplaceId": {"type": "string", "check": "seller_marketplaces"},
    }
    return parse_params(
        specs,
        [{"at_least_one": ["A", "B"]}],
        params,
        enums={},
        patterns={},
        seller_marketplaces=("ATVPDKIKX0DER",),
        now=datetime.now(UTC),
    ).values


def test_at_least_one_and_the_seller_marketplace_check() -> None:
    assert parse({"A": "1"}) == {"A": "1"}
    assert parse({"A": "1", "B": "2"}) == {"A": "1", "B": "2"}
    with pytest.raises(MwsError) as caught:
        parse({})
    assert caught.value.code == "MissingParameter"
    assert "A or B" in str(caught.value.message)
    assert parse({"A": "1", "MarketplaceId": "ATVPDKIKX0DER"})["MarketplaceId"] == "ATVPDKIKX0DER"
    with pytest.raises(MwsError) as caught:
        parse({"A": "1", "MarketplaceId": "A1PA6795UKMFR9"})
    assert caught.value.code == "InvalidParameterValue"


REQUEST = {
    "top": [
        {"mws": "Size", "to": "size", "struct": "size", "drop": True},
        {"mws": "Weight", "to": "weight", "as": "decimal", "required": True},
        {"mws": "Tags", "to": "tags", "values": True, "member": ["member", "Tag"], "max": 2},
    ],
    "size": [{"mws": "Length", "to": "length", "as": "decimal", "required": True}],
}


def test_nested_structures_drop_decimals_and_lists() -> None:
    body = build(
        {"Size.Length": "12.50", "Weight": "3", "Tags.Tag.1": "a", "Tags.Tag.2": "b"},
        "top",
        "",
        REQUEST,
        {},
    )
    assert body == {"weight": 3, "tags": ["a", "b"]}  # Size checked, not sent
    assert build({"Weight": "0.25"}, "top", "", REQUEST, {}) == {"weight": 0.25}
    for params, code in (
        ({"Size.Length": "long", "Weight": "1"}, "InvalidParameterValue"),
        ({"Weight": "-1"}, "InvalidParameterValue"),
        ({"Weight": "1", "Tags.member.1": "a", "Tags.Tag.1": "b"}, "InvalidParameterValue"),
        ({"Weight": "1", "Tags.Tag.1": "a", "Tags.Tag.2": "b", "Tags.Tag.3": "c"},
         "InvalidParameterValue"),
        ({}, "MissingParameter"),
    ):  # fmt: skip
        with pytest.raises(MwsError) as caught:
            build(params, "top", "", REQUEST, {})
        assert caught.value.code == code, params
