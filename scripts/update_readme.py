"""Refresh the operation table in README.md from the mapping tables (``make readme``)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from gateway.catalog import load_catalog
from gateway.cli import coverage_table

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"(<!-- coverage:start -->\n).*?(<!-- coverage:end -->)", re.S)


def rendered(text: str) -> str:
    table = coverage_table(load_catalog())
    return BLOCK.sub(lambda m: m.group(1) + table + "\n" + m.group(2), text)


def main() -> int:
    text = README.read_text(encoding="utf-8")
    new = rendered(text)
    if "--check" in sys.argv:
        return 0 if new == text else 1
    README.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
