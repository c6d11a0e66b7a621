"""``tinbai label-archive IN -o OUT``: label a whole archive into a folder of parts, resumably.

Run the same command again after any interruption (even ``kill -9``) to finish the job: parts
already written are kept, the rest are done, and every input row ends up exactly once in OUT
(labelled in a part, or in ``OUT/_errors.jsonl`` with its reason).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("label-archive", help="label a whole archive (resumable; cores or Ray)")
    p.add_argument("input", help="JSONL(.gz), CSV(.gz) or Parquet file, a folder or a glob")
    p.add_argument("-o", "--output", required=True, help="output folder of parts (created)")
    p.add_argument("--model", help="bundle directory (default: the shipped bundle)")
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="local worker processes (default) or Ray Data",
    )
    p.add_argument("--workers", type=int, help="worker processes / Ray actors (default: all cores)")
    p.add_argument("--format", choices=("parquet", "jsonl"), default="parquet", help="part format")
    p.add_argument("--summaries", action="store_true", help="add each article's extractive summary")
    p.add_argument("--shard-size", type=int, default=1000, help="input rows per output part")
    p.add_argument("--id-column", default="id", help="column holding the article id")
    p.add_argument("--text-column", default="text", help="column holding the article body")
    p.add_argument("--title-column", default="title", help="column holding the title (optional)")
    p.add_argument("--date-column", help="column holding the date (default: date, else published)")
    p.add_argument("--rows-per-file", type=int, help="only each file's first N rows (a trial run)")
    p.add_argument("--ray-address", help="Ray cluster to join (default: start a local Ray)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from tinbai.model.bundle import BundleError
    from tinbai.service.batch import run_job
    from tinbai.service.batch.reader import InputError
    from tinbai.service.batch.writer import ArchiveError
    from tinbai.service.cli.common import UserError, progress

    config = _job_config(args)
    bar = None

    def start(rows: int) -> None:
        nonlocal bar
        bar = progress(total=rows, desc="label-archive")

    try:
        summary = run_job(
            config, on_progress=lambda n: bar.update(n) if bar else None, on_start=start
        )
    except (InputError, ArchiveError, BundleError) as exc:
        raise UserError(str(exc)) from None
    finally:
        if bar is not None:
            bar.close()
    _report(summary, args.output)
    return 0 if summary.failed == 0 else 1


def _job_config(args: argparse.Namespace) -> Any:
    """The job from the options, checked before any worker starts (a bundle that is not
    one, a shard size or worker count below 1)."""
    from tinbai.model.bundle import BundleError, read_manifest
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR
    from tinbai.service.batch import JobConfig
    from tinbai.service.batch.local import default_workers
    from tinbai.service.batch.reader import Columns
    from tinbai.service.cli.common import UserError

    bundle_dir = Path(args.model) if args.model else DEFAULT_BUNDLE_DIR
    try:
        read_manifest(bundle_dir)  # fail fast, before any worker starts
    except BundleError as exc:
        raise UserError(str(exc)) from None
    if args.shard_size < 1 or (args.workers is not None and args.workers < 1):
        raise UserError("--shard-size and --workers must be at least 1")
    workers = args.workers or default_workers()
    columns = Columns(
        id=args.id_column,
        text=args.text_column,
        title=args.title_column,
        date=(args.date_column,) if args.date_column else ("date", "published"),
    )
    return JobConfig(
        input=args.input,
        output=Path(args.output),
        bundle_dir=bundle_dir.resolve(),
        engine=args.engine,
        workers=workers,
        format=args.format,
        summaries=args.summaries,
        columns=columns,
        shard_size=args.shard_size,
        ray_address=args.ray_address,
        ray_init={"num_cpus": workers} if not args.ray_address else {},
        rows_per_file=args.rows_per_file,
    )


def _report(summary: Any, output: str) -> None:
    """The job's last lines on stderr: counts, where the reasons are, rows left unsummarised."""
    where = f" (reasons in {Path(output) / '_errors.jsonl'})" if summary.failed else ""
    print(
        f"tinbai label-archive: {summary.rows} rows, {summary.ok} ok, {summary.failed} failed"
        f"{where}; {summary.parts} parts in {output}"
        + (f", {summary.done_before} done by an earlier run" if summary.done_before else ""),
        file=sys.stderr,
    )
    if summary.unsummarised:
        print(
            f"tinbai label-archive: {summary.unsummarised} rows have a headline but no body "
            "to summarise: tagged from the title, summary null, the reason in summary_error",
            file=sys.stderr,
        )
