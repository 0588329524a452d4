"""Node MWS clients for live tests: installed from ``tests/npm/package-lock.json``, then run.

:func:`run_calls` sends MWS calls through an unmodified npm client (``mws_calls.js`` drives
``amazon-mws`` 0.0.27) and returns what the client parsed. The packages are installed once
with ``npm ci`` into the git-ignored ``tests/npm/node_modules``, again only when the lockfile
changes. ``node`` and ``npm`` come from the machine (the Makefile and ``.ci/run`` install them
when they are missing).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STAMP = HERE / "node_modules" / ".mws-gateway-lock-sha256"


def _lock_digest() -> str:
    return hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()


def ensure_installed() -> None:
    """``npm ci`` unless node_modules already holds exactly the lockfile's packages."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (make test installs nodejs and npm)")
    digest = _lock_digest()
    if STAMP.is_file() and STAMP.read_text() == digest:
        return
    subprocess.run(
        ["npm", "ci", "--prefix", str(HERE), "--no-audit", "--no-fund", "--loglevel=error"],
        check=True,
        timeout=600,
    )
    STAMP.write_text(digest)


def run_calls(
    *, port: int, key: str, secret: str, resource: str, calls: list[dict[str, str]]
) -> list[dict[str, Any]]:
    """The client's result of each call: ``{"ok": parsed}`` or ``{"error": {...}}``."""
    job = {"port": port, "key": key, "secret": secret, "resource": resource, "calls": calls}
    done = subprocess.run(
        ["node", str(HERE / "mws_calls.js"), json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"node client failed: {done.stderr[-2000:]}")
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results
