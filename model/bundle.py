"""Model bundles: one directory, one ``bundle.json``, weights beside it; one loader.

``bundle.json`` says what the bundle is (``kind``, ``format_version``), what it predicts
(label order per head, thresholds, the taxonomy's fingerprint), how it was made (training
config, data fingerprint, seed, library versions) and how good it is (dev metrics). Weights are
JSON / ``.npz`` / safetensors — never pickles, which break across library versions and execute
code on load. A bundle of an unknown kind, or of a newer format, fails with a clear message.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml
from pydantic import ValidationError
from tinbai.model.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    SUMMARIZER_DIR,
    TAXONOMY_FILE,
    BundleError,
    BundleManifest,
    ComponentSpec,
    file_checksums,
    library_versions,
    read_arrays,
    read_file,
    read_json,
    read_text,
    sha256_file,
    verify_checksums,
)
from tinbai.model.registry import kinds
from tinbai.model.tagging import Tagger, TagResult
from tinbai.model.taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from tinbai.model.text import Document

# The manifest and file helpers live in model/manifest.py (the kinds' taggers import them
# from there); they are re-exported, so ``tinbai.model.bundle`` stays the public place.
__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "SUMMARIZER_DIR",
    "TAXONOMY_FILE",
    "BundleError",
    "BundleManifest",
    "ComponentSpec",
    "file_checksums",
    "library_versions",
    "read_arrays",
    "read_file",
    "read_json",
    "read_text",
    "sha256_file",
    "verify_checksums",
    "Bundle",
    "Part",
    "SavedFiles",
    "load_bundle",
    "read_manifest",
    "record_checksums",
    "reused_summarizer",
    "save_bundle",
    "write_manifest",
]

log = logging.getLogger(__name__)


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


def check_text_rules() -> None:
    """Read the rules every article goes through (cleaning, sentence splitting, the summary
    readability word lists) before any is prepared: a broken ``configs/`` file then stops
    start-up with one ConfigError naming it, instead of failing the first request."""
    from tinbai.model.summarize.standalone import load_detector
    from tinbai.model.text.clean import load_cleaning_rules
    from tinbai.model.text.sentences import sentence_rules

    load_cleaning_rules()
    sentence_rules()
    load_detector()


def load_bundle(
    path: str | Path, *, taxonomy_path: str | Path | None = None, **options: Any
) -> Bundle:
    """Load any kind of bundle. ``taxonomy_path`` swaps in an edited tag set (campaign cues and
    thresholds) without retraining; topic labels must still match the bundle's.
    ``options`` go to the kind's loader (e.g. ``backend="onnx"`` for transformer bundles)."""
    path = Path(path)
    check_text_rules()
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
