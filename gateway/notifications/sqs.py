"""The SQS client of the gateway, the bridge and the emulator: boto3 on worker threads.

Why boto3 and not aiobotocore: the calls are few (a long poll, a send per legacy queue, a
delete) next to SP-API's traffic, boto3 is what ``moto`` (the SQS-compatible server the tests
and the demo run) is built against, and aiobotocore pins one botocore release and brings
aiohttp besides. Each call runs on a thread pool (``max_workers``: 16, a batch of 10 messages
to two queues side by side), so the event loop never blocks; boto3 clients are thread-safe
once created, and one is kept per region.

Endpoint: ``NotificationSettings.sqs_endpoint`` (``MWS_GATEWAY_SQS_ENDPOINT``) for an
SQS-compatible server, else AWS's regional endpoint of each queue's region. Credentials come
from boto3's standard chain (``AWS_*`` variables, the IAM role...), never from the
configuration file; nothing here logs them. Only against an SQS-compatible server with no
credentials at all (the demo) a placeholder key is used, which such servers accept.

Errors: :class:`QueueMissing` (the queue does not exist), :class:`QueueDenied` (no permission),
:class:`SqsUnavailable` (connection failures, timeouts, throttling, 5xx: worth retrying).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
import botocore.config
import botocore.exceptions

from gateway.notifications.queues import QueueAddressError, parse_queue_url

if TYPE_CHECKING:
    from mypy_boto3_sqs.client import SQSClient

T = TypeVar("T")

_MISSING = frozenset(
    {
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "NonExistentQueue",
    }
)
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "InvalidClientTokenId"})


class SqsError(Exception):
    """An SQS call failed; ``code`` is SQS's error code when it answered."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class QueueMissing(SqsError):
    pass


class QueueDenied(SqsError):
    pass


class SqsUnavailable(SqsError):
    pass


@dataclass(frozen=True)
class ReceivedMessage:
    message_id: str
    receipt: str
    body: str
    receive_count: int
    sent_at: float | None  # epoch seconds SQS accepted it
    attributes: Mapping[str, str]


def _classify(exc: Exception, what: str) -> SqsError:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _MISSING or code.endswith("NonExistentQueue"):
            return QueueMissing(f"{what}: the queue does not exist", code)
        if code in _DENIED or status == 403:
            return QueueDenied(f"{what}: access to the queue is denied", code)
        if status >= 500 or status == 429 or "Throttl" in code:
            return SqsUnavailable(f"{what}: SQS answered {status} {code}", code)
        return SqsError(f"{what}: SQS refused the call ({code})", code)
    if isinstance(exc, botocore.exceptions.NoCredentialsError):
        return QueueDenied(f"{what}: no AWS credentials are configured", "NoCredentials")
    return SqsUnavailable(f"{what}: {type(exc).__name__}", type(exc).__name__)


class Sqs:
    """Async SQS operations over boto3 clients (one per region)."""

    def __init__(
        self,
        *,
        endpoint: str | None,
        region: str,
        max_workers: int = 16,
        connect_timeout: float = 3.0,
        read_timeout: float = 30.0,
    ) -> None:
        self.endpoint = endpoint
        self.region = region
        self._config = botocore.config.Config(
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        self._clients: dict[str, SQSClient] = {}
        self._session = boto3.session.Session()
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="sqs")

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _client(self, region: str) -> SQSClient:
        client = self._clients.get(region)
        if client is None:
            kwargs: dict[str, Any] = {}
            if self.endpoint and self._session.get_credentials() is None:
                # An SQS-compatible server (the demo's moto) takes any key; AWS never gets here.
                kwargs = {"aws_access_key_id": "mws-gateway", "aws_secret_access_key": "-"}
            client = self._session.client(
                "sqs",
                region_name=region,
                endpoint_url=self.endpoint,
                config=self._config,
                **kwargs,
            )
            self._clients[region] = client
        return client

    def _region_of(self, url: str) -> str:
        if self.endpoint:
            return self.region
        try:
            return parse_queue_url(url, default_region=self.region).region
        except QueueAddressError:
            return self.region

    async def _run(self, what: str, fn: Callable[[], T]) -> T:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise _classify(exc, what) from None

    # -- queues --------------------------------------------------------------------------

    async def create_queue(self, name: str, attributes: Mapping[str, str] | None = None) -> str:
        client = self._client(self.region)
        kwargs: dict[str, Any] = {"QueueName": name, "Attributes": dict(attributes or {})}
        call = functools.partial(client.create_queue, **kwargs)
        result = await self._run(f"CreateQueue {name}", call)
        return str(result["QueueUrl"])

    async def queue_arn(self, url: str) -> str:
        client = self._client(self._region_of(url))
        call = functools.partial(
            client.get_queue_attributes, QueueUrl=url, AttributeNames=["QueueArn"]
        )
        result = await self._run("GetQueueAttributes", call)
        return str(result.get("Attributes", {}).get("QueueArn", ""))

    async def queue_url(self, name: str, account: str | None = None) -> str:
        client = self._client(self.region)
        kwargs: dict[str, Any] = {"QueueName": name}
        if account:
            kwargs["QueueOwnerAWSAccountId"] = account
        result = await self._run(
            f"GetQueueUrl {name}", functools.partial(client.get_queue_url, **kwargs)
        )
        return str(result["QueueUrl"])

    async def approximate_count(self, url: str) -> int:
        client = self._client(self._region_of(url))
        call = functools.partial(
            client.get_queue_attributes,
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages"],
        )
        result = await self._run("GetQueueAttributes", call)
        return int(result.get("Attributes", {}).get("ApproximateNumberOfMessages", "0"))

    # -- messages ------------------------------------------------------------------------

    async def send(self, url: str, body: str, attributes: Mapping[str, str] | None = None) -> str:
        client = self._client(self._region_of(url))
        kwargs: dict[str, Any] = {"QueueUrl": url, "MessageBody": body}
        if attributes:
            kwargs["MessageAttributes"] = {
                k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
            }
        result = await self._run("SendMessage", functools.partial(client.send_message, **kwargs))
        return str(result.get("MessageId", ""))

    async def receive(
        self, url: str, *, max_messages: int, wait_seconds: int, visibility_timeout: int
    ) -> list[ReceivedMessage]:
        client = self._client(self._region_of(url))
        call = functools.partial(
            client.receive_message,
            QueueUrl=url,
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_seconds,
            VisibilityTimeout=visibility_timeout,
            AttributeNames=["ApproximateReceiveCount", "SentTimestamp"],
            MessageAttributeNames=["All"],
        )
        result = await self._run("ReceiveMessage", call)
        out: list[ReceivedMessage] = []
        for raw in result.get("Messages", []):
            attrs = raw.get("Attributes", {})
            sent = attrs.get("SentTimestamp")
            out.append(
                ReceivedMessage(
                    message_id=str(raw.get("MessageId", "")),
                    receipt=str(raw.get("ReceiptHandle", "")),
                    body=str(raw.get("Body", "")),
                    receive_count=int(attrs.get("ApproximateReceiveCount", "1") or 1),
                    sent_at=int(sent) / 1000.0 if sent else None,
                    attributes={
                        str(k): str(v.get("StringValue", ""))
                        for k, v in (raw.get("MessageAttributes") or {}).items()
                    },
                )
            )
        return out

    async def delete(self, url: str, receipt: str) -> None:
        client = self._client(self._region_of(url))
        call = functools.partial(client.delete_message, QueueUrl=url, ReceiptHandle=receipt)
        await self._run("DeleteMessage", call)

    async def change_visibility(self, url: str, receipt: str, seconds: int) -> None:
        client = self._client(self._region_of(url))
        call = functools.partial(
            client.change_message_visibility,
            QueueUrl=url,
            ReceiptHandle=receipt,
            VisibilityTimeout=max(0, min(43200, int(seconds))),
        )
        await self._run("ChangeMessageVisibility", call)

    async def release(self, url: str, receipts: Sequence[str]) -> None:
        """Make received messages visible again at once (orderly shutdown), best effort."""
        for receipt in receipts:
            try:
                await self.change_visibility(url, receipt, 0)
            except SqsError:
                continue
