"""Reading inputs and writing outputs safely: the one gzip-by-suffix opener, atomic outputs,
and I/O failures worded as one line that names the file.

Every reader in the tree (CLI, archive jobs, training) opens its inputs with
:func:`open_input`, and every command that writes a file writes it through
:func:`atomic_output`: the bytes go to a hidden temporary file beside the target, which is
fsync'd and renamed over it only once complete, so a failure at any point (full disk, a
truncated input, Ctrl-C, a crash) leaves the old file untouched and no torn one.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import stat
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# What reading a damaged file raises besides OSError: a gzip stream cut short (EOFError), a
# corrupt deflate block (zlib.error). BadGzipFile is an OSError.
DECODE_ERRORS: tuple[type[BaseException], ...] = (EOFError, zlib.error)
FILE_ERRORS: tuple[type[BaseException], ...] = (OSError, *DECODE_ERRORS)


class FileError(Exception):
    """An input or output file that cannot be read or written; ``str()`` is one line naming
    the file and the problem, fit to show a user without a traceback."""

    def __init__(self, path: str | os.PathLike[str], problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def describe(exc: BaseException) -> str:
    """The problem an I/O exception stands for, in words (no file name, no traceback)."""
    if isinstance(exc, EOFError):
        return "truncated compressed file (it ends before its end-of-stream marker)"
    if isinstance(exc, gzip.BadGzipFile | zlib.error):
        return f"corrupt gzip data ({exc})"
    if isinstance(exc, UnicodeError):
        return f"not valid UTF-8 ({exc})"
    if isinstance(exc, OSError) and exc.errno is not None:
        words = {
            errno.ENOSPC: "no space left on the device",
            errno.EDQUOT: "disk quota exceeded",
            errno.EACCES: "permission denied",
            errno.EPERM: "operation not permitted",
            errno.EROFS: "read-only file system",
            errno.EISDIR: "is a directory",
            errno.ENOTDIR: "a parent of it is not a directory",
            errno.ENOENT: "no such file or directory",
        }
        return words.get(exc.errno, exc.strerror or str(exc))
    return str(exc) or type(exc).__name__


def is_gzip_path(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith(".gz")


def open_input(path: str | os.PathLike[str], text: bool = False) -> IO[Any]:
    """Open an input file for reading, decompressing ``*.gz``; ``text=True`` decodes UTF-8 and
    drops a byte-order mark (files saved by Windows editors start with one). A missing file
    or a directory is a :class:`FileError` raised here, before any output is touched."""
    p = Path(path)
    if not p.exists():
        raise FileError(path, "input file not found")
    if p.is_dir():
        raise FileError(path, "is a directory, expected a file")
    try:
        raw: IO[bytes] = gzip.open(p, "rb") if is_gzip_path(p) else open(p, "rb")  # noqa: SIM115
    except OSError as exc:
        raise FileError(path, describe(exc)) from None
    if text:
        return io.TextIOWrapper(raw, encoding="utf-8-sig")  # type: ignore[arg-type]
    return raw


def read_jsonl_rows(path: str | os.PathLike[str], limit: int | None = None) -> Iterator[Any]:
    """The objects of a trusted JSONL(.gz) file (corpora, our own outputs), blank lines
    skipped; user input goes through the CLI's line-by-line reader, which reports bad lines."""
    with open_input(path, text=True) as fh:
        for i, line in enumerate(fh):
            if limit is not None and i >= limit:
                return
            if line.strip():
                yield json.loads(line)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """Whether two paths name one file (symlinks followed, hard links: same inode)."""
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return Path(a).resolve() == Path(b).resolve()


def check_output_path(path: str | os.PathLike[str]) -> None:
    """Refuse an output that can never be written (a directory, a parent that is a file)
    before any work starts."""
    p = Path(path)
    if p.is_dir():
        raise FileError(path, "is a directory, expected a file name")
    for parent in p.parents:
        if parent.exists():
            if not parent.is_dir():
                raise FileError(path, f"{parent} is not a directory")
            break


def tmp_path_for(final: Path) -> Path:
    """The hidden temporary file beside ``final`` (``.NAME.PID.tmp``: dataset readers skip
    dot files, and a later run can recognise and delete what a killed one left)."""
    return final.with_name(f".{final.name}.{os.getpid()}.tmp")


def fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (it lives in the directory, not the file)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _is_special(p: Path) -> bool:
    """A device or FIFO (``/dev/null``, a named pipe): written in place, never replaced."""
    try:
        mode = p.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


class _OutputFile(io.FileIO):
    """The temporary's file descriptor: a failed write (full disk, quota) is raised as a
    :class:`FileError` naming the *output*, so it is never mistaken for an input's error."""

    _raw_write = io.FileIO.write  # the system call (tests put a failing one in its place)

    def __init__(self, tmp: Path, shown: str) -> None:
        super().__init__(tmp, "wb")
        self.shown = shown

    def write(self, data: Any) -> int:
        try:
            return self._raw_write(data)
        except OSError as exc:
            raise FileError(self.shown, f"cannot write: {describe(exc)}") from None


@contextmanager
def atomic_output(
    path: str | os.PathLike[str], text: bool = True, compress: bool | None = None
) -> Iterator[IO[Any]]:
    """Write ``path`` all at once or not at all. Yields a file opened on a temporary beside it
    (gzip when the name ends in ``.gz``, unless ``compress`` says otherwise); on a clean exit
    it is flushed, fsync'd and renamed into place, on any exception deleted, leaving the old
    file as it was. Failures to write are raised as :class:`FileError` naming ``path``.
    A device such as ``/dev/null`` is written in place (there is nothing to replace)."""
    final = Path(path)
    check_output_path(final)
    gz = is_gzip_path(final) if compress is None else compress
    special = _is_special(final)
    tmp = final if special else tmp_path_for(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        raw = io.BufferedWriter(_OutputFile(tmp, str(path)))
    except OSError as exc:
        raise FileError(path, f"cannot write: {describe(exc)}") from None
    try:
        gzf = gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) if gz else None
        binary: IO[bytes] = gzf if gzf is not None else raw  # type: ignore[assignment]
        stream: IO[Any] = (
            io.TextIOWrapper(binary, encoding="utf-8", newline="\n") if text else binary
        )
        yield stream
        try:
            if isinstance(stream, io.TextIOWrapper):
                stream.flush()
                stream.detach()
            if gzf is not None:
                gzf.close()  # writes the trailer; leaves ``raw`` open
            raw.flush()
            if not special:
                os.fsync(raw.fileno())
            raw.close()
            if not special:
                os.replace(tmp, final)
                fsync_dir(final.parent)
        except OSError as exc:
            raise FileError(path, f"cannot write: {describe(exc)}") from None
    except BaseException:
        try:
            raw.close()
        except (OSError, FileError):
            pass  # the write that failed is what is being reported
        if not special:
            tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_output(path, text=False, compress=False) as fh:
        fh.write(data)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_output(path, compress=False) as fh:
        fh.write(text)
