"""Node MWS clients for live tests: ``tests/npm`` installed once per run, one call per process.

``tests/npm/package.json`` and its lockfile pin the clients (today ``amazon-mws`` 0.0.27);
:func:`npm_clients` runs ``npm ci`` into the git-ignored ``tests/npm/node_modules`` the first
time a test needs them and whenever the lockfile changed. ``node`` and ``npm`` come from the
machine (the Makefile's ``node`` target installs them when they are missing).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NPM_DIR = Path(__file__).resolve().parents[1] / "npm"
STAMP = NPM_DIR / "node_modules" / ".mws-gateway-lock.sha256"


def _lock_digest() -> str:
    return hashlib.sha256((NPM_DIR / "package-lock.json").read_bytes()).hexdigest()


def ensure_installed() -> None:
    """``npm ci`` unless node_modules was installed from this very lockfile."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is not installed; run `make node` (apt-get nodejs npm)")
    digest = _lock_digest()
    if STAMP.is_file() and STAMP.read_text().strip() == digest:
        return
    subprocess.run(
        ["npm", "ci", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
        check=True,
        capture_output=True,
        timeout=600,
    )
    STAMP.write_text(digest + "\n")


@dataclass(frozen=True)
class NodeMws:
    """The amazon-mws client pointed at one gateway."""

    host: str
    port: int
    access_key: str
    secret: str

    def call(
        self,
        resource: str,
        params: dict[str, str],
        *,
        method: str = "searchFor",
        response_format: str | None = None,
    ) -> dict[str, Any]:
        """``{"ok": True, "response": ...}`` or ``{"ok": False, "error": ...}``.

        ``response_format="XML"``: the response is the XML text (the client's own option)."""
        spec: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "accessKey": self.access_key,
            "secret": self.secret,
            "resource": resource,
            "method": method,
            "params": params,
        }
        if response_format:
            spec["format"] = response_format
        done = subprocess.run(
            ["node", str(NPM_DIR / "mws_call.js")],
            input=json.dumps(spec),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        result: dict[str, Any] = json.loads(done.stdout)
        return result
