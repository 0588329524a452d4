"""A streamed response that reports, once it is really over, how many body bytes went out.

The pipeline wraps every streamed answer (GetReport, GetFeedSubmissionResult) in a
:class:`MeteredResponse` and writes the call's audit event from its ``on_finish`` callback,
so the event is emitted when the body has been sent in full, or when it was cut (the client
went away, or the server's shutdown grace ran out and the request was cancelled), and says
which: ``on_finish(bytes_sent, complete)``. ``bytes_sent`` counts the body bytes the server
accepted for the connection; ``complete`` is whether the final body message was sent.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send


class MeteredResponse(Response):
    def __init__(self, inner: Response, on_finish: Callable[[int, bool], None]) -> None:
        # Not Response.__init__: there is no body to render, only ``inner`` to pass through.
        self.inner = inner
        self.on_finish = on_finish
        self.status_code = inner.status_code
        self.raw_headers = inner.raw_headers
        self.background = None
        self.body = b""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        sent = 0
        complete = False

        async def counting_send(message: Message) -> None:
            nonlocal sent, complete
            await send(message)
            if message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
                complete = complete or not message.get("more_body", False)

        try:
            await self.inner(scope, receive, counting_send)
        finally:
            self.on_finish(sent, complete)
