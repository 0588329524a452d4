"""The local issues of a large conversion: listed up to a cap, counted exactly beyond it.

MWS processing reports list every error, so the cap is generous; what lies beyond it is only
counted (issues by severity, messages by their worst one) so that the report's message counts
stay exact. A message's issues are listed all or none, and once one message did not fit no
later one is listed: the listed issues are those of the first messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from gateway.feeds.model import ERROR, WARNING, Issue, IssueTotals

DEFAULT_MAX_ISSUES = 10_000


class IssueLedger:
    """A :class:`.model.Sink`'s issue half: ``put_issues`` once per legacy message."""

    def __init__(self, max_issues: int = DEFAULT_MAX_ISSUES) -> None:
        self.max_issues = max(0, max_issues)
        self.listed: list[Issue] = []
        self._full = False
        self._totals = IssueTotals()

    def put_issues(self, issues: Sequence[Issue]) -> None:
        errors = sum(1 for i in issues if i.severity == ERROR)
        warnings = sum(1 for i in issues if i.severity == WARNING)
        t = self._totals
        if not self._full and len(self.listed) + len(issues) <= self.max_issues:
            self.listed.extend(issues)
            self._totals = replace(t, errors=t.errors + errors, warnings=t.warnings + warnings)
            return
        self._full = True
        self._totals = IssueTotals(
            errors=t.errors + errors,
            warnings=t.warnings + warnings,
            unlisted_errors=t.unlisted_errors + errors,
            unlisted_warnings=t.unlisted_warnings + warnings,
            unlisted_error_messages=t.unlisted_error_messages + (1 if errors else 0),
            unlisted_warning_messages=t.unlisted_warning_messages
            + (1 if warnings and not errors else 0),
        )

    def totals(self) -> IssueTotals:
        return self._totals
