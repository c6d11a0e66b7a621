"""Reading corpora (JSONL / JSONL.gz) and fingerprinting what a model was trained on."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tinbai.model.files import read_jsonl_rows


def read_rows(path: str | Path, limit: int | None = None) -> Iterator[dict[str, Any]]:
    """A corpus's rows (JSONL / JSONL.gz)."""
    return read_jsonl_rows(path, limit)


def fingerprint_files(paths: list[Path]) -> str:
    """sha256 over the files' bytes: the bundle records exactly which data it saw."""
    h = hashlib.sha256()
    for p in sorted(paths, key=str):
        h.update(p.name.encode())
        with open(p, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return "sha256:" + h.hexdigest()[:16]
