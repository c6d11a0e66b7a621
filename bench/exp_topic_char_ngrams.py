"""Topic experiment for issue 13 (not shipped; figures in the README's topic table): the
shipped syllable 1-2-gram TF-IDF plus character 3-5-gram TF-IDF, and character n-grams alone,
each with LR C=20 fitted on VNTC train and scored on dev. ~7 min on one core.

    python bench/exp_topic_char_ngrams.py
"""

from __future__ import annotations

import time

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from tinbai.model.classical.topic import make_vectorizer, topic_text
from tinbai.model.files import read_jsonl_rows
from tinbai.model.text import prepare
from tinbai.training.config import resolve_data


def load(name: str) -> tuple[list[str], list[str]]:
    rows = list(read_jsonl_rows(resolve_data(name)))
    texts = [topic_text(prepare(r.get("text") or "", r.get("title"))) for r in rows]
    return texts, [r["topic"] for r in rows]


def main() -> None:
    t0 = time.time()
    train, y_train = load("data/vntc/train.jsonl.gz")
    dev, y_dev = load("data/vntc/dev.jsonl.gz")
    words = make_vectorizer({"ngram_max": 2, "min_df": 2, "max_df": 0.8, "max_features": 300000})
    chars = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=(3, 5),
        min_df=3,
        max_df=0.8,
        sublinear_tf=True,
        max_features=300000,
        dtype=np.float32,
    )
    w_train, w_dev = words.fit_transform(train), words.transform(dev)
    c_train, c_dev = chars.fit_transform(train), chars.transform(dev)
    for name, (a, b) in {
        "syllables + characters": (hstack([w_train, c_train]).tocsr(), hstack([w_dev, c_dev])),
        "characters": (c_train, c_dev),
    }.items():
        clf = LogisticRegression(C=20, max_iter=300, random_state=13).fit(a, y_train)
        pred = clf.predict(b.tocsr())
        acc, f1 = accuracy_score(y_dev, pred), f1_score(y_dev, pred, average="macro")
        print(f"{name}: dev accuracy {acc:.4f}, macro-F1 {f1:.4f} ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
