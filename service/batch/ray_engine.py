"""The ``ray`` engine: Ray Data ``map_batches`` over an actor pool, one bundle per actor.

The dataset is the list of shards still to do (small: a few numbers each); each actor loads
the bundle once, then reads and labels whole shards (input files must be readable at the same
path on every node, e.g. a shared mount). The bundle travels with the job: the driver puts it
in the object store once and each node unpacks it into ``tinbai-bundles/<sha256>`` in its
Ray temp dir (once per bundle content; the loader verifies its checksums), so nodes need
neither the driver's ``--model`` path nor tinbai installed at the same place. Results come
back to the driver, which commits them with the same writer as the local engine, so both
engines write identical folders. Without ``address``, ``ray.init()`` starts a throw-away
local Ray inside this process.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import shutil
import socket
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tinbai.service.batch.labeler import ShardLabeler, ShardResult
from tinbai.service.batch.plan import Shard
from tinbai.service.batch.writer import ArchiveError

CONNECT_TIMEOUT_S = 10  # to open a TCP connection to the head's GCS port, before ray.init


def check_reachable(address: str) -> None:
    """Fail in seconds, naming the address, when nothing answers at a ``HOST:PORT`` cluster
    address: ``ray.init`` would otherwise retry for minutes without a word."""
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # "auto", "ray://…": Ray resolves those itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise ArchiveError(
            f"--ray-address {address}: cannot reach a Ray cluster there "
            f"({exc.strerror or exc}); start it with `ray start --head --port {port}` "
            "on that machine, or check the address"
        ) from None


def pack_bundle(bundle_dir: Path) -> bytes:
    """The bundle folder as one uncompressed tar, to send to every node through Ray."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add(bundle_dir, arcname=".")
    return buf.getvalue()


def unpack_bundle(packed: Any, key: str, root: Path) -> Path:
    """``root/key``, unpacked from ``packed`` (bytes, or an object ref to them) unless an
    earlier actor on this node already did; built aside and renamed, so never half there."""
    dest = root / key
    if (dest / "bundle.json").is_file():
        return dest
    if not isinstance(packed, bytes):
        import ray

        packed = ray.get(packed)
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        with tarfile.open(fileobj=io.BytesIO(packed)) as tar:
            tar.extractall(tmp, filter="data")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    try:
        tmp.rename(dest)
    except OSError:  # another actor got there first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


class _RayShardLabeler:
    """Callable class for ``map_batches``: constructed once per actor (loads the bundle)."""

    def __init__(
        self, bundle: Any, bundle_key: str, columns: dict[str, Any], summaries: bool
    ) -> None:
        import ray

        root = Path(ray.get_runtime_context().get_temp_dir()) / "tinbai-bundles"
        bundle_dir = unpack_bundle(bundle, bundle_key, root)
        self.labeler = ShardLabeler(str(bundle_dir), columns, summaries)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        out: dict[str, list[Any]] = {"index": [], "result": []}
        for spec in batch["shard"]:
            result = self.labeler.label(Shard(**json.loads(spec)))
            out["index"].append(result.index)
            # JSON keeps nested rows out of Arrow schema inference: rows pass through untouched
            out["result"].append(json.dumps(result.to_dict(), ensure_ascii=False))
        return out


def run_ray(
    shards: Sequence[Shard],
    *,
    bundle_dir: str,
    columns: dict[str, Any],
    summaries: bool,
    workers: int,
    address: str | None = None,
    init_options: dict[str, Any] | None = None,
) -> Iterator[ShardResult]:
    """Label ``shards`` with ``workers`` Ray actors; yield each shard's result as it arrives."""
    if not shards:
        return
    from tinbai.extras import require

    require("ray", "The Ray engine (--engine ray)")
    import ray

    started = _connect(ray, address, init_options)
    try:
        ds = _labelled_dataset(ray, shards, Path(bundle_dir), columns, summaries, workers)
        yield from _results(ray, ds)
    finally:
        if started:
            ray.shutdown()


def _connect(ray: Any, address: str | None, init_options: dict[str, Any] | None) -> bool:
    """Join the cluster at ``address`` (checked reachable first: Ray itself waits silently)
    or start a local one; True when this call started Ray and must shut it down."""
    if ray.is_initialized():
        return False
    options = {
        "include_dashboard": False,
        "log_to_driver": False,
        "logging_level": logging.WARNING,
        **(init_options or {}),
    }
    if address:
        check_reachable(address)
        options.pop("num_cpus", None)
        options.pop("object_store_memory", None)
    ray.init(address=address, **options)
    return True


def _labelled_dataset(
    ray: Any,
    shards: Sequence[Shard],
    bundle_dir: Path,
    columns: dict[str, Any],
    summaries: bool,
    workers: int,
) -> Any:
    """One row per shard, labelled by an actor pool; the bundle travels through the object
    store once (nodes need not share the driver's filesystem)."""
    ctx = ray.data.DataContext.get_current()
    ctx.enable_progress_bars = False  # the job draws its own bar
    ctx.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    items = [{"shard": json.dumps(asdict(s))} for s in shards]
    packed = pack_bundle(bundle_dir)
    ds = ray.data.from_items(items, override_num_blocks=min(len(items), 200))
    return ds.map_batches(
        _RayShardLabeler,
        fn_constructor_kwargs={
            "bundle": ray.put(packed),
            "bundle_key": hashlib.sha256(packed).hexdigest(),
            "columns": columns,
            "summaries": summaries,
        },
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=max(1, min(workers, len(shards)))),
        num_cpus=1,
    )


def _results(ray: Any, ds: Any) -> Iterator[ShardResult]:
    """Each shard's result as it arrives; a Ray failure is one line (finished parts stay)."""
    try:
        for row in ds.iter_rows():
            yield ShardResult.from_dict(json.loads(row["result"]))
    except ray.exceptions.RayError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ArchiveError(
            f"Ray job failed ({first}); finished parts are kept: run the same "
            "command again to resume"
        ) from exc
