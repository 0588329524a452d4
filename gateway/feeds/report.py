"""MWS processing reports built from local issues and JSON_LISTINGS_FEED processing reports.

``summarize`` merges what the gateway found while converting (schema errors, untranslatable
elements) with the issues of the upstream JSON reports (whose ``messageId`` is the MWS
MessageID, kept through the conversion); :func:`processing_report_xml` renders the XML
``ProcessingReport`` of XML feeds and :func:`processing_report_text` the text summary MWS gave
for flat files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.feeds.model import ERROR, WARNING, Issue, IssueTotals, ResultCodes
from gateway.mws.xml import Element, render_document

XSI = "http://www.w3.org/2001/XMLSchema-instance"
DOCUMENT_VERSION = "1.02"


@dataclass
class ReportSummary:
    processed: int
    successful: int
    with_error: int
    with_warning: int
    results: list[Issue] = field(default_factory=list)
    unlisted: int = 0  # local issues counted above but not among the results


def upstream_issues(reports: Iterable[Mapping[str, Any]], codes: ResultCodes) -> list[Issue]:
    issues: list[Issue] = []
    for report in reports:
        for raw in report.get("issues") or []:
            if isinstance(raw, Mapping):
                issues.append(Issue.from_json(raw, codes))
    return issues


def unlisted_issue(totals: IssueTotals, codes: ResultCodes) -> Issue:
    """The last result line of a report whose local issues were capped: what it leaves out."""
    messages = totals.unlisted_error_messages + totals.unlisted_warning_messages
    text = (
        f"{totals.unlisted_errors} more errors and {totals.unlisted_warnings} more warnings, "
        f"of {messages} more messages, were found but are not listed here; the counts above "
        "include them."
    )
    return Issue(0, WARNING, codes.issues_not_listed, text)


def summarize(
    processed: int,
    issues: Sequence[Issue],
    local: IssueTotals | None = None,
    codes: ResultCodes | None = None,
) -> ReportSummary:
    """Counts as MWS gave them: a message with any error is an error, else a warning.

    ``local``: the totals of a conversion that listed only some of its issues (the listed
    ones are among ``issues``); the messages it did not list are added to the counts and
    one last result line says how many issues are missing. (A message not listed that had
    only local warnings and then an upstream issue too is counted twice; this takes a
    conversion with more local issues than its cap.)
    """
    kept = [i for i in issues if i.severity in (ERROR, WARNING)]
    errors = {i.message_id for i in kept if i.severity == ERROR}
    warnings = {i.message_id for i in kept if i.severity == WARNING} - errors
    extra_errors = local.unlisted_error_messages if local else 0
    extra_warnings = local.unlisted_warning_messages if local else 0
    failed_messages = len(errors - {0}) + extra_errors
    kept.sort(key=lambda i: (i.message_id, i.severity != ERROR))
    unlisted = local.unlisted_issues if local else 0
    if local and unlisted:
        kept.append(unlisted_issue(local, codes or ResultCodes()))
    return ReportSummary(
        processed=processed,
        successful=0 if 0 in errors else max(0, processed - failed_messages),
        with_error=len(errors) + extra_errors,
        with_warning=len(warnings) + extra_warnings,
        results=kept,
        unlisted=unlisted,
    )


def retired_issue(feed_type: str, replacement: str, codes: ResultCodes) -> Issue:
    text = (
        f"Nothing in this feed was applied: Amazon stopped processing {feed_type} feeds on "
        f"2025-07-31 and this gateway has no translation for it. Use {replacement} instead."
    )
    return Issue(0, ERROR, codes.retired, text)


def _result(issue: Issue) -> Element:
    children: list[Element] = [
        ("MessageID", str(issue.message_id)),
        ("ResultCode", "Error" if issue.severity == ERROR else "Warning"),
        ("ResultMessageCode", issue.code if issue.code.isdigit() else "99999"),
        ("ResultDescription", issue.message),
    ]
    if issue.sku:
        children.append(("AdditionalInfo", [("SKU", issue.sku)]))
    return ("Result", children)


def processing_report_xml(
    submission_id: str, merchant_id: str, summary: ReportSummary, status: str = "Complete"
) -> bytes:
    report: list[Element] = [
        ("DocumentTransactionID", submission_id),
        ("StatusCode", status),
        (
            "ProcessingSummary",
            [
                ("MessagesProcessed", str(summary.processed)),
                ("MessagesSuccessful", str(summary.successful)),
                ("MessagesWithError", str(summary.with_error)),
                ("MessagesWithWarning", str(summary.with_warning)),
            ],
        ),
        *(_result(issue) for issue in summary.results),
    ]
    header: list[Element] = [
        ("DocumentVersion", DOCUMENT_VERSION),
        ("MerchantIdentifier", merchant_id),
    ]
    message: list[Element] = [("MessageID", "1"), ("ProcessingReport", report)]
    root: Element = (
        "AmazonEnvelope",
        [("Header", header), ("MessageType", "ProcessingReport"), ("Message", message)],
        {"xmlns:xsi": XSI, "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"},
    )
    return render_document(root)


def _cell(text: str) -> str:
    return " ".join(text.replace("\t", " ").split())


def processing_report_text(summary: ReportSummary) -> bytes:
    lines = [
        "Feed Processing Summary:",
        f"\tNumber of records processed\t\t{summary.processed}",
        f"\tNumber of records successful\t\t{summary.successful}",
        "",
    ]
    if summary.results:
        lines.append("original-record-number\tsku\terror-code\terror-type\terror-message")
        for issue in summary.results:
            kind = "Error" if issue.severity == ERROR else "Warning"
            lines.append(
                f"{issue.message_id}\t{_cell(issue.sku or '')}\t{issue.code}\t{kind}\t"
                f"{_cell(issue.message)}"
            )
    return ("\n".join(lines) + "\n").encode("utf-8")
