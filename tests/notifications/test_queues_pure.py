"""SQS queue URLs <-> ARNs (pure)."""

from __future__ import annotations

import pytest

from gateway.notifications.queues import (
    QueueAddressError,
    canonical_url,
    parse_queue_arn,
    parse_queue_url,
    queue_url,
    same_queue,
)


@pytest.mark.parametrize(
    ("url", "arn"),
    [
        (
            "https://sqs.us-east-1.amazonaws.com/304786922662/mws-sub-testw",
            "arn:aws:sqs:us-east-1:304786922662:mws-sub-testw",
        ),
        (
            "https://sqs.eu-west-1.amazonaws.com/123456789012/orders_queue",
            "arn:aws:sqs:eu-west-1:123456789012:orders_queue",
        ),
        (  # the legacy us-east-1 host MWS-era tutorials used
            "https://queue.amazonaws.com/123456789012/legacy",
            "arn:aws:sqs:us-east-1:123456789012:legacy",
        ),
        (
            "https://ap-northeast-1.queue.amazonaws.com/123456789012/jp-prices",
            "arn:aws:sqs:ap-northeast-1:123456789012:jp-prices",
        ),
        (
            "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/cn-q",
            "arn:aws-cn:sqs:cn-north-1:123456789012:cn-q",
        ),
    ],
)
def test_aws_urls_and_arns(url: str, arn: str) -> None:
    ref = parse_queue_url(url)
    assert ref.aws and ref.arn == arn
    back = parse_queue_arn(arn)
    assert (back.region, back.account, back.name) == (ref.region, ref.account, ref.name)
    assert parse_queue_url(queue_url(back)).arn == arn


def test_an_sqs_compatible_server_takes_the_configured_region() -> None:
    ref = parse_queue_url("http://127.0.0.1:5000/123456789012/legacy", default_region="eu-west-1")
    assert not ref.aws
    assert ref.arn == "arn:aws:sqs:eu-west-1:123456789012:legacy"
    assert queue_url(ref, "http://127.0.0.1:5000/") == "http://127.0.0.1:5000/123456789012/legacy"


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("sqs.us-east-1.amazonaws.com/123456789012/q", "http"),
        ("https://sqs.us-east-1.amazonaws.com/q", "path"),
        ("https://sqs.us-east-1.amazonaws.com/12345/q", "12-digit"),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/orders.fifo", "FIFO"),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/bad name", "valid queue name"),
        ("http://sqs.us-east-1.amazonaws.com/123456789012/q", "https"),
        ("https://sqs.us-east-1.amazonaws.com/123456789012/q?x=1", "query"),
    ],
)
def test_malformed_urls_say_why(url: str, reason: str) -> None:
    with pytest.raises(QueueAddressError, match=reason):
        parse_queue_url(url)


def test_bad_arns_are_refused() -> None:
    for arn in ("arn:aws:sns:us-east-1:123456789012:t", "arn:aws:sqs:us-east-1:1:q", "q"):
        with pytest.raises(QueueAddressError):
            parse_queue_arn(arn)


def test_urls_compare_without_host_case_or_trailing_slash() -> None:
    a = "https://SQS.us-east-1.amazonaws.com/123456789012/q/"
    b = "https://sqs.us-east-1.amazonaws.com/123456789012/q"
    assert same_queue(a, b)
    assert canonical_url(a) == b
    assert not same_queue(b, b.replace("/q", "/Q"))
