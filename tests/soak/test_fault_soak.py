"""Fault soak against a live uvicorn gateway (~20 s in CI; ``MWS_SOAK_SECONDS=600`` for long).

Asserts: no hang (every request answered within the client timeout), every answer valid MWS
with an allowed status for its phase, GetServiceStatus leaves GREEN during the faults and is
GREEN again after them, RSS growth under a generous bound (the figures are printed)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.soak.soak import fault_statuses, run_soak

pytestmark = [pytest.mark.anyio, pytest.mark.live]

SECONDS = float(os.environ.get("MWS_SOAK_SECONDS", "20"))
RSS_BOUND_MIB = 200.0


@pytest.mark.timeout(int(SECONDS) + 120)
async def test_fault_soak(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    report = await run_soak(tmp_path, SECONDS)
    with capsys.disabled():
        print("\n" + report.summary())
    assert report.hangs == 0
    assert report.problems == [], report.summary()
    assert report.requests > 50, report.summary()
    assert sum(report.faults_fired.values()) > 20, report.faults_fired
    faults = report.by_phase["faults"]
    assert any(b.startswith("503") for b in faults) and "200" in faults, faults
    assert fault_statuses(report) & {"YELLOW", "RED"}, report.status_seen
    assert report.recovered_after_s is not None, report.summary()
    control = [set(v) for k, v in report.status_seen.items() if k.endswith(":Sellers")]
    assert set().union(*control) == {"GREEN"}, report.status_seen
    assert report.rss_growth_mib < RSS_BOUND_MIB, report.summary()
