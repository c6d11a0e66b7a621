"""Helpers shared by sub-commands: JSONL input/output, bundles, progress bars."""

from __future__ import annotations

import argparse
import codecs
import itertools
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, NamedTuple

from tinbai.model.bundle import Bundle, BundleError, load_bundle
from tinbai.model.files import (
    FILE_ERRORS,
    FileError,
    atomic_output,
    check_output_path,
    describe,
    open_input,
    same_file,
)
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.model.predict import batched, decode_json_line
from tinbai.model.reporting import progress_bar


class EvaluateTarget(NamedTuple):
    """One ``tinbai evaluate TARGET`` (registered in ``registry.evaluate_targets``)."""

    add_arguments: Callable[[Any], None]
    run: Callable[[Any], int]
    help: str = ""  # the one line `tinbai evaluate --help` lists (argparse hides targets without)


class UserError(Exception):
    """A problem the user can fix (missing file, bad bundle); printed without a traceback."""


def check_paths(inputs: Iterable[str], output: str | None = None) -> None:
    """Refuse, before anything is opened, a missing input, an output that can never be written
    and an output that *is* an input (writing it would destroy the input): the old output
    is never touched by a command that cannot run."""
    for path in inputs:
        if path == "-":
            continue
        if not Path(path).exists():
            raise UserError(f"input file not found: {path}")
        if Path(path).is_dir():
            raise UserError(f"{path}: is a directory, expected an input file")
        if output not in (None, "-") and same_file(path, output):
            raise UserError(
                f"the output {output} is the input file {path}; writing it would destroy the "
                "input: choose another output file"
            )
    if output not in (None, "-"):
        check_output_path(output)


def read_jsonl(path: str) -> Iterator[Any]:
    """Yield one parsed object per line (blank lines included, as errors), or a
    :class:`RecordError` for a line that is not valid UTF-8 JSON. Nothing is skipped, so
    output line *n* always answers input line *n*. A file that cannot be read to its end (a
    truncated ``.gz``) raises :class:`FileError` naming it and the last good line."""
    fh = sys.stdin.buffer if path == "-" else open_input(path)
    yield from _jsonl_lines(path, fh, [])


def read_articles(path: str, command: str) -> Iterator[Any]:
    """Records for ``tinbai tag`` / ``tinbai summarize``: JSONL (as :func:`read_jsonl`) when the
    first line opens a JSON object, else the whole input is one plain-text article
    (``{"text": …}``), said on stderr: ``tinbai tag article.txt`` is what people type first."""
    fh = sys.stdin.buffer if path == "-" else open_input(path)
    lines: list[bytes] = []  # blank lines before the first that says which it is
    try:
        while not lines or (lines[-1] and not lines[-1].strip()):
            lines.append(fh.readline())
    except FILE_ERRORS as exc:
        fh.close()
        raise FileError(path, describe(exc)) from None
    first = b"".join(lines)
    head = first.removeprefix(codecs.BOM_UTF8).lstrip()
    if not head or head.startswith(b"{"):
        yield from _jsonl_lines(path, fh, lines)
        return
    try:
        with fh:
            raw = first + fh.read()
    except FILE_ERRORS as exc:
        raise FileError(path, describe(exc)) from None
    try:
        text = raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileError(path, f"not valid UTF-8 ({exc.reason} at byte {exc.start})") from None
    name = "standard input" if path == "-" else path
    print(
        f"tinbai {command}: {name} is not JSONL; reading it as one plain-text article",
        file=sys.stderr,
    )
    yield {"text": text}


def _jsonl_lines(path: str, fh: IO[bytes], read: list[bytes]) -> Iterator[Any]:
    """``fh``'s lines, after the ones already ``read`` from it, decoded one by one."""
    lineno = 0
    try:
        with fh:
            lines = itertools.chain([line for line in read if line], fh)
            for lineno, raw in enumerate(lines, start=1):  # noqa: B007 (read in the except)
                yield decode_json_line(raw, lineno)
    except FILE_ERRORS as exc:
        raise FileError(path, f"{describe(exc)}, after line {lineno}") from None


@contextmanager
def open_output(path: str) -> Iterator[IO[str]]:
    """stdout for ``-``, else the file written atomically (see
    :func:`tinbai.model.files.atomic_output`): a failed command leaves the old file as it was,
    never a torn one."""
    if path == "-":
        yield sys.stdout
        return
    with atomic_output(path) as fh:
        yield fh


def write_jsonl(fh: IO[str], rows: Iterable[dict[str, Any]]) -> None:
    for row in rows:
        try:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        except UnicodeEncodeError:  # a lone surrogate: write it as a JSON \u escape
            fh.write(json.dumps(row, ensure_ascii=True) + "\n")


def get_bundle(path: str | None, **options: Any) -> Bundle:
    try:
        return load_bundle(path or DEFAULT_BUNDLE_DIR, **options)
    except BundleError as exc:
        raise UserError(str(exc)) from None


def progress(total: int | None = None, desc: str = "", unit: str = "article") -> Any:
    """A tqdm bar on stderr, hidden when stderr is not a terminal (logs, CI)."""
    return progress_bar(total, desc, unit)


def print_json(obj: Any, stream: IO[str] | None = None) -> None:
    stream = stream or sys.stdout
    stream.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def format_table(obj: dict[str, Any]) -> str:
    """A metrics object for people: scalars as ``key  value`` lines, then each mapping of
    mappings (per-class scores) as a table with a column per inner key, each flat mapping as
    ``key  value`` lines under its name; anything else (a confusion matrix) as compact JSON."""
    scalars = {k: v for k, v in obj.items() if not isinstance(v, (dict, list))}
    width = max((len(k) for k in scalars), default=0)
    lines = [f"{k.ljust(width)}  {_cell(v)}" for k, v in scalars.items()]
    for key, value in obj.items():
        if key in scalars:
            continue
        lines.append("")
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            columns = list(dict.fromkeys(c for v in value.values() for c in v))
            rows = [[str(k), *(_cell(v.get(c)) for c in columns)] for k, v in value.items()]
            header = [key, *columns]
            widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
            for row in [header, ["-" * w for w in widths], *rows]:  # names left, numbers right
                cells = [row[0].ljust(widths[0])] + [
                    c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
                ]
                lines.append("  ".join(cells).rstrip())
        elif isinstance(value, dict):
            inner = max((len(str(k)) for k in value), default=0)
            lines.append(f"{key}:")
            lines += [f"  {str(k).ljust(inner)}  {_cell(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {_cell(value)}")
    return "\n".join(lines) + "\n"


def add_format_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("json", "table"),
        default="json",
        help="json: one JSON object, what scripts read (default); table: for people",
    )


def print_result(obj: dict[str, Any], args: argparse.Namespace) -> None:
    """A command's result object in the ``--format`` asked for (JSON when it has none)."""
    if getattr(args, "format", "json") == "table":
        sys.stdout.write(format_table(obj))
    else:
        print_json(obj)


def summary_line(command: str, total: int, failed: int) -> None:
    print(f"tinbai {command}: {total} lines, {total - failed} ok, {failed} failed", file=sys.stderr)


def count_lines(path: str) -> int | None:
    """Lines in a plain (not compressed) input file, for a progress bar with a total and an
    ETA: one fast pass of raw reads; 1 for a plain-text article (see :func:`read_articles`).
    None for standard input and ``.gz`` (not worth a pass)."""
    from tinbai.model.files import is_gzip_path

    if path == "-" or is_gzip_path(Path(path)):
        return None
    n, last = 0, b"\n"
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
            if head.removeprefix(codecs.BOM_UTF8).strip()[:1] not in (b"", b"{"):
                return 1
            fh.seek(0)
            while chunk := fh.read(1 << 20):
                n += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return None  # the real read names the problem
    return n + (last != b"\n")


def add_article_input(p: argparse.ArgumentParser) -> None:
    """``IN`` / ``--text`` / ``-o`` for the commands that read articles (tag, summarize)."""
    p.add_argument(
        "input",
        nargs="?",
        help="JSONL(.gz) of {id?, title?, text} per line, or a plain-text article (any file "
        "whose first line is not a JSON object), or - for standard input",
    )
    p.add_argument("--text", help="the article itself, instead of an input file")
    p.add_argument(
        "-o", "--output", default="-", help="output JSONL(.gz) file (default: - = standard output)"
    )


def check_article_input(args: argparse.Namespace) -> None:
    """The usage and path checks of :func:`add_article_input`'s arguments, which commands run
    before loading a bundle: a mistyped command fails at once, not after seconds of loading."""
    if args.input is not None and args.text is not None:
        raise UserError("give an input file or --text, not both")
    if args.input is None and args.text is None:
        raise UserError("give an input file (- for standard input) or --text")
    check_paths([] if args.text is not None else [args.input], args.output)


def map_jsonl(
    command: str,
    args: argparse.Namespace,
    batch_size: int,
    process: Callable[[list[Any]], list[dict[str, Any]]],
) -> int:
    """The JSONL contract of ``tinbai tag`` / ``tinbai summarize``: read in batches, write one
    output line per input line in order, count failures; exit status 0 only if none failed.
    The output appears only once complete; any failure leaves the old one untouched."""
    check_article_input(args)
    output_path = args.output
    if args.text is not None:
        records: Iterable[Any] = [{"text": args.text}]
        known: int | None = 1
    else:
        records = read_articles(args.input, command)
        known = count_lines(args.input)
    total = failed = 0
    with open_output(output_path) as out, progress(known, desc=command) as bar:
        for batch in batched(records, batch_size):
            rows = process(batch)
            write_jsonl(out, rows)
            total += len(rows)
            failed += sum("error" in r for r in rows)
            bar.update(len(rows))
    summary_line(command, total, failed)
    return 0 if failed == 0 else 1
