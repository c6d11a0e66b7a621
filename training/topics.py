"""Training the topic component on VNTC: TF-IDF + LR (``tfidf-linear.v1``), optionally stacked
with per-topic n-gram LMs (``lr-lm-ensemble.v1``)."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.svm import LinearSVC
from tinbai.model.classical.ngram_lm import NgramLM
from tinbai.model.classical.topic import TopicClassifier, make_vectorizer, topic_text
from tinbai.model.classical.topic_ensemble import (
    TOKEN,
    EnsembleTopicClassifier,
    SyllableIds,
    combine,
)
from tinbai.model.text import prepare
from tinbai.model.text.vectorize import TfidfFeatures
from tinbai.training.config import TopicTrainConfig
from tinbai.training.data import read_rows

log = logging.getLogger(__name__)


def load_topic_texts(
    path: Path, title_weight: int = 2, limit: int | None = None
) -> tuple[list[str], list[str]]:
    """Prepared texts and gold topics, through the same pipeline as serving."""
    texts, labels = [], []
    for row in read_rows(path, limit):
        texts.append(topic_text(prepare(row["text"], row.get("title")), title_weight))
        labels.append(row["topic"])
    return texts, labels


def train_topic_classifier(
    cfg: TopicTrainConfig, texts: list[str], labels: list[str], topic_ids: list[str], seed: int
) -> TopicClassifier:
    unknown = sorted(set(labels) - set(topic_ids))
    if unknown:
        raise ValueError(f"training data has topics not in the taxonomy: {unknown}")
    params = cfg.model_dump(
        include={"ngram_max", "min_df", "max_df", "max_features", "title_weight"}
    )
    vectorizer = make_vectorizer(params)
    x = vectorizer.fit_transform(texts)
    log.info("topic features: %d documents × %d n-grams", *x.shape)
    y = np.array([topic_ids.index(lab) for lab in labels])
    if cfg.classifier == "logreg":
        clf = LogisticRegression(C=cfg.c, max_iter=cfg.max_iter, random_state=seed)
    else:
        clf = LinearSVC(C=cfg.c, random_state=seed)
    clf.fit(x, y)
    coef = np.zeros((len(topic_ids), x.shape[1]), dtype=np.float32)
    intercept = np.zeros(len(topic_ids), dtype=np.float32)
    coef[clf.classes_] = clf.coef_
    intercept[clf.classes_] = clf.intercept_
    params["classifier"] = cfg.classifier
    features = TfidfFeatures.from_fitted(vectorizer)
    return TopicClassifier(list(topic_ids), features, coef, intercept, params)


def duplicate_groups(texts: list[str]) -> np.ndarray:
    """One group id per text; identical texts (after whitespace folding) share it, so that
    cross-validation never scores an article whose copy it trained on."""
    seen: dict[str, int] = {}
    return np.array([seen.setdefault(" ".join(t.split()), len(seen)) for t in texts])


def fit_stack(
    lr_scores: np.ndarray, lm_scores: np.ndarray, lengths: np.ndarray, y: np.ndarray
) -> dict[str, Any]:
    """Weights, length exponent and per-class bias of ``combine`` by log-loss (L-BFGS) on
    out-of-fold scores: the ensemble's combination and its calibration in one fit."""
    n_classes = lr_scores.shape[1]

    def loss(theta: np.ndarray) -> float:
        stack = {"a_lr": theta[0], "a_lm": theta[1], "gamma": theta[2], "bias": theta[3:]}
        z = combine(lr_scores, lm_scores, lengths, stack)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    theta0 = np.r_[1.0, 0.1, 1.0, np.zeros(n_classes)]
    bounds = [(0, None), (0, None), (0.0, 1.0)] + [(None, None)] * n_classes
    res = minimize(loss, theta0, method="L-BFGS-B", bounds=bounds)
    t = res.x
    return {
        "a_lr": round(float(t[0]), 6),
        "a_lm": round(float(t[1]), 6),
        "gamma": round(float(t[2]), 6),
        "bias": [round(float(b), 6) for b in t[3:]],
        "cv_log_loss": round(float(res.fun), 6),
    }


def syllable_vocab(texts: list[str], min_count: int) -> SyllableIds:
    counts = Counter(w for t in texts for w in TOKEN.findall(t))
    return SyllableIds(sorted(w for w, c in counts.items() if c >= min_count))


def _folds(texts: list[str], y: np.ndarray, n_folds: int, seed: int) -> list[tuple]:
    """Stratified folds that keep duplicate texts together."""
    folds = StratifiedGroupKFold(n_folds, shuffle=True, random_state=seed)
    return list(folds.split(texts, y, duplicate_groups(texts)))


def fit_temperature(scores: np.ndarray, y: np.ndarray) -> float:
    """The softmax temperature minimising log-loss of out-of-fold logits ``scores``."""

    def loss(log_t: float) -> float:
        z = scores / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-logp[np.arange(len(y)), y].mean())

    return round(float(np.exp(minimize_scalar(loss, bounds=(-3, 3), method="bounded").x)), 6)


def train_ensemble(
    cfg: TopicTrainConfig, texts: list[str], labels: list[str], topic_ids: list[str], seed: int
) -> EnsembleTopicClassifier:
    """``lr-lm-ensemble.v1``: out-of-fold LR and LM scores (folds grouped by duplicate text)
    fit the stack; then both members are refitted on all of ``texts``."""
    y = np.array([topic_ids.index(lab) for lab in labels])
    k = len(topic_ids)

    def fit_lm(ids: list[np.ndarray], yy: np.ndarray, vocab_size: int) -> NgramLM:
        return NgramLM.fit(ids, yy, k, vocab_size, order=cfg.lm_order, min_count=cfg.lm_min_count)

    lr_oof = np.zeros((len(texts), k))
    lm_oof = np.zeros((len(texts), k))
    lengths = np.zeros(len(texts))
    for n, (a, b) in enumerate(_folds(texts, y, cfg.cv_folds, seed), 1):
        log.info("topic ensemble: fold %d/%d", n, cfg.cv_folds)
        fold_texts = [texts[i] for i in a]
        lr = train_topic_classifier(cfg, fold_texts, [labels[i] for i in a], topic_ids, seed)
        held = [texts[i] for i in b]
        lr_oof[b] = lr.decision(held)
        ids = syllable_vocab(fold_texts, cfg.lm_vocab_min_count)
        lm = fit_lm([ids(t) for t in fold_texts], y[a], len(ids.vocab) + 1)
        lm_oof[b], lengths[b] = lm.doc_logprobs([ids(t) for t in held])
    stack = fit_stack(lr_oof, lm_oof, lengths, y)
    log.info("topic ensemble stack: %s", stack)
    lr = train_topic_classifier(cfg, texts, labels, topic_ids, seed)
    ids = syllable_vocab(texts, cfg.lm_vocab_min_count)
    lm = fit_lm([ids(t) for t in texts], y, len(ids.vocab) + 1)
    params = {"title_weight": cfg.title_weight, "cv_folds": cfg.cv_folds}
    return EnsembleTopicClassifier(lr, lm, ids, stack, params)


def train_calibrated_classifier(
    cfg: TopicTrainConfig, texts: list[str], labels: list[str], topic_ids: list[str], seed: int
) -> TopicClassifier:
    """``tfidf-linear.v1`` with a softmax temperature fitted on out-of-fold logits: LR on
    VNTC is under-confident (fitted T ≈ 0.8), which a temperature fixes without moving argmax."""
    y = np.array([topic_ids.index(lab) for lab in labels])
    oof = np.zeros((len(texts), len(topic_ids)))
    for n, (a, b) in enumerate(_folds(texts, y, cfg.temperature_folds, seed), 1):
        log.info("topic temperature: fold %d/%d", n, cfg.temperature_folds)
        lr = train_topic_classifier(
            cfg, [texts[i] for i in a], [labels[i] for i in a], topic_ids, seed
        )
        oof[b] = lr.decision([texts[i] for i in b])
    clf = train_topic_classifier(cfg, texts, labels, topic_ids, seed)
    clf.params["temperature"] = fit_temperature(oof, y)
    log.info("topic temperature: %s", clf.params["temperature"])
    return clf


def train_topic_component(
    cfg: TopicTrainConfig, texts: list[str], labels: list[str], topic_ids: list[str], seed: int
) -> TopicClassifier | EnsembleTopicClassifier:
    """The topic component ``cfg.component`` names."""
    if cfg.component == EnsembleTopicClassifier.version:
        return train_ensemble(cfg, texts, labels, topic_ids, seed)
    if cfg.temperature_folds >= 2:
        return train_calibrated_classifier(cfg, texts, labels, topic_ids, seed)
    return train_topic_classifier(cfg, texts, labels, topic_ids, seed)
