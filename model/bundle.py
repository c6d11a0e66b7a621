"""Model bundles: one directory, one ``bundle.json``, weights beside it; one loader.

``bundle.json`` says what the bundle is (``kind``, ``format_version``), what it predicts
(label order per head, thresholds, the taxonomy's fingerprint), how it was made (training
config, data fingerprint, seed, library versions) and how good it is (dev metrics). Weights are
JSON / ``.npz`` / safetensors — never pickles, which break across library versions and execute
code on load. A bundle of an unknown kind, or of a newer format, fails with a clear message.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from tinbai.model.registry import kinds
from tinbai.model.tagging import Tagger, TagResult
from tinbai.model.taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from tinbai.model.text import Document

log = logging.getLogger(__name__)

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
    components: dict[str, str] = Field(default_factory=dict)  # part → versioned implementation
    library_versions: dict[str, str] = Field(default_factory=dict)
    checksums: dict[str, str] = Field(default_factory=dict)  # file → sha256; verified at load


def library_versions() -> dict[str, str]:
    out = {}
    for name in _LIBRARIES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out


@dataclass
class Bundle:
    """A loaded bundle: its manifest, its tag set, its tagger and (optionally) summariser."""

    path: Path
    manifest: BundleManifest
    taxonomy: Taxonomy
    tagger: Tagger
    summarizer: Any | None = None  # model.summarize.Summarizer when the bundle ships one

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def version(self) -> str:
        return self.manifest.version

    def tag(self, docs: Sequence[Document]) -> list[TagResult]:
        return self.tagger.tag(docs)


def write_manifest(directory: Path, manifest: BundleManifest, taxonomy: Taxonomy) -> None:
    """Write the taxonomy snapshot the bundle was trained with, then ``bundle.json`` with
    the checksum of every file in ``directory``: call it last, when all weights are written
    (a file added later is not verified unless :func:`record_checksums` is run)."""
    directory.mkdir(parents=True, exist_ok=True)
    manifest.library_versions = manifest.library_versions or library_versions()
    with open(directory / TAXONOMY_FILE, "w", encoding="utf-8") as fh:
        yaml.safe_dump(
            taxonomy.model_dump(exclude_none=True), fh, allow_unicode=True, sort_keys=False
        )
    _write_json_manifest(directory, manifest)


def _write_json_manifest(directory: Path, manifest: BundleManifest) -> None:
    manifest.checksums = file_checksums(directory)
    with open(directory / MANIFEST, "w", encoding="utf-8") as fh:
        json.dump(manifest.model_dump(), fh, ensure_ascii=False, indent=2, sort_keys=False)
        fh.write("\n")


def record_checksums(directory: Path) -> BundleManifest:
    """Re-record the checksums of every file of an existing bundle (after files were added
    to it, e.g. an ONNX export); ``bundle.json`` changes in that field only."""
    manifest = read_manifest(directory)
    _write_json_manifest(Path(directory), manifest)
    return manifest


def read_manifest(path: str | Path) -> BundleManifest:
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{path}: not a model bundle (no {MANIFEST} in it)")
    try:
        raw = json.loads(manifest_path.read_text(encoding="utf-8"))
        manifest = BundleManifest.model_validate(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, ValidationError) as exc:
        raise BundleError(f"{manifest_path}: unreadable manifest: {exc}") from None
    if manifest.format_version > FORMAT_VERSION:
        raise BundleError(
            f"{path}: bundle format {manifest.format_version} is newer than this tinbai "
            f"understands ({FORMAT_VERSION}); upgrade tinbai"
        )
    if manifest.kind not in kinds:
        raise BundleError(f"{path}: unknown bundle kind {manifest.kind!r} (known: {sorted(kinds)})")
    return manifest


def load_bundle(
    path: str | Path, *, taxonomy_path: str | Path | None = None, **options: Any
) -> Bundle:
    """Load any kind of bundle. ``taxonomy_path`` swaps in an edited tag set (campaign cues and
    thresholds) without retraining; topic labels must still match the bundle's.
    ``options`` go to the kind's loader (e.g. ``backend="onnx"`` for transformer bundles)."""
    path = Path(path)
    manifest = read_manifest(path)
    verify_checksums(path, manifest.checksums)
    try:
        taxonomy = load_taxonomy(taxonomy_path or path / TAXONOMY_FILE)
    except TaxonomyError as exc:
        raise BundleError(str(exc)) from None
    if taxonomy.fingerprint() != manifest.taxonomy_fingerprint:
        if taxonomy.topic_ids != manifest.labels.get("topics"):
            raise BundleError(f"{path}: the taxonomy's topics differ from the bundle's; retrain")
        log.warning("%s: taxonomy differs from the one the bundle was trained with", path)
    try:
        tagger = kinds[manifest.kind](path, manifest, taxonomy, **options)
    except BundleError:
        raise
    except (OSError, ValueError, KeyError) as exc:
        raise BundleError(f"{path}: cannot load {manifest.kind} bundle: {exc}") from exc
    summarizer = None
    if (path / SUMMARIZER_DIR).is_dir():
        from tinbai.model.limits import LimitsError
        from tinbai.model.summarize import load_summarizer

        try:
            summarizer = load_summarizer(path / SUMMARIZER_DIR)
        except BundleError:
            raise
        except LimitsError as exc:
            raise BundleError(str(exc)) from None
        except (OSError, ValueError, KeyError) as exc:
            raise BundleError(
                f"{path / SUMMARIZER_DIR}: cannot load the summariser: {exc}"
            ) from None
    return Bundle(
        path=path, manifest=manifest, taxonomy=taxonomy, tagger=tagger, summarizer=summarizer
    )


def copy_summarizer(source_bundle: Path, target_bundle: Path) -> None:
    """Give a new bundle the summariser of another (transformer bundles reuse the default's)."""
    src = Path(source_bundle) / SUMMARIZER_DIR
    if src.is_dir():
        shutil.copytree(src, Path(target_bundle) / SUMMARIZER_DIR, dirs_exist_ok=True)
