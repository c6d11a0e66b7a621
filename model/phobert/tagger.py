"""The PhoBERT bundle's tagger: segmented text → token windows → encoder → two heads.

Topic: the softmax of the window logits averaged over the article. Campaigns: the sigmoid
of the campaign head, passed to the same :class:`~model.campaigns.CampaignDetector` as the
classical bundle through ``detect(doc, extra_scores=...)``, so cue matching, thresholds and
evidence sentences come from one piece of code; the transformer only supplies the score.

Bundle layout (besides ``bundle.json`` and ``taxonomy.yaml``)::

    phobert.json              window spec, aggregation, batch size, base model
    encoder/config.json       RobertaConfig
    encoder/model.safetensors encoder + both heads
    tokenizer/                vocab.txt, bpe.codes (PhobertTokenizer, slow)
    campaigns.json            cue/theme detector (cue candidates, fallback scores)
    onnx/model.onnx, onnx/model.int8.onnx   after ``tinbai export-onnx``
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from tinbai.extras import require
from tinbai.model.campaigns import CampaignDetector
from tinbai.model.campaigns.detector import load_detector
from tinbai.model.manifest import BundleError, BundleManifest, read_file, read_json
from tinbai.model.phobert.inputs import WindowSpec, encode_windows, load_tokenizer, model_text
from tinbai.model.phobert.runtime import BACKENDS, Runner, pick_runner
from tinbai.model.tagging import TagResult, rank_topics, softmax
from tinbai.model.taxonomy import Taxonomy
from tinbai.model.text import Document

CONFIG_FILE = "phobert.json"
ENCODER_DIR = "encoder"
TOKENIZER_DIR = "tokenizer"
COMPONENT = "phobert-two-head.v1"
BACKEND_ENV = "TINBAI_PHOBERT_BACKEND"


def write_tagger_config(
    directory: Path, spec: WindowSpec, aggregate: str, batch_size: int, base_model: str | None
) -> None:
    payload = {
        "version": COMPONENT,
        "window": asdict(spec),
        "aggregate": aggregate,
        "batch_size": batch_size,
        "base_model": base_model,
    }
    (directory / CONFIG_FILE).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class PhobertTagger:
    """Tags documents with any :class:`~model.phobert.runtime.Runner` (PyTorch or ORT)."""

    def __init__(
        self,
        runner: Runner,
        tokenizer: Any,
        spec: WindowSpec,
        topic_labels: list[str],
        campaign_ids: list[str],
        detector: CampaignDetector | None,  # None: scoring only (training's dev evaluation)
        aggregate: str = "mean",
        batch_size: int = 16,
    ) -> None:
        self.runner = runner
        self.tokenizer = tokenizer
        self.spec = spec
        self.topic_labels = topic_labels
        self.campaign_ids = campaign_ids
        self.detector = detector
        self.aggregate = aggregate
        self.batch_size = batch_size

    @property
    def backend(self) -> str:
        return self.runner.name

    @property
    def campaign_thresholds(self) -> dict[str, float]:
        """The threshold each campaign is decided with (see the classical tagger's)."""
        return dict(self.detector.thresholds) if self.detector is not None else {}

    def texts(self, docs: Sequence[Document]) -> list[str]:
        budget = self.spec.char_budget()
        return [model_text(d, budget) for d in docs]

    def logits(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Article-level (topic, campaign) logits for model texts (see :func:`model_text`)."""
        from tinbai.model.phobert.modeling import aggregate

        windows = encode_windows(self.tokenizer, list(texts), self.spec)
        flat = [(d, w) for d, ws in enumerate(windows) for w in ws]
        # Longest first, so each batch pads to similar lengths.
        order = sorted(range(len(flat)), key=lambda i: -len(flat[i][1]))
        topic = np.zeros((len(flat), len(self.topic_labels)), dtype=np.float32)
        camp = np.zeros((len(flat), len(self.campaign_ids)), dtype=np.float32)
        pad = self.tokenizer.pad_token_id
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            width = max(len(flat[i][1]) for i in idx)
            ids = np.full((len(idx), width), pad, dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for r, i in enumerate(idx):
                w = flat[i][1]
                ids[r, : len(w)] = w
                mask[r, : len(w)] = 1
            t, c = self.runner(ids, mask)
            topic[idx], camp[idx] = t, c
        doc_index = [d for d, _ in flat]
        n = len(windows)
        return aggregate(topic, doc_index, n, self.aggregate), aggregate(
            camp, doc_index, n, self.aggregate
        )

    def probabilities(self, docs: Sequence[Document]) -> tuple[np.ndarray, np.ndarray]:
        topic, camp = self.logits(self.texts(docs))
        return softmax(topic), _sigmoid(camp)

    def tag(self, docs: Sequence[Document]) -> list[TagResult]:
        if not docs:
            return []
        if self.detector is None:
            raise RuntimeError("this tagger scores only; it has no campaign detector")
        topic_p, camp_p = self.probabilities(docs)
        out = []
        for doc, tp, cp in zip(docs, topic_p, camp_p, strict=True):
            scores = dict(zip(self.campaign_ids, cp.tolist(), strict=True))
            topic_probs = dict(zip(self.topic_labels, tp.tolist(), strict=True))
            decision = self.detector.detect(doc, extra_scores=scores, topic_probs=topic_probs)
            out.append(
                TagResult(rank_topics(self.topic_labels, tp), decision.campaigns, decision.mentions)
            )
        return out


def load_tagger(
    path: Path,
    manifest: BundleManifest,
    taxonomy: Taxonomy,
    *,
    backend: str | None = None,
    threads: int | None = None,
    batch_size: int | None = None,
    max_windows: int | None | str = "bundle",
    **options: Any,
) -> PhobertTagger:
    """Options: ``backend`` (auto / torch / onnx / onnx-fp32; default ``$TINBAI_PHOBERT_BACKEND``
    or auto: ONNX Runtime int8 when the bundle has it), ``threads``, ``batch_size`` (windows
    per call) and ``max_windows`` (override the bundle's window count; 1 = head only)."""
    require("phobert", "PhoBERT bundles")
    if options:
        raise BundleError(f"{path}: unknown options for a phobert bundle: {sorted(options)}")
    backend = backend or os.environ.get(BACKEND_ENV, "auto")
    if backend not in BACKENDS:
        raise BundleError(
            f"{path}: unknown backend {backend!r} (choose from {', '.join(BACKENDS)})"
        )
    cfg = read_json(path / CONFIG_FILE)
    if cfg.get("version") != COMPONENT:
        raise BundleError(f"{path}: unsupported phobert tagger {cfg.get('version')!r}")
    window = dict(cfg["window"])
    if max_windows != "bundle":
        window["max_windows"] = max_windows
    spec = WindowSpec(**window)
    # The head scores the campaigns it was trained on; a campaign added to the taxonomy since
    # is still found by its cues and scored by the cue/theme model (detect's fallback).
    campaign_ids = manifest.labels.get("campaigns", [])

    def load_model():
        from tinbai.model.phobert.modeling import TwoHeadModel

        return TwoHeadModel.load(path / ENCODER_DIR)

    try:
        runner = pick_runner(path, load_model, backend, threads)
    except FileNotFoundError as exc:
        raise BundleError(str(exc)) from None
    return PhobertTagger(
        runner=runner,
        tokenizer=read_file(path / TOKENIZER_DIR, load_tokenizer),
        spec=spec,
        topic_labels=manifest.labels["topics"],
        campaign_ids=campaign_ids,
        detector=load_detector(path, manifest, taxonomy),
        aggregate=cfg.get("aggregate", "mean"),
        batch_size=batch_size or int(cfg.get("batch_size", 16)),
    )
