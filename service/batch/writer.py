"""Output parts, written so that a part file exists only once it is complete.

Each shard's rows go to a hidden temporary file in the output folder, which is flushed,
fsync'd and then renamed to ``part-NNNNN.parquet`` / ``.jsonl`` (rename is atomic on POSIX),
and the folder is fsync'd so the rename survives a crash. A process killed at any moment
therefore leaves either the whole part or none of it, plus perhaps a stale temporary file that
the next run deletes. A shard's errors are committed the same way *before* its part, so a
finished part always has its errors beside it.

Names starting with ``_`` or ``.`` (manifest, errors, temporaries) are skipped by pyarrow and
Spark when they read the folder as a dataset, so ``pd.read_parquet(OUT)`` sees only rows.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ERRORS_DIR = "_errors"
LOCK_FILE = "_lock"
ERRORS_FILE = "_errors.jsonl"
SUCCESS_FILE = "_SUCCESS"
FORMATS = ("parquet", "jsonl")


class ArchiveError(RuntimeError):
    """The job cannot go on; the message says why and what to do (shown without a traceback)."""


def is_temporary(path: Path) -> bool:
    return path.name.startswith(".") and path.name.endswith(".tmp")


def lock(out: Path) -> Any:
    """Hold an exclusive lock on OUT for this process's life, so two jobs never share a folder.
    The kernel drops it when the process dies, even by SIGKILL: no stale locks."""
    import fcntl

    fh = open(out / LOCK_FILE, "a+")  # noqa: SIM115 (held open on purpose)
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise ArchiveError(
            f"another label-archive job is writing to {out}; wait for it to finish or stop it"
        ) from None
    return fh


def part_name(index: int, fmt: str) -> str:
    return f"part-{index:05d}.{fmt}"


def part_path(out: Path, index: int, fmt: str) -> Path:
    return out / part_name(index, fmt)


def is_done(out: Path, index: int, fmt: str) -> bool:
    return part_path(out, index, fmt).is_file()


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tmp_path(final: Path) -> Path:
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


def _commit(tmp: Path, final: Path) -> None:
    os.replace(tmp, final)
    _fsync_dir(final.parent)


def atomic_write_text(final: Path, text: str) -> None:
    tmp = _tmp_path(final)
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    _commit(tmp, final)


def clean_temporaries(out: Path) -> int:
    """Delete what killed runs left half-written; returns how many files went."""
    dirs = [d for d in (out, out / ERRORS_DIR) if d.is_dir()]
    stale = [p for d in dirs for p in d.iterdir() if is_temporary(p)]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


def parquet_schema(summaries: bool) -> Any:
    import pyarrow as pa

    fields = [
        pa.field("id", pa.string()),
        pa.field("date", pa.string()),
        pa.field("topic", pa.string()),
        pa.field("topic_score", pa.float64()),
        pa.field("campaigns", pa.list_(pa.struct([("id", pa.string()), ("score", pa.float64())]))),
    ]
    if summaries:
        fields.append(pa.field("summary", pa.string()))
    return pa.schema(fields)


def _jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def write_shard(
    out: Path,
    index: int,
    fmt: str,
    rows: Sequence[dict[str, Any]],
    errors: Sequence[dict[str, Any]],
    summaries: bool,
) -> None:
    """Commit one shard: its errors (if any), then its part. Idempotent: same shard, same files."""
    if errors:
        (out / ERRORS_DIR).mkdir(exist_ok=True)
        atomic_write_text(out / ERRORS_DIR / part_name(index, "jsonl"), _jsonl(errors))
    final = part_path(out, index, fmt)
    if fmt == "jsonl":
        atomic_write_text(final, _jsonl(rows))
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(summaries)
    table = pa.Table.from_pylist(list(rows), schema=schema)
    tmp = _tmp_path(final)
    with open(tmp, "wb") as fh:
        pq.write_table(table, fh, compression="zstd")
        fh.flush()
        os.fsync(fh.fileno())
    _commit(tmp, final)


def count_part_rows(path: Path) -> int:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(path).metadata.num_rows
    with open(path, "rb") as fh:
        return sum(1 for _ in fh)


def finalize(out: Path, n_shards: int, fmt: str, expected_rows: int) -> dict[str, int]:
    """Gather the shards' errors into ``_errors.jsonl``, check every input row is accounted for
    exactly once (rows + errors == input rows) and mark the folder ``_SUCCESS``."""
    ok = sum(count_part_rows(part_path(out, i, fmt)) for i in range(n_shards))
    lines: list[str] = []
    for i in range(n_shards):
        f = out / ERRORS_DIR / part_name(i, "jsonl")
        if f.is_file():
            lines.extend(f.read_text(encoding="utf-8").splitlines(keepends=True))
    atomic_write_text(out / ERRORS_FILE, "".join(lines))
    counts = {"rows": ok + len(lines), "ok": ok, "failed": len(lines), "parts": n_shards}
    if counts["rows"] != expected_rows:
        raise ArchiveError(
            f"{out}: parts and errors hold {counts['rows']} rows but the input has "
            f"{expected_rows}; was the folder modified by hand?"
        )
    atomic_write_text(out / SUCCESS_FILE, json.dumps(counts) + "\n")
    return counts
