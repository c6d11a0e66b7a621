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
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
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


class Part(Protocol):
    """What :func:`save_bundle` needs of a component: its versioned name, its configuration,
    and a ``save`` that writes its files into a folder (the component's ``load`` reads them)."""

    version: str

    def save(self, directory: Path) -> None: ...


@dataclass
class SavedFiles:
    """A part whose files are already written (a trained encoder, a summariser another
    trainer wrote, the default bundle's summariser reused): saving copies them in."""

    version: str
    source: Path
    config: dict[str, Any] = field(default_factory=dict)
    move: bool = False  # move the files in (a trainer's staging folder) instead of copying

    def to_config(self) -> dict[str, Any]:
        return dict(self.config)

    def save(self, directory: Path) -> None:
        if not self.move:
            shutil.copytree(self.source, directory, dirs_exist_ok=True)
            return
        for child in sorted(Path(self.source).iterdir()):
            shutil.move(str(child), str(directory / child.name))


def save_bundle(
    directory: str | Path,
    manifest: BundleManifest,
    taxonomy: Taxonomy,
    parts: Mapping[str, tuple[str, Part]],
) -> Path:
    """Write a bundle: every part (``name → (path in the bundle, part)``) saved into a
    temporary folder beside ``directory``, the taxonomy, ``bundle.json`` with the
    ``components`` map loading follows and every file's checksum; then renamed into place, so
    a reader sees the old bundle or the new one, never half of one. The mirror of
    :func:`load_bundle`; every trainer writes through it."""
    out = Path(directory)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        components = {}
        for name, (where, part) in parts.items():
            target = tmp / where
            target.mkdir(parents=True, exist_ok=True)
            part.save(target)
            config = part.to_config() if hasattr(part, "to_config") else {}
            components[name] = ComponentSpec(type=part.version, path=where, config=config)
        manifest.components = components
        write_manifest(tmp, manifest, taxonomy)
        old = out.with_name(f".{out.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


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
    spec = manifest.components.get("summarizer")
    summarizer_dir = path / (spec.path if spec is not None else SUMMARIZER_DIR)
    if summarizer_dir.is_dir():
        from tinbai.model.limits import LimitsError
        from tinbai.model.summarize import load_summarizer

        try:
            summarizer = load_summarizer(summarizer_dir)
        except BundleError:
            raise
        except LimitsError as exc:
            raise BundleError(str(exc)) from None
        except (OSError, ValueError, KeyError) as exc:
            raise BundleError(f"{summarizer_dir}: cannot load the summariser: {exc}") from None
    return Bundle(
        path=path, manifest=manifest, taxonomy=taxonomy, tagger=tagger, summarizer=summarizer
    )


def reused_summarizer(source_bundle: Path) -> tuple[str, SavedFiles] | None:
    """Another bundle's summariser as a part of a new one (transformer bundles reuse the
    default's); its config says where it came from, so the new bundle has no hidden input."""
    source_bundle = Path(source_bundle)
    spec = read_manifest(source_bundle).components.get("summarizer")
    if spec is None or not (source_bundle / spec.path).is_dir():
        return None
    config = {**spec.config, "reused_from": f"{source_bundle.name}/{spec.path}"}
    return SUMMARIZER_DIR, SavedFiles(spec.type, source_bundle / spec.path, config)
