"""The notifications handle of a process: SQS client, source queue and dead-letter queue.

The gateway (Subscriptions section, in-process bridge) and ``mws-gateway bridge`` each build
one from ``Settings.notifications``. The queues are resolved on first use, not at start-up,
so a gateway whose SQS server is not up yet still starts (and answers ``ServiceUnavailable``
to the Subscriptions calls that need it meanwhile). With ``create_queues`` (the demo) both
queues are created by name on the configured SQS server.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from gateway.config import NotificationSettings
from gateway.notifications.queues import QueueAddressError, parse_queue_url
from gateway.notifications.sqs import Sqs, SqsError


@dataclass(frozen=True)
class SourceQueue:
    url: str
    arn: str
    dead_letter_url: str | None


class NotConfigured(Exception):
    """Notifications are not configured (no source queue): the message says what to set."""


NOT_CONFIGURED = (
    "notifications are not configured on this gateway: set notifications.source_queue_url "
    "(MWS_GATEWAY_NOTIFICATIONS_QUEUE_URL), the SQS queue SP-API delivers to and the "
    "notification bridge reads"
)


class NotificationService:
    def __init__(self, settings: NotificationSettings, sqs: Sqs | None = None) -> None:
        self.settings = settings
        self.sqs = sqs or Sqs(endpoint=settings.sqs_endpoint, region=settings.region)
        self._source: SourceQueue | None = None
        self._lock = asyncio.Lock()

    @property
    def configured(self) -> bool:
        return self.settings.enabled

    def close(self) -> None:
        self.sqs.close()

    async def source(self) -> SourceQueue:
        """The source queue (URL and ARN) and the dead-letter queue; SqsError when SQS fails."""
        if not self.configured:
            raise NotConfigured(NOT_CONFIGURED)
        if self._source is not None:
            return self._source
        async with self._lock:
            if self._source is None:
                self._source = await self._resolve()
        return self._source

    async def _resolve(self) -> SourceQueue:
        s = self.settings
        dlq = s.dead_letter_queue_url
        if s.create_queues and not s.source_queue_url:
            url = await self.sqs.create_queue(s.source_queue_name)
            if dlq is None:
                dlq = await self.sqs.create_queue(s.dead_letter_queue_name)
        else:
            assert s.source_queue_url is not None
            url = s.source_queue_url
        arn = await self._arn(url)
        return SourceQueue(url, arn, dlq)

    async def _arn(self, url: str) -> str:
        arn = await self.sqs.queue_arn(url)
        if arn:
            return arn
        try:  # the URL names it (an SQS server may not report QueueArn)
            return parse_queue_url(url, default_region=self.settings.region).arn
        except QueueAddressError as exc:
            raise SqsError(f"source queue {url}: {exc}") from None
