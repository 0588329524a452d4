"""Every recorded case converts exactly as the whole-in-memory implementation did."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.feeds.cases import all_cases
from tests.feeds.record_expected import EXPECTED, OPTION_SETS, as_json, convert_case

RECORDED: dict[str, Any] = json.loads(EXPECTED.read_text())
KEYS = [f"{name}@{label}" for name in all_cases() for label in OPTION_SETS]


def test_every_case_is_recorded() -> None:
    assert sorted(RECORDED) == sorted(KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_in_memory_conversion_matches_the_record(key: str) -> None:
    name, label = key.split("@")
    result = convert_case(all_cases()[name], OPTION_SETS[label])
    assert as_json(result) == RECORDED[key]
