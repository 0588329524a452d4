"""A real SQS-compatible server for tests: moto in server mode on a free 127.0.0.1 port.

``moto_sqs()`` starts moto's ThreadedMotoServer (HTTP, the same protocol as AWS SQS) and
stops it afterwards; tests use unique queue names, so one server serves a whole session.
``SqsProbe`` is a plain boto3 client for the test's own look at the queues (what a legacy
program reading its queue would do).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@contextmanager
def moto_sqs() -> Iterator[str]:
    """The endpoint URL of a running moto server (stopped on exit)."""
    saved = {k: os.environ.get(k) for k in CREDENTIALS}
    os.environ.update(CREDENTIALS)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per SQS call otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@dataclass
class SqsProbe:
    endpoint: str

    def __post_init__(self) -> None:
        self.client: Any = boto3.client("sqs", endpoint_url=self.endpoint, region_name="us-east-1")

    def create(self, name: str) -> str:
        return str(self.client.create_queue(QueueName=name)["QueueUrl"])

    def delete_queue(self, url: str) -> None:
        self.client.delete_queue(QueueUrl=url)

    def send(self, url: str, body: str) -> None:
        self.client.send_message(QueueUrl=url, MessageBody=body)

    def drain(self, url: str, *, expect: int, timeout: float = 15.0) -> list[dict[str, Any]]:
        """Receive (and delete) until ``expect`` messages came or ``timeout`` passed."""
        got: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(got) < expect and time.monotonic() < deadline:
            answer = self.client.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=10,
                WaitTimeSeconds=1,
                MessageAttributeNames=["All"],
            )
            for message in answer.get("Messages", []):
                got.append(message)
                self.client.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return got

    def count(self, url: str) -> int:
        attrs = self.client.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attrs["ApproximateNumberOfMessages"]) + int(
            attrs["ApproximateNumberOfMessagesNotVisible"]
        )
