"""A generic micro-batcher: concurrent single-item calls become one batched call.

Transformer taggers cost about the same for one document as for eight (the forward pass is
dominated by fixed overhead and batches well), so under concurrent load we gather the
documents of requests arriving within ``max_wait_ms`` of each other — at most
``max_batch_size`` — and run ``fn(batch)`` once, in one worker thread, off the event loop.
``fn`` is any ``list[T] -> list[R]`` that returns one result per item in order, e.g.
``bundle.tag``; nothing here knows about models.

The wait starts at the first queued item, so a lone request waits at most ``max_wait_ms``;
while a batch runs, newcomers queue and go out together as soon as it finishes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Pending(Generic[T, R]):
    item: T
    future: asyncio.Future[R]


class MicroBatcher(Generic[T, R]):
    """Batches concurrent :meth:`submit` calls into calls of ``fn``.

    Start it with :meth:`start` inside a running event loop (the app's lifespan) and stop it
    with :meth:`stop`. An exception raised by ``fn`` fails every request of that batch, not
    the batcher.
    """

    def __init__(
        self,
        fn: Callable[[list[T]], Sequence[R]],
        *,
        max_batch_size: int = 16,
        max_wait_ms: float = 5.0,
        on_batch: Callable[[int], None] | None = None,
        workers: int = 1,
    ) -> None:
        if max_batch_size < 1:
            raise ValueError("max_batch_size must be at least 1")
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self.fn = fn
        self.max_batch_size = max_batch_size
        self.max_wait = max_wait_ms / 1000.0
        self.on_batch = on_batch
        self._queue: asyncio.Queue[_Pending[T, R]] | None = None
        self._arrived = asyncio.Event()
        self._workers: list[asyncio.Task[None]] = []
        # One worker runs batches strictly one after another. A second one lets a batch's
        # Python work (tokenising, post-processing) overlap the next batch's forward pass,
        # which releases the GIL; more than the cores would only fight over them.
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="micro-batch")

    @property
    def running(self) -> bool:
        return any(not w.done() for w in self._workers)

    def start(self) -> None:
        if self.running:
            return
        self._queue = asyncio.Queue()
        self._arrived = asyncio.Event()
        loop = asyncio.get_running_loop()
        self._workers = [
            loop.create_task(self._run(), name=f"micro-batcher-{i}") for i in range(self.workers)
        ]

    async def stop(self) -> None:
        for worker in self._workers:
            worker.cancel()
        for worker in self._workers:
            try:
                await worker
            except asyncio.CancelledError:
                pass
        self._workers = []
        if self._queue is not None:
            while not self._queue.empty():
                pending = self._queue.get_nowait()
                if not pending.future.done():
                    pending.future.set_exception(RuntimeError("the service is shutting down"))
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def submit(self, item: T) -> R:
        """Queue one item and wait for its result."""
        if not self.running or self._queue is None:
            raise RuntimeError("micro-batcher is not running")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait(_Pending(item, future))
        self._arrived.set()
        return await future

    async def submit_many(self, items: Sequence[T]) -> list[R]:
        return list(await asyncio.gather(*(self.submit(x) for x in items)))

    async def _collect(self) -> list[_Pending[T, R]]:
        assert self._queue is not None
        batch = [await self._queue.get()]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait
        while len(batch) < self.max_batch_size:
            # Take what is already queued without waiting, then wait out the window.
            try:
                batch.append(self._queue.get_nowait())
                continue
            except asyncio.QueueEmpty:
                pass
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            # Wait for a newcomer or the deadline. Waiting on an event rather than on
            # queue.get() under a timeout means a timeout can never swallow a dequeued item;
            # a missed wake-up only costs the rest of the window.
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                pass
        return batch

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = await self._collect()
            live = [p for p in batch if not p.future.done()]  # callers may have gone away
            if not live:
                continue
            if self.on_batch is not None:
                self.on_batch(len(live))
            try:
                results = await loop.run_in_executor(
                    self._executor, self.fn, [p.item for p in live]
                )
                if len(results) != len(live):
                    raise RuntimeError(
                        f"batched call returned {len(results)} results for {len(live)} items"
                    )
            except asyncio.CancelledError:
                for p in live:
                    if not p.future.done():
                        p.future.set_exception(RuntimeError("the service is shutting down"))
                raise
            except Exception as exc:  # noqa: BLE001 - handed to each waiting request
                log.exception("batched call failed for %d items", len(live))
                for p in live:
                    if not p.future.done():
                        p.future.set_exception(exc)
                continue
            for p, result in zip(live, results, strict=True):
                if not p.future.done():
                    p.future.set_result(result)
