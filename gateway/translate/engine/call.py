"""The contract between the request pipeline and the translation handlers.

A handler is ``async def handler(call: Call) -> Result``. It reads the already
authenticated, resolved and admitted request from :class:`Call`, talks to SP-API through
``call.services.spapi`` (or to local state), and returns either the children of the
``<{Action}Result>`` element (:class:`XmlResult`) or a raw body (:class:`RawResult`). It
raises :class:`gateway.mws.errors.MwsError` for anything the client should see as an MWS
``ErrorResponse``. Handlers never render envelopes, write audit events or touch HTTP.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Protocol

from gateway.audit import AuditTrail
from gateway.mws.credentials import Identity
from gateway.mws.xml import Element
from gateway.translate.engine.background import Background

if TYPE_CHECKING:
    from gateway.catalog import Catalog, Operation, Section
    from gateway.config import Settings
    from gateway.health import HealthBoard
    from gateway.state.base import Cache, QuotaBackend, Store


class RequestBody(Protocol):
    """The document of SubmitFeed-style calls, spooled to disk while its MD5 was computed."""

    size: int
    md5_base64: str
    content_type: str

    def chunks(self, chunk_size: int = 65536) -> AsyncIterator[bytes]: ...

    async def read(self) -> bytes: ...

    def rewound(self) -> IO[bytes]:
        """The spooled file at its start, for a synchronous reader in a worker thread."""
        ...


@dataclass
class Services:
    """Process-wide services handed to every handler."""

    settings: Settings
    catalog: Catalog
    health: HealthBoard
    quotas: QuotaBackend
    store: Store
    spapi: Any  # gateway.spapi.client.SpApiClient (Any to keep this module import-light)
    cache: Cache | None = None  # short-lived copies of SP-API answers (None: caching off)
    background: Background = field(default_factory=Background)  # work answered, not finished
    # gateway.notifications.service.NotificationService (SQS queues of the Subscriptions section)
    notifications: Any = None


@dataclass
class Call:
    request_id: str
    section: Section
    operation: Operation
    version: str  # the Version the client sent
    namespace: str  # the namespace to answer in
    params: Mapping[str, str]  # decoded MWS parameters, minus the signature
    identity: Identity
    services: Services
    body: RequestBody | None = None
    audit: AuditTrail = field(default_factory=AuditTrail)
    user_agent: str = ""
    received_at: float = field(default_factory=time.time)  # epoch seconds
    headers: Mapping[str, str] = field(default_factory=dict)  # request headers, lower-case

    @property
    def action(self) -> str:
        return self.operation.name


def background_call(
    services: Services, section: str, action: str, seller_id: str, marketplaces: Sequence[str]
) -> Call:
    """The Call a background job works under (SP-API client, audit trail, seller bound)."""
    home = services.catalog.sections[section]
    version = home.versions[0]
    return Call(
        request_id=str(uuid.uuid4()),
        section=home,
        operation=home.operations[action],
        version=version.version,
        namespace=version.namespace,
        params={},
        identity=Identity("background", seller_id, None, tuple(marketplaces)),
        services=services,
    )


def _placeholder() -> str:
    return f"@@streamed-text-{uuid.uuid4().hex}@@"


@dataclass
class StreamedText:
    """The text of one element, too large to hold as one string (a base64 PDF document).

    The handler puts ``(tag, stream.placeholder)`` in its element tree; the pipeline renders
    the envelope, then sends ``chunks`` where the placeholder stands. The chunks must be XML
    text needing no escaping (base64 is), ``length`` bytes in all; ``close`` runs once the body
    has been sent or abandoned."""

    length: int
    chunks: AsyncIterator[bytes]
    close: Callable[[], None] = lambda: None
    placeholder: str = field(default_factory=_placeholder)


@dataclass
class XmlResult:
    """Children of ``<{Action}Result>``; ``results`` replaces it for multi-result answers."""

    children: list[Element] = field(default_factory=list)
    # Products bulk calls answer N ``<{Action}Result status="...">`` elements instead of one.
    results: list[Element] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # element texts streamed while the answer is sent (see StreamedText)
    streams: list[StreamedText] = field(default_factory=list)


@dataclass
class RawResult:
    """A raw body (GetReport, GetFeedSubmissionResult) streamed with its Content-MD5."""

    content_type: str
    md5_base64: str
    length: int | None
    stream: AsyncIterator[bytes]
    headers: dict[str, str] = field(default_factory=dict)


Result = XmlResult | RawResult
