"""Values shared by the feed conversions: issues, conversion results and options."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

ERROR = "ERROR"
WARNING = "WARNING"


@dataclass(frozen=True)
class ResultCodes:
    """ResultMessageCode values of the reports the gateway writes itself."""

    document_unreadable: str = "5001"
    schema: str = "5000"
    not_translated: str = "90001"
    retired: str = "90002"
    feed_failed: str = "90003"
    issues_not_listed: str = "90004"
    upstream_issue: str = "99999"

    @classmethod
    def from_table(cls, raw: Mapping[str, Any] | None) -> ResultCodes:
        raw = raw or {}
        known = cls.__dataclass_fields__
        return cls(**{k: str(v) for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class Issue:
    """One problem with one message (``message_id`` 0: the whole document)."""

    message_id: int
    severity: str  # ERROR | WARNING
    code: str
    message: str
    sku: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
        }
        if self.message_id:
            out["messageId"] = self.message_id
        if self.sku:
            out["sku"] = self.sku
        return out

    @classmethod
    def from_json(cls, raw: Mapping[str, Any], codes: ResultCodes) -> Issue:
        code = str(raw.get("code") or "")
        severity = str(raw.get("severity") or ERROR).upper()
        message_id = raw.get("messageId")
        return cls(
            message_id=message_id if isinstance(message_id, int) else 0,
            severity=severity if severity in (ERROR, WARNING) else "INFO",
            code=code if code.isdigit() else codes.upstream_issue,
            message=str(raw.get("message") or "Unspecified problem."),
            sku=str(raw["sku"]) if raw.get("sku") else None,
        )


class Sink(Protocol):
    """Where a streaming conversion puts what it converts, one legacy message at a time.

    Messages and issues arrive in document order. When the conversion then reports the whole
    document as failed (:attr:`Outcome.document_issues`), everything put so far is void.
    """

    def put_message(self, message: dict[str, Any]) -> None:
        """One JSON_LISTINGS_FEED message."""

    def put_issues(self, issues: Sequence[Issue]) -> None:
        """The issues of one legacy message (or record, or the document's own warnings)."""


@dataclass(frozen=True)
class Outcome:
    """How a streaming conversion ended: records read, or why the whole document failed."""

    processed: int = 0  # legacy messages (or flat-file records) read
    document_issues: tuple[Issue, ...] = ()  # non-empty: nothing of the document applies

    @property
    def document_failed(self) -> bool:
        return bool(self.document_issues)


@dataclass
class Conversion:
    """A legacy feed converted in memory: JSON messages to send and the problems found locally.

    It is also the :class:`Sink` that collects a streaming conversion (small documents, tests).
    """

    messages: list[dict[str, Any]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    processed: int = 0  # legacy messages (or flat-file records) read

    @property
    def document_failed(self) -> bool:
        return any(i.message_id == 0 and i.severity == ERROR for i in self.issues)

    def put_message(self, message: dict[str, Any]) -> None:
        self.messages.append(message)

    def put_issues(self, issues: Sequence[Issue]) -> None:
        self.issues.extend(issues)

    def finish(self, outcome: Outcome) -> Conversion:
        """This conversion as the legacy functions returned it, once ``outcome`` is known."""
        if outcome.document_failed:
            return Conversion(issues=list(outcome.document_issues))
        self.processed = outcome.processed
        return self


@dataclass(frozen=True)
class IssueTotals:
    """Exact counts of the local issues of a conversion, including those it did not list.

    A conversion lists the issues of whole messages up to a cap; ``unlisted_*`` count what
    lies beyond it so that a processing report can still give exact message counts.
    """

    errors: int = 0  # ERROR issues found, listed or not
    warnings: int = 0  # WARNING issues found, listed or not
    unlisted_errors: int = 0
    unlisted_warnings: int = 0
    unlisted_error_messages: int = 0  # messages not listed that have an error
    unlisted_warning_messages: int = 0  # messages not listed that have warnings only

    @property
    def unlisted_issues(self) -> int:
        return self.unlisted_errors + self.unlisted_warnings


@dataclass(frozen=True)
class ConversionOptions:
    """What a conversion needs to know about the seller, the marketplaces and the tables."""

    marketplaces: tuple[str, ...]
    currencies: Mapping[str, str]  # marketplace id -> currency code
    product_type: str = "PRODUCT"
    availability_op: str = "merge"
    offer_op: str = "replace"
    channel_code: str = "DEFAULT"
    afn_channel_code: str = "AMAZON_NA"
    audience: str | None = "ALL"
    codes: ResultCodes = field(default_factory=ResultCodes)

    @classmethod
    def from_table(
        cls,
        table: Mapping[str, Any],
        *,
        marketplaces: tuple[str, ...],
        marketplace_rows: Mapping[str, Mapping[str, Any]],
    ) -> ConversionOptions:
        """Options from ``mappings/feeds/translation.yaml`` for one submission."""
        region = str((marketplace_rows.get(marketplaces[0]) or {}).get("region", "na"))
        ops = table.get("patch_op") or {}
        return cls(
            marketplaces=marketplaces,
            currencies={
                m: str((marketplace_rows.get(m) or {}).get("currency", "")) for m in marketplaces
            },
            product_type=str(table.get("product_type", "PRODUCT")),
            availability_op=str(ops.get("fulfillment_availability", "merge")),
            offer_op=str(ops.get("purchasable_offer", "replace")),
            channel_code=str(table.get("fulfillment_channel_code", "DEFAULT")),
            afn_channel_code=str((table.get("afn_channel_code") or {}).get(region, "AMAZON_NA")),
            audience=table.get("offer_audience") or None,
            codes=ResultCodes.from_table(table.get("result_codes")),
        )
