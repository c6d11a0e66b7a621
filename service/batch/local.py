"""The ``local`` engine: a pool of worker processes on this machine, one bundle per worker.

Workers are *spawned* (not forked: a forked copy of a process that has loaded BLAS or torch
threads can deadlock) and each loads the bundle once in its initializer; with one worker the
shards are labelled in this process instead. At most two shards per worker are in flight, so
memory stays flat however large the archive; results are yielded as shards finish, in any order.
Workers never write: only the driver commits parts, so a worker orphaned by a killed driver
cannot add a row to OUT.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from tinbai.model.bundle import BundleError
from tinbai.service.batch.labeler import ShardLabeler, ShardResult
from tinbai.service.batch.plan import Shard
from tinbai.service.batch.writer import ArchiveError

_LABELER: ShardLabeler | None = None
_INIT_ERROR: BundleError | None = None  # raised again with the first shard, in the driver
# One compute thread per worker: the pool already uses every core.
_THREAD_ENV = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TOKENIZERS_PARALLELISM",
)


def _die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this worker when the driver dies (even by SIGKILL), so a killed job
    leaves no orphans holding a model in memory."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    if os.getppid() != parent:  # the driver died before the request took effect
        os._exit(1)


def _init_worker(parent: int, bundle_dir: str, columns: dict[str, Any], summaries: bool) -> None:
    global _LABELER, _INIT_ERROR
    _die_with_parent(parent)
    try:
        _LABELER = ShardLabeler(bundle_dir, columns, summaries)
    except BundleError as exc:  # a plain message for the user, not a dead pool
        _INIT_ERROR = exc
        return
    if "torch" in sys.modules:  # a transformer bundle: one intra-op thread per worker
        sys.modules["torch"].set_num_threads(1)


def _label(shard: Shard) -> ShardResult:
    if _INIT_ERROR is not None:
        raise _INIT_ERROR
    assert _LABELER is not None, "worker not initialised"
    return _LABELER.label(shard)


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def run_local(
    shards: Sequence[Shard],
    *,
    bundle_dir: str,
    columns: dict[str, Any],
    summaries: bool,
    workers: int,
) -> Iterator[ShardResult]:
    """Label ``shards`` over ``workers`` processes; yield each shard's result as it completes."""
    if not shards:
        return
    workers = max(1, min(workers, len(shards)))
    if workers == 1:  # nothing to parallelise: label in this process, no spawn, no pickling
        labeler = ShardLabeler(bundle_dir, columns, summaries)
        yield from (labeler.label(shard) for shard in shards)
        return
    saved = {name: os.environ.get(name) for name in _THREAD_ENV}
    for name in _THREAD_ENV:  # inherited by the workers, spawned as shards are submitted
        os.environ.setdefault(name, "false" if name == "TOKENIZERS_PARALLELISM" else "1")
    try:
        yield from _run_pool(shards, bundle_dir, columns, summaries, workers)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_pool(
    shards: Sequence[Shard], bundle_dir: str, columns: dict[str, Any], summaries: bool, workers: int
) -> Iterator[ShardResult]:
    todo = iter(shards)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(os.getpid(), bundle_dir, columns, summaries),
    )
    pending: set[Future[ShardResult]] = set()
    try:
        for shard in todo:
            pending.add(pool.submit(_label, shard))
            if len(pending) >= 2 * workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    raise ArchiveError(
                        "a worker process died (killed, out of memory, or the bundle failed to "
                        "load: see above); finished parts are kept: run the same command again "
                        "to resume"
                    ) from None
                yield result
                nxt = next(todo, None)
                if nxt is not None:
                    pending.add(pool.submit(_label, nxt))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
