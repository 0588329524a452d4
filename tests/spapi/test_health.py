from __future__ import annotations

import pytest

from gateway.health import CircuitState, HealthBoard, HealthConfig, Outcome


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_board(**overrides: float) -> tuple[HealthBoard, FakeClock]:
    clock = FakeClock()
    cfg = HealthConfig(
        window_seconds=overrides.get("window_seconds", 60.0),
        min_samples=int(overrides.get("min_samples", 4)),
        yellow_error_rate=overrides.get("yellow_error_rate", 0.25),
        open_error_rate=overrides.get("open_error_rate", 0.75),
        open_after_failures=int(overrides.get("open_after_failures", 3)),
        cooldown_seconds=overrides.get("cooldown_seconds", 10.0),
    )
    return HealthBoard(cfg, clock=clock), clock


def test_unknown_section_is_green() -> None:
    board, _ = make_board()
    assert board.status("Orders") == ("GREEN", None)
    assert board.allow("Orders")


def test_elevated_error_rate_is_yellow_then_ages_out_to_green() -> None:
    board, clock = make_board()
    for _ in range(6):
        board.success("Orders")
    board.failure("Orders")
    board.failure("Orders")
    status, message = board.status("Orders")
    assert status == "YELLOW"
    assert message is not None and "25%" in message
    assert board.circuit("Orders") is CircuitState.CLOSED
    assert board.status("Products") == ("GREEN", None)
    clock.now += 61
    board.success("Orders")
    assert board.status("Orders") == ("GREEN", None)


def test_consecutive_failures_open_then_half_open_then_close() -> None:
    board, clock = make_board()
    for _ in range(3):
        board.failure("Orders")
    assert board.circuit("Orders") is CircuitState.OPEN
    status, message = board.status("Orders")
    assert status == "RED" and message
    assert not board.allow("Orders")
    clock.now += 10
    assert board.circuit("Orders") is CircuitState.HALF_OPEN
    assert board.allow("Orders")  # the one trial
    assert not board.allow("Orders")  # nobody else while it runs
    board.success("Orders")
    assert board.circuit("Orders") is CircuitState.CLOSED
    assert board.allow("Orders")
    # Window still holds 3 failures out of 4 samples: elevated, not red.
    assert board.status("Orders")[0] == "YELLOW"
    clock.now += 61
    assert board.status("Orders") == ("GREEN", None)


def test_failed_trial_reopens_for_another_cooldown() -> None:
    board, clock = make_board()
    for _ in range(3):
        board.failure("Orders")
    clock.now += 10
    assert board.allow("Orders")
    board.failure("Orders")
    assert board.circuit("Orders") is CircuitState.OPEN
    clock.now += 9
    assert not board.allow("Orders")
    clock.now += 1
    assert board.allow("Orders")


def test_error_rate_opens_circuit_without_consecutive_run() -> None:
    board, _ = make_board(open_after_failures=100, open_error_rate=0.8)
    for outcome in [Outcome.FAILURE, Outcome.SUCCESS, Outcome.FAILURE, Outcome.FAILURE]:
        board.record("Reports", outcome)
    assert board.circuit("Reports") is CircuitState.CLOSED  # 3/4 < 0.8
    board.failure("Reports")
    assert board.circuit("Reports") is CircuitState.OPEN


def test_unreachable_is_red_even_before_circuit_opens() -> None:
    board, _ = make_board()
    board.success("Feeds")
    board.failure("Feeds", unreachable=True)
    status, message = board.status("Feeds")
    assert status == "RED" and message is not None and "reach" in message
    board.success("Feeds")
    assert board.status("Feeds")[0] in ("GREEN", "YELLOW")
    assert board.status("Feeds")[0] != "RED"


def test_throttling_is_not_an_outage() -> None:
    board, _ = make_board()
    for _ in range(20):
        board.throttled("Orders")
    assert board.status("Orders") == ("GREEN", None)
    assert board.error_rate("Orders") == (0.0, 0)


def test_config_validation() -> None:
    with pytest.raises(ValueError):
        HealthConfig(yellow_error_rate=0.9, open_error_rate=0.5)
    with pytest.raises(ValueError):
        HealthConfig(window_seconds=0)
