from __future__ import annotations

from pathlib import Path

import pytest

from gateway.catalog import CatalogError, _load_yaml
from gateway.mws.errors import MwsError
from gateway.mws.params import list_values, merge_parameters, parse_pairs, struct_list


def test_parse_pairs_decodes_plus_and_percent_and_skips_empty_segments() -> None:
    pairs = parse_pairs("&A=1+2&B=%C3%A9%20x&&C=&=ignored", max_parameters=10)
    assert pairs == [("A", "1 2"), ("B", "é x"), ("C", "")]


def test_invalid_utf8_is_an_mws_error() -> None:
    with pytest.raises(MwsError) as err:
        parse_pairs("A=%FF%FE", max_parameters=10)
    assert err.value.code == "InvalidParameterValue"


def test_too_many_parameters() -> None:
    with pytest.raises(MwsError) as err:
        parse_pairs("&".join(f"p{i}=1" for i in range(20)), max_parameters=10)
    assert err.value.code == "InvalidParameterValue"


def test_merge_accepts_agreeing_duplicates_and_refuses_conflicts() -> None:
    assert merge_parameters([("A", "1")], [("A", "1"), ("B", "2")]) == {"A": "1", "B": "2"}
    with pytest.raises(MwsError) as err:
        merge_parameters([("A", "1")], [("A", "2")])
    assert err.value.code == "InvalidParameterValue"
    with pytest.raises(MwsError):
        merge_parameters([("A", "1"), ("A", "2")])


def test_list_values_in_numeric_order() -> None:
    params = {"M.Id.10": "j", "M.Id.2": "b", "M.Id.1": "a", "M.Idx.3": "no", "M.Id.0": "no"}
    assert list_values(params, "M.Id") == ["a", "b", "j"]


def test_struct_list() -> None:
    params = {
        "Items.member.2.SellerSKU": "s2",
        "Items.member.1.SellerSKU": "s1",
        "Items.member.1.PerUnitPrice.Value": "9.99",
    }
    assert struct_list(params, "Items.member") == [
        {"SellerSKU": "s1", "PerUnitPrice.Value": "9.99"},
        {"SellerSKU": "s2"},
    ]


def test_catalog_refuses_a_key_given_twice(tmp_path: Path) -> None:
    table = tmp_path / "x.yaml"
    table.write_text("operations:\n  A: {}\n  B: {}\n  A: {}\n")
    with pytest.raises(CatalogError, match="key 'A' is given twice"):
        _load_yaml(table)
