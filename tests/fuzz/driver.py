"""Long fuzz runs outside pytest: ``python -m tests.fuzz.driver --cases 10000 [--seed N]``.

Uses the strategies and the harness of ``tests/fuzz/test_fuzz_app.py``. Unlike the pytest
suite it does not stop at the first failure: it records every failing case (first few in
full), then prints the number of cases, the status histogram and the failures, and exits 1 if
there was any. Cases are split between the front door and the signed operations
(``--front-share``, default 0.5).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from gateway.audit import configure_logging
from tests.fuzz.harness import FuzzRequest, Harness, harnesses
from tests.fuzz.strategies import front_door_requests, operation_requests

SHOWN_FAILURES = 20


class Tally:
    def __init__(self) -> None:
        self.cases = 0
        self.statuses: Counter[str] = Counter()
        self.labels: Counter[str] = Counter()
        self.failures: list[str] = []
        self.failure_kinds: Counter[str] = Counter()
        self.slowest = 0.0

    def record(self, harness: Harness, req: FuzzRequest) -> None:
        started = time.perf_counter()
        verdict = harness.check(req)
        self.slowest = max(self.slowest, time.perf_counter() - started)
        self.cases += 1
        self.statuses[verdict.bucket] += 1
        self.labels[req.label.split("-md5-")[0]] += 1
        if verdict.problems:
            kind = verdict.problems[0][:80]
            self.failure_kinds[kind] += 1
            # one example per kind of failure, up to SHOWN_FAILURES examples
            if self.failure_kinds[kind] == 1 and len(self.failures) < SHOWN_FAILURES:
                self.failures.append(f"{req.describe()}\n    -> {verdict.problems}")


def run_family(
    harness: Harness,
    strategy: st.SearchStrategy[FuzzRequest],
    cases: int,
    rng_seed: int,
    tally: Tally,
    progress: Callable[[int], None],
) -> None:
    if cases <= 0:
        return

    @seed(rng_seed)
    @settings(
        max_examples=cases,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: every failure is recorded, none raised
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def one(req: FuzzRequest) -> None:
        tally.record(harness, req)
        progress(tally.cases)

    one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20240401)
    parser.add_argument("--front-share", type=float, default=0.5)
    parser.add_argument("--quiet", action="store_true", help="no progress line")
    args = parser.parse_args(argv)

    # The gateway's JSON log would drown the report: keep it in memory (warnings and up).
    log_sink = io.StringIO()
    configure_logging("warning", stream=log_sink)
    front_cases = int(args.cases * args.front_share)
    tally = Tally()
    started = time.monotonic()

    def progress(done: int) -> None:
        if not args.quiet and done % 500 == 0:
            rate = done / max(1e-9, time.monotonic() - started)
            print(f"  {done}/{args.cases} cases ({rate:.0f}/s)", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="mws-fuzz-") as tmp, harnesses(Path(tmp)) as pair:
        front, ops = pair
        run_family(front, front_door_requests(), front_cases, args.seed, tally, progress)
        run_family(
            ops, operation_requests(), args.cases - front_cases, args.seed + 1, tally, progress
        )
    elapsed = time.monotonic() - started

    print(
        f"fuzz: {tally.cases} cases in {elapsed:.1f}s (seed {args.seed}), "
        f"slowest answer {tally.slowest * 1000:.0f} ms"
    )
    print("status histogram:")
    for bucket, count in sorted(tally.statuses.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count:7d}  {bucket}")
    print("cases per strategy:")
    for label, count in sorted(tally.labels.items()):
        print(f"  {count:7d}  {label}")
    errors_logged = log_sink.getvalue().count('"unhandled_error"')
    print(f"unhandled_error log events: {errors_logged}")
    failed = sum(tally.failure_kinds.values())
    print(f"failures: {failed}")
    for kind, count in tally.failure_kinds.most_common():
        print(f"  {count:7d}  {kind}")
    for text in tally.failures:
        print(f"- {text}")
    return 1 if failed or errors_logged else 0


if __name__ == "__main__":
    sys.exit(main())
