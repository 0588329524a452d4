from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.mws.timestamps import format_millis, format_offset, parse_iso8601

EXPECTED = datetime(2026, 11, 23, 8, 37, 32, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T08:37:32Z",
        "2026-11-23T08:37:32",  # python-amazon-mws: no zone means UTC
        "2026-11-23T08:37:32.000Z",
        "2026-11-23T08:37:32+00:00",
        "2026-11-23T08:37:32+0000",  # PHP DATE_ISO8601
        "2026-11-23T09:37:32+01:00",
        "2026-11-23T03:37:32-0500",
    ],
)
def test_spellings_clients_send(text: str) -> None:
    assert parse_iso8601(text) == EXPECTED


def test_fractions_are_kept() -> None:
    assert parse_iso8601("2026-11-23T08:37:32.123456").microsecond == 123456
    assert parse_iso8601("2026-11-23T08:37:32.5Z").microsecond == 500000


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "yesterday",
        "2026-11-23",
        "2026-11-23T08%3A37%3A32",
        "2026-13-23T08:37:32Z",
        "2026-11-23T08:37:32+25:00",
    ],
)
def test_rejects_garbage(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_iso8601(bad)


def test_formats() -> None:
    value = datetime(2020, 5, 28, 11, 22, 26, 535000, tzinfo=UTC)
    assert format_millis(value) == "2020-05-28T11:22:26.535Z"
    assert format_offset(value) == "2020-05-28T11:22:26+00:00"


def test_epoch_formatting_matches_the_datetime_path() -> None:
    from gateway.mws.timestamps import format_epoch_millis, from_epoch

    for seconds in (
        0.0,
        1590664946.535,
        1590664946.9999,
        1590664946.9999996,
        1795000000.123,
        1.0005,
    ):
        assert (
            format_epoch_millis(seconds)
            == format_millis(from_epoch(seconds))[:-5] + (format_millis(from_epoch(seconds))[-5:])
        )
        assert format_epoch_millis(seconds) == format_millis(from_epoch(seconds))
