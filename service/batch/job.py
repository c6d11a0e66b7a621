"""One archive job: plan (or resume), run an engine over the shards left, commit, finish."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinbai.model.registry import archive_engines
from tinbai.service.batch.plan import Plan, Shard, job_options, open_plan, tag_set
from tinbai.service.batch.reader import Columns
from tinbai.service.batch.writer import (
    FORMATS,
    MISSING,
    clean_temporaries,
    discard_part,
    finalize,
    lock,
    part_path,
    part_problem,
    part_unsummarised,
    write_shard,
)

log = logging.getLogger(__name__)


@archive_engines.register("local")
def _local_engine(todo: list[Shard], config: JobConfig, **kwargs: Any) -> Any:
    from tinbai.service.batch.local import run_local

    return run_local(todo, **kwargs)


@archive_engines.register("ray")
def _ray_engine(todo: list[Shard], config: JobConfig, **kwargs: Any) -> Any:
    from tinbai.service.batch.ray_engine import run_ray  # ray is imported for this engine only

    return run_ray(todo, address=config.ray_address, init_options=config.ray_init, **kwargs)


ENGINES = tuple(archive_engines)


@dataclass
class JobConfig:
    input: str
    output: Path
    bundle_dir: Path
    engine: str = "local"
    workers: int = 1
    format: str = "parquet"
    summaries: bool = False
    columns: Columns = field(default_factory=Columns)
    shard_size: int = 1000
    ray_address: str | None = None
    ray_init: dict[str, Any] = field(default_factory=dict)
    rows_per_file: int | None = None  # only each file's first rows (benchmarks, trial runs)


@dataclass(frozen=True)
class JobSummary:
    rows: int
    ok: int
    failed: int
    parts: int
    done_before: int  # parts already finished by earlier runs
    resumed: bool
    unsummarised: int = 0  # with --summaries: rows tagged from a headline, not summarised


def run_job(
    config: JobConfig,
    on_progress: Callable[[int], None] | None = None,
    on_start: Callable[[int], None] | None = None,
) -> JobSummary:
    """Run (or finish) the job. ``on_start(rows_to_do)`` then ``on_progress(rows)`` per shard."""
    if config.engine not in ENGINES:
        raise ValueError(f"unknown engine {config.engine!r} (known: {', '.join(ENGINES)})")
    if config.format not in FORMATS:
        raise ValueError(f"unknown format {config.format!r} (known: {', '.join(FORMATS)})")
    out = config.output
    options = job_options(
        fmt=config.format,
        summaries=config.summaries,
        shard_size=config.shard_size,
        columns=config.columns,
        bundle_dir=config.bundle_dir,
        rows_per_file=config.rows_per_file,
    )
    out.mkdir(parents=True, exist_ok=True)
    held = lock(out)
    try:
        return _run(config, out, options, on_progress, on_start)
    finally:
        held.close()


def _shards_to_do(out: Path, plan: Plan) -> list[Shard]:
    """Every shard without a verified part. A part that fails verification (bytes changed,
    truncated, no checksum record) is deleted, with a warning naming it, and done again."""
    todo = []
    for shard in plan.shards:
        problem = part_problem(out, shard.index, plan.format)
        if problem is None:
            continue
        if problem != MISSING:
            log.warning(
                "%s: %s; labelling its shard again",
                part_path(out, shard.index, plan.format),
                problem,
            )
            discard_part(out, shard.index, plan.format)
        todo.append(shard)
    return todo


def _run(
    config: JobConfig,
    out: Path,
    options: dict[str, Any],
    on_progress: Callable[[int], None] | None,
    on_start: Callable[[int], None] | None,
) -> JobSummary:
    plan, resumed = open_plan(out, config.input, options, tag_set(config.bundle_dir))
    removed = clean_temporaries(out)
    if removed:
        log.info("removed %d unfinished part file(s) left by an interrupted run", removed)
    todo = _shards_to_do(out, plan)
    done_before = len(plan.shards) - len(todo)
    if resumed:
        log.info(
            "resuming: %d of %d parts already done, %d to go",
            done_before,
            len(plan.shards),
            len(todo),
        )
    if on_start:
        on_start(sum(s.rows for s in todo))
    kwargs = {
        "bundle_dir": str(config.bundle_dir),
        "columns": plan.columns.to_dict(),
        "summaries": bool(plan.options["summaries"]),
        "workers": config.workers,
    }
    results = archive_engines[config.engine](todo, config, **kwargs)
    for result in results:
        write_shard(
            out, result.index, plan.format, result.rows, result.errors, plan.options["summaries"]
        )
        if on_progress:
            on_progress(len(result.rows) + len(result.errors))
    counts = finalize(out, len(plan.shards), plan.format, plan.rows)
    unsummarised = sum(part_unsummarised(out, i) for i in range(len(plan.shards)))
    return JobSummary(
        counts["rows"],
        counts["ok"],
        counts["failed"],
        counts["parts"],
        done_before,
        resumed,
        unsummarised,
    )
