"""Two processes sharing one Redis bucket admit exactly the quota between them."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.state.conftest import REDIS_URL

pytestmark = pytest.mark.services
REPO = Path(__file__).resolve().parents[2]


def run_two(prefix: str, tmp_path: Path, *extra: str) -> list[int]:
    start = tmp_path / "go"
    cmd = [sys.executable, "-m", "tests.state.hammer", REDIS_URL, prefix, str(start), *extra]
    procs = [
        subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    time.sleep(1.0)  # let both import and connect; they wait for the start file
    start.touch()
    counts = []
    for proc in procs:
        out, err = proc.communicate(timeout=90)
        assert proc.returncode == 0, err
        counts.append(int(out.strip()))
    return counts


def test_two_processes_admit_exactly_the_burst(redis_prefix: str, tmp_path: Path) -> None:
    # restore of one request per day: nothing comes back during the test
    counts = run_two(redis_prefix, tmp_path, "--max", "200", "--requests", "400")
    assert sum(counts) == 200


def test_two_processes_admit_exactly_the_hourly_quota(redis_prefix: str, tmp_path: Path) -> None:
    counts = run_two(
        redis_prefix,
        tmp_path,
        *("--max", "10000", "--period", "1", "--hourly", "45", "--now", "1714565000.5"),
    )
    assert sum(counts) == 45
