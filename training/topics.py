"""Training the TF-IDF topic classifier on VNTC."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from model.classical.topic import TopicClassifier, make_vectorizer, topic_text
from model.text import prepare
from training.config import TopicTrainConfig
from training.data import read_rows

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
    return TopicClassifier(list(topic_ids), vectorizer, coef, intercept, params)
