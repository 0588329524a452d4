"""The README's operation table is the one the mapping tables produce."""

from __future__ import annotations

from scripts.update_readme import README, rendered


def test_readme_coverage_table_is_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert "<!-- coverage:start -->" in text
    assert rendered(text) == text, "README.md is stale: run `make readme`"
