"""Topic experiment for issue 13 (not shipped; figures in the README's topic table): unlabeled
VietNews text (60,000 training articles, no topics) used two ways with the shipped features
(syllable 1-2-gram TF-IDF, title twice) and LR C=20, scored on VNTC dev:

- the vectorizer (vocabulary and IDF) fitted on VNTC train + VietNews, the LR on VNTC train;
- self-training: a model fitted on VNTC train labels VietNews; the articles whose top
  probability (raw LR softmax) reaches a threshold, optionally only the ``cap`` most confident
  per predicted topic (so that no topic floods the set), join VNTC train and everything is
  refitted (vectorizer included, as the trainer would).

VietNews rows are read as VNTC's are: ``title`` + sapo as the title field, the body as text.
Dev labels are used only to score each variant. 28 min on one core; the VietNews
probabilities are cached under ``--cache`` (default /tmp/topics-exp).

    taskset -c 0 python bench/exp_topic_self_training.py [--cache /tmp/topics-exp]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from tinbai.model.classical.topic import make_vectorizer, topic_text
from tinbai.model.files import read_jsonl_rows
from tinbai.model.text import prepare
from tinbai.training.config import resolve_data
from tinbai.training.topics import load_topic_texts

SHIPPED = {"ngram_max": 2, "min_df": 2, "max_df": 0.8, "max_features": 300000}
TITLE_WEIGHT = 2
# (threshold on the top probability, most confident articles kept per predicted topic)
SELF_TRAINING = [(0.9, None), (0.97, None), (0.9, 1000), (0.9, 2500)]


def vntc(name: str) -> tuple[list[str], list[str]]:
    return load_topic_texts(resolve_data(name), TITLE_WEIGHT)


def vietnews(limit: int | None) -> list[str]:
    rows = read_jsonl_rows(resolve_data("data/vietnews/train.jsonl.gz"), limit)
    return [
        topic_text(
            prepare(r["text"], " ".join(filter(None, [r["title"], r["summary"]]))), TITLE_WEIGHT
        )
        for r in rows
    ]


def fit(texts: list[str], labels: list[str], vec_texts: list[str] | None = None) -> tuple:
    """Vectorizer fitted on ``vec_texts`` (default: ``texts``), LR C=20 on ``texts``."""
    vec = make_vectorizer(SHIPPED)
    if vec_texts is None:
        x = vec.fit_transform(texts)
    else:
        vec.fit(vec_texts)
        x = vec.transform(texts)
    return vec, LogisticRegression(C=20, max_iter=300, random_state=13).fit(x, labels)


def score(name: str, model: tuple, dev: list[str], y_dev: list[str], t0: float) -> np.ndarray:
    """Print dev accuracy / macro-F1; return the dev predictions (cached for paired tests)."""
    vec, clf = model
    pred = clf.predict(vec.transform(dev))
    acc, f1 = accuracy_score(y_dev, pred), f1_score(y_dev, pred, average="macro")
    print(
        f"{name}: dev accuracy {acc:.4f}, macro-F1 {f1:.4f} ({time.time() - t0:.0f} s)", flush=True
    )
    return pred


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/topics-exp"))
    ap.add_argument("--limit", type=int, help="first N VietNews rows (a quick check)")
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    train, y_train = vntc("data/vntc/train.jsonl.gz")
    dev, y_dev = vntc("data/vntc/dev.jsonl.gz")
    news = vietnews(args.limit)
    print(f"{len(train)} train, {len(dev)} dev, {len(news)} VietNews ({time.time() - t0:.0f} s)")

    base = fit(train, y_train)
    np.save(args.cache / "dev-pred-st-shipped.npy", score("shipped", base, dev, y_dev, t0))
    cached = args.cache / f"vietnews-proba-{len(news)}.npy"
    if cached.exists():
        proba = np.load(cached)
    else:
        proba = base[1].predict_proba(base[0].transform(news))
        np.save(cached, proba)
    labels, top, conf = base[1].classes_, proba.argmax(1), proba.max(1)
    print("VietNews predicted topics:", dict(Counter(labels[top]).most_common()))
    print("VietNews top probability ≥ 0.9 / 0.97:", (conf >= 0.9).sum(), (conf >= 0.97).sum())

    pred = score("IDF on VNTC train + VietNews", fit(train, y_train, train + news), dev, y_dev, t0)
    np.save(args.cache / "dev-pred-st-idf.npy", pred)
    for threshold, cap in SELF_TRAINING:
        keep = np.flatnonzero(conf >= threshold)
        if cap is not None:
            keep = np.concatenate(
                [
                    k[np.argsort(-conf[k])][:cap]
                    for k in (keep[top[keep] == c] for c in range(len(labels)))
                ]
            )
        added = Counter(labels[top[keep]])
        model = fit(train + [news[i] for i in keep], y_train + list(labels[top[keep]]))
        name = f"self-training p ≥ {threshold}" + (f", ≤ {cap} per topic" if cap else "")
        pred = score(f"{name} (+{len(keep)}: {dict(sorted(added.items()))})", model, dev, y_dev, t0)
        np.save(args.cache / f"dev-pred-st-{threshold}-{cap}.npy", pred)


if __name__ == "__main__":
    main()
