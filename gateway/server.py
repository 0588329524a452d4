"""Serving the gateway: the uvicorn configuration and a graceful, observable shutdown.

``mws-gateway serve`` runs :func:`serve`. What it sets up, and why:

* the HTTP protocol is :class:`gateway.http_protocol.GatewayHttpProtocol` (bounded request
  heads, a header timeout, MWS-format refusals); no WebSocket support;
* uvicorn's loggers get no handlers of their own (``log_config=None``): their records reach
  the root logger, which :func:`gateway.audit.configure_logging` renders as JSON lines;
* :class:`GatewayServer` shuts down in three steps on SIGTERM (or SIGINT):

  1. **drain signal**: the pipeline is marked draining at once, so ``/readyz`` answers 503
     while the listener still accepts and serves for ``shutdown_delay_seconds`` (load
     balancers and Kubernetes endpoints stop routing here); SIGINT (Ctrl-C) skips this step;
  2. **grace**: the listener closes, idle keep-alive connections are closed, and requests in
     flight (downloads included) may finish for ``shutdown_grace_seconds``;
  3. **cut**: what is still running is cancelled. A call cancelled before its answer started
     is answered ``ServiceUnavailable`` (clients retry) and a streamed body that is cut is
     audited ``outcome: aborted`` with the bytes sent (see :mod:`gateway.metered`); the
     cancellation leaves no traceback in the log. The application's lifespan then closes
     its clients and stores, and the process exits 0.

  A second signal skips the rest of step 1; a second SIGINT during step 2 stops waiting.
  uvicorn's own ``timeout_graceful_shutdown`` is not used: it takes whole seconds and leaves
  cancelled requests unfinished while the lifespan shuts down.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

import structlog
import uvicorn

from gateway.config import Settings
from gateway.http_protocol import HeadLimits, protocol_class

log = structlog.get_logger("mws_gateway.server")

CANCEL_WAIT_SECONDS = 2.0  # how long cancelled requests get to write their audit events
KEEP_ALIVE_SECONDS = 5


def uvicorn_config(app: Any, settings: Settings, *, port: int | None = None) -> uvicorn.Config:
    """The uvicorn configuration ``serve`` uses (tests serve with it too)."""
    errors = app.state.services.catalog.errors
    return uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port if port is None else port,
        http=protocol_class(HeadLimits.from_settings(settings), errors),
        ws="none",
        lifespan="on",
        log_config=None,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
    )


class GatewayServer(uvicorn.Server):
    def __init__(
        self,
        config: uvicorn.Config,
        *,
        on_drain: Callable[[], None] = lambda: None,
        delay_seconds: float = 0.0,
        grace_seconds: float = 20.0,
    ) -> None:
        super().__init__(config)
        self.on_drain = on_drain
        self.delay_seconds = delay_seconds
        self.grace_seconds = grace_seconds
        self.drain_signal: int | None = None
        self._serve_until: float | None = None
        self._drain_logged = False

    # -- step 1 ---------------------------------------------------------------------------

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        # A signal handler: flags only (logging from here could re-enter a write).
        if self.drain_signal is None:
            self.drain_signal = sig
            self._captured_signals.append(sig)
            self.on_drain()
            if sig == signal.SIGINT or self.delay_seconds <= 0:
                self.should_exit = True
            else:
                self._serve_until = time.monotonic() + self.delay_seconds
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        if self.drain_signal is not None and not self._drain_logged:
            self._drain_logged = True
            log.info(
                "shutdown_requested",
                signal=signal.Signals(self.drain_signal).name,
                still_accepting_seconds=0.0 if self.should_exit else self.delay_seconds,
                grace_seconds=self.grace_seconds,
            )
        if self._serve_until is not None and time.monotonic() >= self._serve_until:
            self.should_exit = True
        return await super().on_tick(counter)

    # -- steps 2 and 3 --------------------------------------------------------------------

    async def shutdown(self, sockets: list[Any] | None = None) -> None:
        state = self.server_state
        loop = asyncio.get_running_loop()
        log.info("shutdown_draining", in_flight=len(state.tasks), grace_seconds=self.grace_seconds)
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(state.connections):
            connection.shutdown()
        deadline = loop.time() + self.grace_seconds
        while (state.connections or state.tasks) and not self.force_exit:
            if loop.time() >= deadline:
                break
            await asyncio.sleep(0.05)
        cut = [task for task in state.tasks if not task.done()]
        if cut:
            log.warning(
                "shutdown_grace_expired", cancelled=len(cut), grace_seconds=self.grace_seconds
            )
            for task in cut:
                task.cancel()
            await asyncio.wait(cut, timeout=CANCEL_WAIT_SECONDS)
        for connection in list(state.connections):
            connection.shutdown()
        log.info("shutdown_complete", cut=len(cut))
        if not self.force_exit:
            await self.lifespan.shutdown()


def build_server(app: Any, settings: Settings, *, port: int | None = None) -> GatewayServer:
    def drain() -> None:
        app.state.pipeline.draining = True

    return GatewayServer(
        uvicorn_config(app, settings, port=port),
        on_drain=drain,
        delay_seconds=settings.shutdown_delay_seconds,
        grace_seconds=settings.shutdown_grace_seconds,
    )


def serve(app: Any, settings: Settings) -> None:
    """Serve ``app`` until SIGTERM/SIGINT, then shut down as the module docstring says."""
    build_server(app, settings).run()
