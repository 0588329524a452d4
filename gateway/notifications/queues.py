"""SQS queue URLs and ARNs, both ways (pure).

MWS destinations are queue URLs (``Destination.AttributeList`` key ``sqsQueueUrl``); SP-API
destinations are queue ARNs (``resourceSpecification.sqs.arn``). The URL forms accepted are
AWS's (``https://sqs.us-east-1.amazonaws.com/123456789012/name``, the legacy
``https://queue.amazonaws.com/...`` and ``https://us-east-1.queue.amazonaws.com/...``, China's
``....amazonaws.com.cn``) and, for an SQS-compatible server (``MWS_GATEWAY_SQS_ENDPOINT``),
``scheme://host[:port]/account/name``, whose region is the configured one. MWS delivered only
to standard queues: FIFO queues (``.fifo``) are refused, as MWS refused them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_ACCOUNT = re.compile(r"^\d{12}$")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_AWS_HOST = re.compile(
    r"^(?:sqs\.(?P<r1>[a-z]{2}(?:-[a-z]+)+-\d)|(?P<r2>[a-z]{2}(?:-[a-z]+)+-\d)\.queue|queue)"
    r"\.amazonaws\.com(?P<cn>\.cn)?$"
)
_ARN = re.compile(
    r"^arn:(?P<partition>aws(?:-cn|-us-gov)?):sqs:(?P<region>[a-z0-9-]+):"
    r"(?P<account>\d{12}):(?P<name>[A-Za-z0-9_.-]{1,80})$"
)


class QueueAddressError(ValueError):
    """A queue URL or ARN that is not one (the message says why, for the MWS error)."""


@dataclass(frozen=True)
class QueueRef:
    region: str
    account: str
    name: str
    partition: str = "aws"
    url: str = ""  # as given (URLs only)
    aws: bool = True  # an AWS host (False: an SQS-compatible server)

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:sqs:{self.region}:{self.account}:{self.name}"


def parse_queue_url(url: str, *, default_region: str = "us-east-1") -> QueueRef:
    """The queue a URL names; :class:`QueueAddressError` for anything that is not one."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise QueueAddressError(f"{text[:200]!r} is not an http(s) URL.")
    if parts.query or parts.fragment:
        raise QueueAddressError("A queue URL has no query string or fragment.")
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) != 2:
        raise QueueAddressError("A queue URL's path is /<account id>/<queue name>.")
    account, name = segments
    if not _ACCOUNT.match(account):
        raise QueueAddressError(f"{account[:40]!r} is not a 12-digit AWS account id.")
    if name.endswith(".fifo"):
        raise QueueAddressError("FIFO queues cannot receive notifications; use a standard queue.")
    if not _NAME.match(name):
        raise QueueAddressError(f"{name[:90]!r} is not a valid queue name.")
    host = parts.hostname.lower()
    match = _AWS_HOST.match(host)
    if match is None:
        return QueueRef(default_region, account, name, url=text, aws=False)
    region = match.group("r1") or match.group("r2") or "us-east-1"
    partition = "aws-cn" if match.group("cn") else ("aws-us-gov" if "gov" in region else "aws")
    if parts.scheme != "https":
        raise QueueAddressError("AWS queue URLs use https.")
    return QueueRef(region, account, name, partition, url=text, aws=True)


def parse_queue_arn(arn: str) -> QueueRef:
    match = _ARN.match(arn.strip())
    if match is None:
        raise QueueAddressError(f"{arn[:200]!r} is not an SQS queue ARN.")
    return QueueRef(
        match.group("region"), match.group("account"), match.group("name"), match.group("partition")
    )


def queue_url(ref: QueueRef, endpoint: str | None = None) -> str:
    """The URL of ``ref`` on AWS, or on the SQS-compatible server at ``endpoint``."""
    if endpoint:
        return f"{endpoint.rstrip('/')}/{ref.account}/{ref.name}"
    suffix = ".cn" if ref.partition == "aws-cn" else ""
    return f"https://sqs.{ref.region}.amazonaws.com{suffix}/{ref.account}/{ref.name}"


def same_queue(a: str, b: str) -> bool:
    """Whether two queue URLs name the same queue (host case and trailing slashes aside)."""
    return _canonical(a) == _canonical(b)


def _canonical(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme}://{(parts.netloc or '').lower()}{parts.path.rstrip('/')}"


def canonical_url(url: str) -> str:
    """The form queue URLs are stored and compared in."""
    return _canonical(url)
