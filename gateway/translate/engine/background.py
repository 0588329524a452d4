"""Work that outlives the MWS call that started it.

MWS answered some calls at once and did the work later (SubmitFeed: ``_SUBMITTED_``, then
``_IN_PROGRESS_``, then ``_DONE_``). Where SP-API's usage plans cannot take the whole job
now (a feed that needs more listings feeds than the window admits), a handler answers and
hands the rest to :class:`Background`. Such work is always resumable from a durable intent
(:mod:`gateway.translate.engine.intents`): on shutdown it is cancelled and left as recorded,
and a section's ``on_start`` hook (named in its mapping table) picks it up again.

One task per name: spawning a name that is running already does nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import anyio
import anyio.abc
import structlog

log = structlog.get_logger("mws_gateway.background")

Job = Callable[[], Awaitable[None]]


class Background:
    def __init__(self) -> None:
        self._group: anyio.abc.TaskGroup | None = None
        self._running: set[str] = set()
        self._done: dict[str, anyio.Event] = {}
        self._idle = anyio.Event()
        self._idle.set()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """The lifetime of background work: the application's (its lifespan)."""
        async with anyio.create_task_group() as group:
            self._group = group
            try:
                yield
            finally:
                self._group = None
                group.cancel_scope.cancel()

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._running)

    def spawn(self, name: str, job: Job) -> bool:
        """Start ``job`` unless ``name`` runs already; False when nothing was started."""
        if self._group is None:
            log.warning("background_unavailable", job=name)
            return False
        if name in self._running:
            return False
        self._running.add(name)
        self._done[name] = anyio.Event()
        self._idle = anyio.Event()
        self._group.start_soon(self._run, name, job, name=name)
        return True

    async def _run(self, name: str, job: Job) -> None:
        try:
            await job()
        except Exception:  # a bug: logged, and the durable intent stays for the next start
            log.exception("background_job_failed", job=name)
        finally:
            self._running.discard(name)
            self._done.pop(name).set()
            if not self._running:
                self._idle.set()

    async def join(self, name: str) -> None:
        """Wait for the job ``name`` if it runs (a call that needs what it produces)."""
        done = self._done.get(name)
        if done is not None:
            await done.wait()

    async def idle(self) -> None:
        """Wait until no background job runs (tests, orderly shutdown)."""
        while self._running:
            await self._idle.wait()
