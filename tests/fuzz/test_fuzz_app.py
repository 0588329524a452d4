"""Hostile and malformed requests against the gateway app (in memory): every answer is a valid
MWS document, no 5xx beyond the documented 503s, no exception escapes, every answer in time.

CI runs a few hundred derandomized examples; ``make fuzz`` runs the same strategies for long
(``tests/fuzz/driver.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from tests.fuzz.harness import FuzzRequest, Harness, harnesses
from tests.fuzz.strategies import TRANSLATED_OPS, front_door_requests, operation_requests

CI_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture(scope="module")
def gateways(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Harness, Harness]]:
    with harnesses(Path(tmp_path_factory.mktemp("fuzz"))) as pair:
        yield pair


def _assert_ok(harness: Harness, req: FuzzRequest) -> None:
    verdict = harness.check(req)
    assert not verdict.problems, f"{req.describe()} -> {verdict.bucket}: {verdict.problems}"


def test_there_are_translated_operations_to_fuzz() -> None:
    sections = {op.section for op in TRANSLATED_OPS}
    assert {"Orders", "Reports", "Feeds"} <= sections, sections


def test_front_door(gateways: tuple[Harness, Harness]) -> None:
    front, _ = gateways

    @CI_SETTINGS
    @given(front_door_requests())
    def check(req: FuzzRequest) -> None:
        _assert_ok(front, req)

    check()


def test_signed_operations(gateways: tuple[Harness, Harness]) -> None:
    _, ops = gateways

    @CI_SETTINGS
    @given(operation_requests())
    def check(req: FuzzRequest) -> None:
        _assert_ok(ops, req)

    check()
