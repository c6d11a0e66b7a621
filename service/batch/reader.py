"""Archive input: find the files, count their rows, read any row range of one file.

An archive is a JSONL / JSONL.gz / CSV(.gz) / Parquet file, a folder of them or a glob. Rows are
addressed by (file, row index), so a shard is "rows [start, stop) of file f" and can be read
by any worker on its own. A row that cannot be decoded comes back as a
:class:`~model.predict.RecordError` in its place (same words as ``tinbai tag``), never skipped,
so row *n* of a shard always answers row *n* of the input.
"""

from __future__ import annotations

import csv
import glob
import io
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice
from pathlib import Path
from typing import IO, Any

from tinbai.model.files import FILE_ERRORS, FileError, describe, open_input
from tinbai.model.predict import RecordError, decode_json_line
from tinbai.model.registry import archive_formats

_CSV_FIELD_LIMIT = 2**31 - 1  # articles can be longer than csv's 128 KiB default


class InputError(ValueError):
    """An archive input that cannot be used at all (no files, unknown format, no text column)."""


class UnreadableFile(InputError):
    """One input file that cannot be read: corrupt or truncated, or not the format its name
    says (a text file named ``.parquet``). The message names the file and the problem."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


def _read_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged file raises: I/O and decompression errors, csv's, Arrow's."""
    import pyarrow as pa

    return (*FILE_ERRORS, FileError, csv.Error, pa.ArrowException)


def _unreadable(path: Path, kind: str, exc: BaseException) -> UnreadableFile:
    if isinstance(exc, FileError):
        return UnreadableFile(path, exc.problem)
    if isinstance(exc, FILE_ERRORS) and not type(exc).__module__.startswith("pyarrow"):
        return UnreadableFile(path, describe(exc))
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return UnreadableFile(path, f"not a readable {kind} file ({first})")


@dataclass(frozen=True)
class Columns:
    """Which input columns hold the id, text, title and date (the first non-empty date wins)."""

    id: str = "id"
    text: str = "text"
    title: str = "title"
    date: tuple[str, ...] = ("date", "published")

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "text": self.text, "title": self.title, "date": list(self.date)}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Columns:
        return cls(id=raw["id"], text=raw["text"], title=raw["title"], date=tuple(raw["date"]))

    def wanted(self) -> list[str]:
        return [self.id, self.text, self.title, *self.date]


def suffixes() -> dict[str, str]:
    """File kind by name ending, from every registered archive format."""
    return {
        suffix: kind
        for name in archive_formats
        for suffix, kind in archive_formats[name].suffixes.items()
    }


def file_kind(path: Path) -> str | None:
    """The kind of a file by its name; the longest ending wins (".jsonl.gz" before ".gz")."""
    name, table = path.name.lower(), suffixes()
    for suffix in sorted(table, key=len, reverse=True):
        if name.endswith(suffix):
            return table[suffix]
    return None


def _format(kind: str) -> Any:
    """The registered archive format that reads files of ``kind`` (a plan records kinds)."""
    for name in archive_formats:
        fmt = archive_formats[name]
        if kind in fmt.suffixes.values():
            return fmt
    raise ValueError(f"no archive format reads {kind!r} files")


def resolve_inputs(spec: str) -> list[Path]:
    """The archive's files in a fixed order (sorted by path): a file, a folder (searched
    recursively; hidden and ``_``-prefixed names skipped) or a glob."""
    p = Path(spec)
    if p.is_file():
        if file_kind(p) is None:
            raise InputError(f"{spec}: unknown input format (expected {', '.join(suffixes())})")
        return [p.resolve()]
    if p.is_dir():
        found = [
            f
            for f in p.rglob("*")
            if f.is_file()
            and file_kind(f) is not None
            and not any(part.startswith((".", "_")) for part in f.relative_to(p).parts)
        ]
    else:
        found = [
            Path(f)
            for f in glob.glob(spec, recursive=True)
            if Path(f).is_file() and file_kind(Path(f)) is not None
        ]
    if not found:
        raise InputError(f"no input files found at {spec} (JSONL, JSONL.gz, CSV or Parquet)")
    return sorted(f.resolve() for f in found)


@dataclass(frozen=True)
class FileScan:
    rows: int
    offsets: list[int] | None  # byte offset of rows 0, k, 2k… (plain JSONL only: seekable)


def scan_file(
    path: Path, kind: str, shard_size: int, columns: Columns, limit: int | None = None
) -> FileScan:
    """Count the rows of one file (at most ``limit``: the first rows only) and, where the format
    allows, note where every shard starts. A file that cannot be read to the end is an
    :class:`UnreadableFile` naming it."""
    try:
        return _scan(path, kind, shard_size, columns, limit)
    except InputError:
        raise
    except _read_errors() as exc:
        raise _unreadable(path, kind, exc) from None


def _scan(path: Path, kind: str, shard_size: int, columns: Columns, limit: int | None) -> FileScan:
    return _format(kind).scan(path, kind, shard_size, columns, limit)


@archive_formats.register("jsonl.v1")
class JsonlFormat:
    """JSON lines (optionally gzipped); plain files are seekable, so the scan notes where each
    shard starts."""

    suffixes = {
        ".jsonl.gz": "jsonl.gz",
        ".ndjson.gz": "jsonl.gz",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
    }

    @staticmethod
    def scan(
        path: Path, kind: str, shard_size: int, columns: Columns, limit: int | None
    ) -> FileScan:
        rows, pos, offsets = 0, 0, []
        with open_input(path) as fh:
            for raw in islice(fh, limit):
                if rows % shard_size == 0:
                    offsets.append(pos)
                rows += 1
                pos += len(raw)
        return FileScan(rows, offsets if kind == "jsonl" else None)

    @staticmethod
    def read(path: Path, kind: str, start: int, stop: int, offset: int | None) -> list[Any]:
        with open_input(path) as fh:
            if offset is not None:
                fh.seek(offset)
                lines: Iterator[bytes] = islice(fh, stop - start)
            else:  # compressed: decompress from the start, skipping lines unparsed
                lines = islice(fh, start, stop)
            return [decode_json_line(raw, start + i + 1) for i, raw in enumerate(lines)]


@archive_formats.register("csv.v1")
class CsvFormat:
    """CSV (optionally gzipped) with a header row; not seekable, so shards re-read from the top."""

    suffixes = {".csv.gz": "csv.gz", ".csv": "csv"}

    @staticmethod
    def scan(
        path: Path, kind: str, shard_size: int, columns: Columns, limit: int | None
    ) -> FileScan:
        with _open_csv(path, kind) as fh:
            reader = csv.DictReader(fh)
            _check_columns(path, reader.fieldnames or [], columns)
            return FileScan(sum(1 for _ in islice(reader, limit)), None)

    @staticmethod
    def read(path: Path, kind: str, start: int, stop: int, offset: int | None) -> list[Any]:
        with _open_csv(path, kind) as fh:
            return [
                _csv_row(row, start + i + 1)
                for i, row in enumerate(islice(csv.DictReader(fh), start, stop))
            ]


@archive_formats.register("parquet.v1")
class ParquetFormat:
    """Parquet files: row counts from the metadata; a shard reads the row groups it overlaps."""

    suffixes = {".parquet": "parquet", ".pq": "parquet"}

    @staticmethod
    def scan(
        path: Path, kind: str, shard_size: int, columns: Columns, limit: int | None
    ) -> FileScan:
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(path)
        _check_columns(path, pf.schema_arrow.names, columns)
        n = pf.metadata.num_rows
        return FileScan(n if limit is None else min(n, limit), None)

    @staticmethod
    def read(path: Path, kind: str, start: int, stop: int, offset: int | None) -> list[Any]:
        return _parquet_rows(path, start, stop)


def _check_columns(path: Path, names: list[str], columns: Columns) -> None:
    missing = [c for c in (columns.id, columns.text) if c not in names]
    if missing:
        raise InputError(
            f"{path}: no column {', '.join(map(repr, missing))} "
            f"(columns: {', '.join(names) or 'none'}); "
            "map them with --id-column / --text-column"
        )


def read_shard(
    path: Path, kind: str, start: int, stop: int, offset: int | None = None
) -> list[Any]:
    """Rows ``[start, stop)`` of one file: parsed objects, or a RecordError in a bad row's place.
    ``offset`` is the byte offset of row ``start`` when the file is seekable (plain JSONL).
    A file that cannot be read (damaged since it was planned) is an :class:`UnreadableFile`."""
    try:
        return _read(path, kind, start, stop, offset)
    except _read_errors() as exc:
        raise _unreadable(path, kind, exc) from None


def _read(path: Path, kind: str, start: int, stop: int, offset: int | None) -> list[Any]:
    return _format(kind).read(path, kind, start, stop, offset)


def _csv_row(row: dict[str | None, Any], number: int) -> Any:
    # Bytes that are not UTF-8 arrive as lone surrogates (surrogateescape): report, don't guess.
    for value in row.values():
        if isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value):
            return RecordError(f"row {number}: not valid UTF-8")
    return {k: v for k, v in row.items() if k is not None}


def _parquet_rows(path: Path, start: int, stop: int) -> list[Any]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    meta = pf.metadata
    groups, first, seen = [], None, 0
    for g in range(meta.num_row_groups):  # only the row groups that overlap [start, stop)
        n = meta.row_group(g).num_rows
        if seen + n > start and seen < stop:
            groups.append(g)
            first = seen if first is None else first
        seen += n
    out: list[Any] = []
    if not groups:
        return out
    pos = first or 0
    for batch in pf.iter_batches(batch_size=1024, row_groups=groups):
        lo, hi = max(start - pos, 0), min(stop - pos, batch.num_rows)
        if hi > lo:
            out.extend(batch.slice(lo, hi - lo).to_pylist())
        pos += batch.num_rows
        if pos >= stop:
            break
    return out


def _open_csv(path: Path, kind: str) -> IO[str]:
    csv.field_size_limit(min(_CSV_FIELD_LIMIT, sys.maxsize))
    raw = open_input(path)
    return io.TextIOWrapper(raw, encoding="utf-8-sig", errors="surrogateescape", newline="")


def record_date(record: Any, columns: Columns) -> str | None:
    """The row's date as text (ISO for typed dates), from the first date column that has one."""
    if not isinstance(record, Mapping):
        return None
    for name in columns.date:
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if isinstance(value, datetime | date):
            return value.isoformat()
        return str(value).strip()
    return None
