"""The Node MWS clients of ``tests/npm`` (package.json + lockfile), installed with ``npm ci``.

``npm_clients()`` runs ``npm ci`` once per checkout (skipped while ``node_modules`` matches the
lockfile) and returns the folder; ``node``/``npm`` come from the machine (the Makefile's
``venv`` step installs them where they are missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

NPM_DIR = Path(__file__).resolve().parents[1] / "npm"


def npm_clients() -> Path:
    lock = NPM_DIR / "package-lock.json"
    stamp = NPM_DIR / "node_modules" / ".package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed (make venv installs nodejs and npm)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(NPM_DIR)],
            check=True,
            capture_output=True,
            timeout=300,
        )
    return NPM_DIR


def run_node(script: str, config: dict[str, Any], timeout: float = 60) -> Any:
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not installed (make venv installs nodejs and npm)")
    done = subprocess.run(
        [node, str(npm_clients() / script), json.dumps(config)],
        check=True,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=NPM_DIR,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])
