"""``tinbai train``: build a bundle from a config, reproducibly (fixed seeds, recorded data)."""

from __future__ import annotations

import logging
import random
import tempfile
import time
from pathlib import Path

import numpy as np
from tinbai.model.bundle import SUMMARIZER_DIR, BundleManifest, SavedFiles, save_bundle
from tinbai.model.classical.tagger import ClassicalTagger
from tinbai.model.classical.topic import TopicClassifier
from tinbai.model.classical.topic_ensemble import EnsembleTopicClassifier
from tinbai.model.taxonomy import load_taxonomy
from tinbai.model.text import Document, prepare
from tinbai.training.campaigns import join_texts, read_label_files, train_campaign_detector
from tinbai.training.config import TrainConfig, resolve_data
from tinbai.training.data import fingerprint_files, read_rows
from tinbai.training.metrics import campaign_metrics, topic_metrics
from tinbai.training.topics import load_topic_texts, train_topic_component

log = logging.getLogger(__name__)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)


def evaluate_topic_classifier(clf: TopicClassifier | EnsembleTopicClassifier, path: Path) -> dict:
    docs, gold = [], []
    for row in read_rows(path):
        docs.append(prepare(row["text"], row.get("title")))
        gold.append(row["topic"])
    probs = clf.predict_docs(docs)
    pred = [clf.labels[i] for i in probs.argmax(axis=1)]
    return topic_metrics(gold, pred, clf.labels, confidences=probs.max(axis=1).tolist())


def train(config: TrainConfig, output: Path | None = None) -> Path:
    """Train the bundle ``config`` describes and write it to ``output`` (or ``config.output``)."""
    if config.kind == "phobert":
        from tinbai.training.phobert import train_phobert  # torch is only imported for this kind

        return train_phobert(config, output)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(config.threads):  # the fits' sums depend on it: see the config
        return train_classical(config, output)


def train_classical(config: TrainConfig, output: Path | None = None) -> Path:
    """Topic model, campaign detector, optional summariser, then :func:`save_bundle` (about
    65 lines: each step is one call; what is left is the metrics and the manifest)."""
    seed_everything(config.seed)
    out = Path(output or config.output_dir())
    taxonomy = load_taxonomy(config.taxonomy_path())
    t0 = time.time()

    train_path = resolve_data(config.topics.train)
    dev_path = resolve_data(config.topics.dev)
    texts, labels = load_topic_texts(train_path, config.topics.title_weight)
    topics = train_topic_component(config.topics, texts, labels, taxonomy.topic_ids, config.seed)
    metrics: dict = {"topics_dev": evaluate_topic_classifier(topics, dev_path)}
    log.info(
        "topics dev: accuracy %.4f macro-F1 %.4f",
        metrics["topics_dev"]["accuracy"],
        metrics["topics_dev"]["macro_f1"],
    )

    label_paths = config.label_paths()
    articles = join_texts(read_label_files(label_paths))
    detector, report = train_campaign_detector(
        config.campaigns, articles, taxonomy, config.seed, topic_probability_fn(topics)
    )
    metrics["campaigns_train_cv"] = report
    gold_path = resolve_data(config.campaigns.dev)
    if gold_path.exists():
        metrics["campaigns_dev"] = evaluate_campaign_detector(
            ClassicalTagger(topics, detector), gold_path
        )
        log.info("campaigns dev: micro-F1 %.4f", metrics["campaigns_dev"]["micro_f1"])

    parts: dict = {"topics": (".", topics), "campaigns": (".", detector)}
    data_files = [train_path, *label_paths]
    scratch = tempfile.TemporaryDirectory(prefix="tinbai-summarizer-")
    if config.summarizer is not None:
        try:
            from tinbai.training.summarizer import train_summarizer
        except ImportError:
            log.warning("no summariser trainer available; bundle ships without a summariser")
        else:
            written = Path(scratch.name) / SUMMARIZER_DIR
            summ_metrics, summ_files = train_summarizer(config.summarizer, written, config.seed)
            metrics["summaries_val"] = summ_metrics
            parts["summarizer"] = (
                SUMMARIZER_DIR,
                SavedFiles(config.summarizer.component, written),
            )
            data_files += summ_files

    manifest = BundleManifest(
        kind="classical",
        name=config.name,
        version=config.version,
        taxonomy_fingerprint=taxonomy.fingerprint(),
        labels={"topics": topics.labels, "campaigns": taxonomy.campaign_ids},
        thresholds=detector.thresholds,
        metrics=metrics,
        training={
            "config": config.model_dump(),
            "data_fingerprint": fingerprint_files(data_files),
            "seed": config.seed,
            "seconds": round(time.time() - t0, 1),
        },
    )
    with scratch:
        save_bundle(out, manifest, taxonomy, parts)
    log.info("wrote %s", out)
    return out


def topic_probability_fn(topics: TopicClassifier):
    """Topic probabilities by id, as the tagger hands them to the campaign detector."""

    def probs(docs: list[Document]) -> list[dict[str, float]]:
        return [
            dict(zip(topics.labels, p.tolist(), strict=True)) for p in topics.predict_docs(docs)
        ]

    return probs


def evaluate_campaign_detector(tagger: ClassicalTagger, path: Path) -> dict:
    """dev_gold through the tagger, as ``tinbai evaluate campaigns`` runs it (evaluation only)."""
    rows = list(read_rows(path))
    results = tagger.tag([prepare(r["text"], r.get("title")) for r in rows])
    gold = [set(r["campaigns"]) for r in rows]
    pred = [{c.id for c in res.campaigns} for res in results]
    return campaign_metrics(gold, pred, tagger.campaigns.taxonomy.campaign_ids)
