"""Output parts, written so that a part file exists only once it is complete.

Each shard's rows go to a hidden temporary file in the output folder, which is flushed,
fsync'd and then renamed to ``part-NNNNN.parquet`` / ``.jsonl`` (rename is atomic on POSIX),
and the folder is fsync'd so the rename survives a crash. A process killed at any moment
therefore leaves either the whole part or none of it, plus perhaps a stale temporary file that
the next run deletes. A shard's errors are committed the same way *before* its part, so a
finished part always has its errors beside it.

Between the two, a small record ``_parts/part-NNNNN.json`` is committed: the part's sha256,
size and row count, and its errors file's. It is written before the part is renamed into
place, so a part on disk always has its record (crash-consistent), and a resumed job verifies
every finished part against it: a part whose bytes changed, that was truncated, or that has no
record is deleted and its shard labelled again.

Names starting with ``_`` or ``.`` (manifest, errors, temporaries) are skipped by pyarrow and
Spark when they read the folder as a dataset, so ``pd.read_parquet(OUT)`` sees only rows.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from tinbai.model.files import atomic_write_bytes, atomic_write_text

ERRORS_DIR = "_errors"
CHECKS_DIR = "_parts"  # one checksum record per finished part
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


MISSING = "missing"


def _record_path(out: Path, index: int) -> Path:
    return out / CHECKS_DIR / part_name(index, "json")


def _errors_path(out: Path, index: int) -> Path:
    return out / ERRORS_DIR / part_name(index, "jsonl")


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _file_digest(path: Path) -> tuple[int, str]:
    h, size = hashlib.sha256(), 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    return size, "sha256:" + h.hexdigest()


def part_problem(out: Path, index: int, fmt: str) -> str | None:
    """What is wrong with shard ``index``'s finished part, or None when it is there and its
    bytes (and its errors file's) are exactly those recorded when it was written;
    :data:`MISSING` when the shard simply has no part yet."""
    part = part_path(out, index, fmt)
    if not part.is_file():
        return MISSING
    try:
        record = json.loads(_record_path(out, index).read_text(encoding="utf-8"))
        size, sha = record["bytes"], record["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return "no checksum record (written by an older tinbai, or the record is damaged)"
    got_size, got_sha = _file_digest(part)
    if got_size != size:
        return f"truncated or altered: {got_size} bytes where {size} were written"
    if got_sha != sha:
        return "checksum mismatch: its bytes changed after it was written"
    if record.get("errors"):
        errors = _errors_path(out, index)
        if not errors.is_file() or _file_digest(errors)[1] != record.get("errors_sha256"):
            return f"its errors file {ERRORS_DIR}/{errors.name} is missing or altered"
    return None


def discard_part(out: Path, index: int, fmt: str) -> None:
    """Delete a part that failed verification (the part first: a record alone means "to do")."""
    part_path(out, index, fmt).unlink(missing_ok=True)
    _record_path(out, index).unlink(missing_ok=True)


def part_rows(out: Path, index: int) -> int:
    """Rows in a verified part, from its record (no need to open the part again)."""
    return int(_record(out, index)["rows"])


def part_unsummarised(out: Path, index: int) -> int:
    """Rows of a verified part written without a summary (``summary_error`` set)."""
    return int(_record(out, index).get("unsummarised", 0))


def _record(out: Path, index: int) -> dict[str, Any]:
    return json.loads(_record_path(out, index).read_text(encoding="utf-8"))


def clean_temporaries(out: Path) -> int:
    """Delete what killed runs left half-written; returns how many files went."""
    dirs = [d for d in (out, out / ERRORS_DIR, out / CHECKS_DIR) if d.is_dir()]
    stale = [p for d in dirs for p in d.iterdir() if is_temporary(p)]
    for p in stale:
        p.unlink(missing_ok=True)
    return len(stale)


# A part's columns, in order. Columns are only ever appended (readers select by name, and
# ``tinbai report`` reads id/date/topic/campaigns/mentions): the summary pair with
# ``--summaries``, then what an editor needs to read a row without the input at hand.
LABEL_COLUMNS = ("id", "date", "topic", "topic_score", "campaigns", "mentions")
SUMMARY_COLUMNS = ("summary", "summary_error")  # summary_error: why a row has no summary
ARTICLE_COLUMNS = ("title", "meta", "campaign_evidence")


def part_columns(summaries: bool) -> list[str]:
    """The column names of every part of a job (recorded in its manifest's options, so a job
    started by a tinbai writing other columns is not resumed into mixed parts)."""
    return [*LABEL_COLUMNS, *(SUMMARY_COLUMNS if summaries else ()), *ARTICLE_COLUMNS]


def parquet_schema(summaries: bool) -> Any:
    import pyarrow as pa

    campaign_list = pa.list_(pa.struct([("id", pa.string()), ("score", pa.float64())]))
    types = {
        "id": pa.string(),
        "date": pa.string(),
        "topic": pa.string(),
        "topic_score": pa.float64(),
        "campaigns": campaign_list,
        "mentions": campaign_list,
        "summary": pa.string(),
        "summary_error": pa.string(),
        "title": pa.string(),
        "meta": pa.struct([("author", pa.string()), ("source", pa.string())]),
        # the CLI row's campaigns: [{id, score, evidence: [sentence, …]}]
        "campaign_evidence": pa.list_(
            pa.struct(
                [("id", pa.string()), ("score", pa.float64()), ("evidence", pa.list_(pa.string()))]
            )
        ),
    }
    return pa.schema([pa.field(name, types[name]) for name in part_columns(summaries)])


def _jsonl(rows: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


def _part_bytes(fmt: str, rows: Sequence[dict[str, Any]], summaries: bool) -> bytes:
    if fmt == "jsonl":
        return _jsonl(rows).encode("utf-8")
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(list(rows), schema=parquet_schema(summaries))
    buf = io.BytesIO()
    pq.write_table(table, buf, compression="zstd")
    return buf.getvalue()


def write_shard(
    out: Path,
    index: int,
    fmt: str,
    rows: Sequence[dict[str, Any]],
    errors: Sequence[dict[str, Any]],
    summaries: bool,
) -> None:
    """Commit one shard: its errors (if any), its checksum record, then its part, each
    atomically and in that order. Idempotent: same shard, same files."""
    record: dict[str, Any] = {"part": part_name(index, fmt), "rows": len(rows)}
    errors_file = _errors_path(out, index)
    if errors:
        errors_file.parent.mkdir(exist_ok=True)
        data = _jsonl(errors).encode("utf-8")
        atomic_write_bytes(errors_file, data)
        record.update(errors=len(errors), errors_sha256=_digest(data))
    else:
        errors_file.unlink(missing_ok=True)  # left by an earlier attempt that never finished
    if summaries:  # headline-only rows: tagged, not summarised (counted for the job's line)
        record["unsummarised"] = sum(1 for r in rows if r.get("summary_error"))
    data = _part_bytes(fmt, rows, summaries)
    record.update(bytes=len(data), sha256=_digest(data))
    (out / CHECKS_DIR).mkdir(exist_ok=True)
    atomic_write_text(_record_path(out, index), json.dumps(record) + "\n")
    atomic_write_bytes(part_path(out, index, fmt), data)


def finalize(out: Path, n_shards: int, fmt: str, expected_rows: int) -> dict[str, int]:
    """Gather the shards' errors into ``_errors.jsonl``, check every input row is accounted for
    exactly once (rows + errors == input rows) and mark the folder ``_SUCCESS``."""
    ok = sum(part_rows(out, i) for i in range(n_shards))
    lines: list[str] = []
    for i in range(n_shards):
        f = _errors_path(out, i)
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
