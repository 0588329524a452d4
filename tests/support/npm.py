"""Node MWS clients for live tests: installed from ``tests/npm`` (package.json + lockfile).

``npm ci --prefix tests/npm`` runs once per lockfile (a stamp in the git-ignored node_modules
remembers which), under a file lock so parallel test processes do not install twice.
:func:`node_call` runs ``tests/npm/mws_call.js``: one call of the ``amazon-mws`` client,
unmodified, against a live gateway.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

NPM_DIR = Path(__file__).resolve().parents[1] / "npm"
STAMP = NPM_DIR / "node_modules" / ".installed-lock-sha256"


def ensure_npm_clients() -> None:
    """Install the lockfile's packages unless this exact lockfile is installed already."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed (make test installs nodejs and npm)")
    wanted = hashlib.sha256((NPM_DIR / "package-lock.json").read_bytes()).hexdigest()
    NPM_DIR.joinpath("node_modules").mkdir(exist_ok=True)
    with (NPM_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if STAMP.exists() and STAMP.read_text() == wanted:
            return
        subprocess.run(
            ["npm", "ci", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund"],
            check=True,
            capture_output=True,
            timeout=600,
        )
        STAMP.write_text(wanted)


def node_call(port: int, key: str, secret: str, request: dict[str, str], section: str) -> Any:
    """One call with the amazon-mws client; its parsed answer, or raise with its error."""
    spec = {
        "host": "127.0.0.1",
        "port": port,
        "key": key,
        "secret": secret,
        "section": section,
        "request": request,
    }
    done = subprocess.run(
        ["node", str(NPM_DIR / "mws_call.js"), json.dumps(spec)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    answer = json.loads(done.stdout)
    if "error" in answer:
        raise NodeClientError(answer["error"])
    return answer["ok"]


class NodeClientError(Exception):
    """The node client reported an error (its own object, as JSON)."""

    def __init__(self, error: Any) -> None:
        super().__init__(json.dumps(error)[:2000])
        self.error = error
