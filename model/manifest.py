"""A bundle's manifest and files: ``bundle.json``'s model, the one reader every loader reads
its files through, checksums. Below :mod:`tinbai.model.bundle` and the kinds' taggers, which
both import it, so that loading a bundle never imports a module that imports the loader."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator

FORMAT_VERSION = 1
MANIFEST = "bundle.json"
TAXONOMY_FILE = "taxonomy.yaml"
SUMMARIZER_DIR = "summarizer"

_LIBRARIES = (
    "tinbai",
    "numpy",
    "scikit-learn",
    "torch",
    "transformers",
    "underthesea",
    "onnxruntime",
)


class BundleError(RuntimeError):
    """A bundle that cannot be loaded; the message names the path and the reason."""


T = TypeVar("T")


def read_file(path: Path, read: Callable[[Path], T]) -> T:
    """``read(path)`` for one file of a bundle; every loader reads its files through this.

    Whatever a damaged file makes its parser raise (a truncated zip, bad JSON, a safetensors
    header cut short, bytes that are not UTF-8…) becomes one :class:`BundleError` naming the
    file and the reason, never a traceback: the parsers' exception types are too many and
    too varied to list, so anything but a BundleError is caught here."""
    try:
        return read(path)
    except BundleError:
        raise
    except FileNotFoundError:
        raise BundleError(f"{path}: missing from the bundle") from None
    except Exception as exc:  # noqa: BLE001 — see the docstring
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise BundleError(
            f"{path}: unreadable, the file is damaged or not what the bundle expects "
            f"({type(exc).__name__}{': ' + reason if reason else ''})"
        ) from None


def read_json(path: Path) -> Any:
    """A bundle's JSON file, through :func:`read_file`."""
    return read_file(path, lambda p: json.loads(p.read_text(encoding="utf-8")))


def read_text(path: Path) -> str:
    """A bundle's text file, through :func:`read_file`."""
    return read_file(path, lambda p: p.read_text(encoding="utf-8"))


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of a bundle's ``.npz``, read now (``np.load`` is lazy, so a damaged
    member would otherwise fail later, at first use), through :func:`read_file`."""

    def read(p: Path) -> dict[str, np.ndarray]:
        with np.load(p, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    return read_file(path, read)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def file_checksums(directory: Path) -> dict[str, str]:
    """sha256 of every file of a bundle but ``bundle.json``, by POSIX path relative to it."""
    directory = Path(directory)
    return {
        p.relative_to(directory).as_posix(): sha256_file(p)
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.relative_to(directory).as_posix() != MANIFEST
    }


def verify_checksums(path: Path, checksums: dict[str, str]) -> None:
    """Check every file ``bundle.json`` lists against its recorded sha256, so flipped bytes
    are caught at load, not as odd predictions. Bundles written before checksums were
    recorded list none, and load as before."""
    for name, expected in checksums.items():
        file = path / name
        if not file.is_file():
            raise BundleError(f"{file}: missing from the bundle (bundle.json lists it)")
        actual = read_file(file, sha256_file)
        if actual != expected:
            raise BundleError(
                f"{file}: checksum mismatch, the file is damaged or was changed after the "
                f"bundle was written (sha256 {actual[:12]}…, bundle.json says {expected[:12]}…)"
            )


class ComponentSpec(BaseModel):
    """One part of a bundle in ``bundle.json``'s ``components`` map (as sentence-transformers'
    ``modules.json``): its versioned implementation, its folder in the bundle (``"."`` for
    files at the top) and the configuration it was saved with."""

    model_config = ConfigDict(extra="forbid")

    type: str
    path: str = "."
    config: dict[str, Any] = Field(default_factory=dict)


def _component_spec(name: str, value: Any) -> Any:
    """Bundles written before the components map named paths list ``part → type`` only
    (the shipped default bundle among them): their summariser is in ``summarizer/``, every
    other part at the top."""
    if isinstance(value, str):
        return {"type": value, "path": SUMMARIZER_DIR if name == "summarizer" else "."}
    return value


class BundleManifest(BaseModel):
    model_config = ConfigDict(extra="allow")

    format_version: int = FORMAT_VERSION
    kind: str
    name: str
    version: str
    created_at: str = Field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    taxonomy_fingerprint: str
    labels: dict[
        str, list[str]
    ]  # head name → label order, e.g. {"topics": [...], "campaigns": [...]}
    thresholds: dict[str, float] = Field(default_factory=dict)
    metrics: dict[str, Any] = Field(default_factory=dict)
    training: dict[str, Any] = Field(default_factory=dict)  # config, data fingerprint, seed
    components: dict[str, ComponentSpec] = Field(default_factory=dict)  # see ComponentSpec
    library_versions: dict[str, str] = Field(default_factory=dict)
    checksums: dict[str, str] = Field(default_factory=dict)  # file → sha256; verified at load

    @field_validator("components", mode="before")
    @classmethod
    def _older_components(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {name: _component_spec(name, spec) for name, spec in value.items()}
        return value


def library_versions() -> dict[str, str]:
    import importlib.metadata  # only when a bundle is written (30 ms at import otherwise)

    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
