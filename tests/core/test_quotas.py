"""The MWS quota arithmetic shared by the memory and Redis backends."""

from __future__ import annotations

from gateway.mws.quotas import Throttle, take

GSS = Throttle(bucket="GetServiceStatus", max=2, restore=1, period=300)
HOURLY = Throttle(bucket="RequestReport", max=15, restore=1, period=60, hourly=20)


def test_burst_then_throttled_then_restored() -> None:
    state = None
    decisions = []
    for _ in range(3):
        state, decision = take(state, GSS, now=1000.0)
        decisions.append(decision)
    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[2].reason == "burst"
    assert 299.0 < decisions[2].retry_after <= 300.0
    state, decision = take(state, GSS, now=1000.0 + 299)
    assert not decision.allowed
    state, decision = take(state, GSS, now=1000.0 + 300.5)
    assert decision.allowed


def test_hourly_quota_exceeded_until_the_window_turns() -> None:
    state = None
    now = 7200.0  # start of an hour
    admitted = 0
    for i in range(80):  # one every 90 s: the burst bucket never drains, the hourly cap bites
        state, decision = take(state, HOURLY, now=now + i * 90)
        if decision.allowed:
            admitted += 1
        else:
            assert decision.reason == "hourly"
            assert decision.hourly_remaining == 0
            assert decision.resets_on in (7200.0 + 3600, 7200.0 + 7200)
    assert admitted == 20 + 20  # 20 in the first hour, 20 in the second
    assert decision.hourly_max == 20


def test_failed_requests_do_not_spend_tokens() -> None:
    state, _ = take(None, GSS, now=0.0)
    state, _ = take(state, GSS, now=0.0)
    state, refused = take(state, GSS, now=0.0)
    assert not refused.allowed
    assert state.tokens == 0.0
    assert state.hour_count == 2


def test_item_costs_count_against_the_hourly_quota() -> None:
    items = Throttle(bucket="GetMyPrice", max=20, restore=10, period=1, hourly=36)
    state, first = take(None, items, now=0.0, cost=15)
    assert first.allowed and first.hourly_remaining == 21
    state, second = take(state, items, now=10.0, cost=20)
    assert second.allowed and second.hourly_remaining == 1
    state, third = take(state, items, now=20.0, cost=2)
    assert not third.allowed and third.reason == "hourly"
