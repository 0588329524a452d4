"""A load process for the shared-bucket test: ``python -m tests.state.hammer URL PREFIX ...``.

Waits until the start file exists (so both processes begin together), fires ``requests`` calls
``concurrency`` at a time at one bucket and prints how many were admitted.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

from gateway.mws.quotas import Throttle
from gateway.state.quota_redis import RedisQuotaBackend


def wait_for(path: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.001)


async def hammer(args: argparse.Namespace) -> int:
    backend = RedisQuotaBackend(args.url, prefix=args.prefix)
    throttle = Throttle(
        "Shared", max=args.max, restore=1, period=args.period, hourly=args.hourly or None
    )
    await backend.ping()
    await asyncio.to_thread(wait_for, Path(args.start_file))
    admitted = 0
    queue = list(range(args.requests))

    async def worker() -> None:
        nonlocal admitted
        while queue:
            queue.pop()
            decision = await backend.acquire("bucket", throttle, now=args.now or None)
            admitted += decision.allowed

    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    await backend.close()
    return admitted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("prefix")
    parser.add_argument("start_file")
    parser.add_argument("--max", type=int, required=True)
    parser.add_argument("--period", type=float, default=86400.0)
    parser.add_argument("--hourly", type=int, default=0)
    parser.add_argument("--now", type=float, default=0.0)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=16)
    print(asyncio.run(hammer(parser.parse_args())))


if __name__ == "__main__":
    main()
