"""Notification settings: variables, the demo's defaults, errors that stop start-up."""

from __future__ import annotations

import pytest

from gateway.cli import main
from gateway.config import ConfigError, load_settings

QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/mws-gateway-notifications"


def test_variables_configure_the_bridge() -> None:
    settings = load_settings(
        demo=True,
        env={
            "MWS_GATEWAY_SQS_ENDPOINT": "http://127.0.0.1:5000/",
            "AWS_REGION": "eu-west-1",
            "MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL": QUEUE,
            "MWS_GATEWAY_NOTIFICATIONS_DLQ_URL": QUEUE + "-dlq",
        },
    )
    n = settings.notifications
    assert (n.sqs_endpoint, n.region, n.source_queue_url) == (
        "http://127.0.0.1:5000",
        "eu-west-1",
        QUEUE,
    )
    assert n.dead_letter_queue_url == QUEUE + "-dlq"
    assert n.enabled and not n.create_queues and not n.bridge.in_process


def test_the_demo_with_an_sqs_server_creates_its_queues_and_runs_the_bridge() -> None:
    n = load_settings(
        demo=True, env={"MWS_GATEWAY_SQS_ENDPOINT": "http://127.0.0.1:5000"}
    ).notifications
    assert n.enabled and n.create_queues and n.bridge.in_process
    plain = load_settings(demo=True, env={}).notifications
    assert not plain.enabled and not plain.bridge.in_process  # no SQS: Subscriptions say so


@pytest.mark.parametrize(
    ("notifications", "message"),
    [
        ({"source_queue_url": "not a url"}, "source_queue_url"),
        ({"sqs_endpoint": "ftp://x"}, "sqs_endpoint"),
        ({"bridge": {"wait_seconds": 30}}, "wait_seconds"),
        ({"bridge": {"batch_size": 11}}, "batch_size"),
        ({"bridge": {"in_process": "maybe"}}, "in_process"),
        ({"bridge": {"visibility_timeout": "x"}}, "invalid number"),
    ],
)
def test_bad_settings_stop_start_up(notifications: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(demo=True, env={}, overrides={"notifications": notifications})


def test_the_bridge_command_needs_a_source_queue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bridge", "--demo"]) == 2
    assert "MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL" in capsys.readouterr().err
