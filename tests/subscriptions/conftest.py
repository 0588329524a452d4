"""Fixtures of the Subscriptions tests: a demo gateway whose notifications use moto's SQS."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.gateway import MwsClient, demo_settings, running_gateway
from tests.support.sqs import unique

SUBS = ("/Subscriptions/2013-07-01", "2013-07-01")


def notification_settings(endpoint: str, **bridge: Any) -> dict[str, Any]:
    return {
        "sqs_endpoint": endpoint,
        "create_queues": True,
        "source_queue_name": unique("sp-source"),
        "dead_letter_queue_name": unique("sp-dlq"),
        "bridge": {"in_process": False, **bridge},
    }


@pytest.fixture
async def subs(tmp_path: Path, sqs_endpoint: str) -> AsyncIterator[MwsClient]:
    """A demo gateway (embedded emulator) with notifications on moto's SQS, no bridge."""
    settings = demo_settings(tmp_path, notifications=notification_settings(sqs_endpoint))
    async with running_gateway(settings) as client:
        yield client


def destination(url: str, prefix: str = "Destination") -> dict[str, str]:
    return {
        f"{prefix}.DeliveryChannel": "SQS",
        f"{prefix}.AttributeList.member.1.Key": "sqsQueueUrl",
        f"{prefix}.AttributeList.member.1.Value": url,
    }


def subscription(url: str, ntype: str, enabled: bool = True) -> dict[str, str]:
    return {
        "Subscription.NotificationType": ntype,
        "Subscription.IsEnabled": "true" if enabled else "false",
        **destination(url, "Subscription.Destination"),
    }
