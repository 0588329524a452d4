"""One runner for every benchmark in ``bench/`` (``make bench`` = ``python -m bench``).

The protocol a benchmark module follows::

    from bench.runner import BenchResult

    def run(quick: bool) -> list[BenchResult]:
        ...  # measure side by side in one run (the machines are shared and noisy)

The runner finds every ``bench/*.py`` (but itself, ``__main__`` and ``_private`` modules),
runs each module's ``run`` in its own Python process (one crash, leak or stray server cannot
spoil the others; ``--timeout`` bounds each), prints one table and writes it to
``bench/RESULTS.md`` with the machine and the date. A module without ``run``, one that fails
to import, raises, or exceeds its time is listed as skipped with the reason; the run goes on.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
NOT_BENCHMARKS = frozenset({"runner", "__main__", "__init__"})


@dataclass(frozen=True)
class BenchResult:
    """One measured figure. ``value`` is usually a ratio against a baseline measured in the
    same run; ``goal`` is the target as text (e.g. ``">= 0.8"``), ``met`` whether it holds."""

    name: str
    value: float
    unit: str = "ratio"
    goal: str | None = None
    met: bool | None = None
    detail: str = ""


@dataclass
class ModuleOutcome:
    module: str
    seconds: float
    results: list[BenchResult]
    skipped: str | None = None


def discover(directory: Path = BENCH_DIR) -> list[str]:
    return sorted(
        p.stem
        for p in directory.glob("*.py")
        if p.stem not in NOT_BENCHMARKS and not p.stem.startswith("_")
    )


# -- the child side -------------------------------------------------------------------------


def child_main(module: str, quick: bool, out_path: str) -> int:
    """Import ``bench.<module>``, call ``run(quick)``, write the results as JSON."""
    import importlib

    def write(payload: dict[str, object]) -> None:
        Path(out_path).write_text(json.dumps(payload), encoding="utf-8")

    try:
        mod = importlib.import_module(f"bench.{module}")
    except Exception as exc:
        write({"skipped": f"import failed: {type(exc).__name__}: {exc}"})
        return 0
    run = getattr(mod, "run", None)
    if not callable(run):
        hint = " (it has main(): run it directly)" if callable(getattr(mod, "main", None)) else ""
        write({"skipped": f"no run(quick) -> list[BenchResult] function{hint}"})
        return 0
    try:
        results = run(quick)
    except Exception as exc:
        write({"skipped": f"run() raised {type(exc).__name__}: {str(exc)[:300]}"})
        return 0
    if not isinstance(results, list) or not all(isinstance(r, BenchResult) for r in results):
        write({"skipped": "run() did not return a list of BenchResult"})
        return 0
    write({"results": [asdict(r) for r in results]})
    return 0


# -- the parent side ------------------------------------------------------------------------


def run_module(module: str, quick: bool, timeout: float) -> ModuleOutcome:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, "-m", "bench", "--child", module, str(out)]
        if quick:
            cmd.append("--quick")
        try:
            proc = subprocess.run(cmd, cwd=REPO_ROOT, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            return ModuleOutcome(module, time.monotonic() - started, [], f"over {timeout:.0f}s")
        elapsed = time.monotonic() - started
        if not out.exists():
            return ModuleOutcome(module, elapsed, [], f"exited {proc.returncode} with no result")
        payload = json.loads(out.read_text(encoding="utf-8"))
    if "skipped" in payload:
        return ModuleOutcome(module, elapsed, [], str(payload["skipped"]))
    results = [BenchResult(**r) for r in payload["results"]]
    return ModuleOutcome(module, elapsed, results)


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    wrk = "wrk" if _which("wrk") else "none (Python load generator)"
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": str(os.cpu_count() or "?"),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load average at start": load,
        "load generator": wrk,
    }


def _which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


def _fmt(value: float) -> str:
    if value == 0 or 0.01 <= abs(value) < 10_000:
        return f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    return f"{value:.3g}"


def table(outcomes: Sequence[ModuleOutcome]) -> list[str]:
    rows = [
        "| module | measurement | value | goal | met | detail |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for o in outcomes:
        for r in o.results:
            met = "" if r.met is None else ("yes" if r.met else "**no**")
            rows.append(
                f"| {o.module} | {r.name} | {_fmt(r.value)} {r.unit} | {r.goal or ''} | {met} "
                f"| {r.detail.replace('|', '/')} |"
            )
    return rows


def render(outcomes: Sequence[ModuleOutcome], info: dict[str, str], quick: bool) -> str:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`"
        + (" --quick" if quick else "")
        + "); every figure is measured side by side in one run. Do not edit by hand.",
        "",
        *[f"- {k}: {v}" for k, v in info.items()],
        "",
        *table(outcomes),
        "",
    ]
    skipped = [o for o in outcomes if o.skipped]
    if skipped:
        lines += ["Skipped:", ""]
        lines += [f"- `{o.module}`: {o.skipped}" for o in skipped]
        lines.append("")
    lines.append("Time per module: " + ", ".join(f"{o.module} {o.seconds:.0f}s" for o in outcomes))
    lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Run every benchmark.")
    parser.add_argument("--quick", action="store_true", help="short runs (smoke test)")
    parser.add_argument("--only", nargs="*", default=None, help="module names to run")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per module")
    parser.add_argument("--no-write", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--child", nargs=2, metavar=("MODULE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child_main(args.child[0], args.quick, args.child[1])

    info = machine()
    modules = discover()
    if args.only:
        modules = [m for m in modules if m in set(args.only)]
    outcomes: list[ModuleOutcome] = []
    for module in modules:
        print(f"== bench.{module}", flush=True)
        outcome = run_module(module, args.quick, args.timeout)
        if outcome.skipped:
            print(f"   skipped: {outcome.skipped}", flush=True)
        outcomes.append(outcome)
    print()
    for k, v in info.items():
        print(f"{k}: {v}")
    print("\n".join(table(outcomes)))
    for o in outcomes:
        if o.skipped:
            print(f"skipped {o.module}: {o.skipped}")
    if not args.no_write:
        RESULTS.write_text(render(outcomes, info, args.quick), encoding="utf-8")
        print(f"\nwrote {RESULTS.relative_to(REPO_ROOT)}")
    return 0
