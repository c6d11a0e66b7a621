"""Topic experiment for issue 13 (not shipped; figures in the README's topic table): TF-IDF over
underthesea-segmented words (``hà_nội``: 1-2-grams of words), and words + the shipped syllable
features side by side (two TF-IDF blocks, stacked columns), each with LR C=20 fitted on VNTC
train and scored on dev, beside the shipped syllable model fitted the same way here.

Segmentation (title and body apart, original case, then lower-cased as ``topic_text`` does) is
cached under ``--cache`` (default /tmp/topics-exp) and resumes where it stopped; train + dev
took 21 min on one core of the loaded dev machine (26–33 articles/s, printed with the results;
47/s when idle), then 11 min of fitting.

    taskset -c 0 python bench/exp_topic_words.py [--cache /tmp/topics-exp]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.sparse import hstack
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from tinbai.model.classical.topic import make_vectorizer
from tinbai.model.files import read_jsonl_rows
from tinbai.model.text import prepare
from tinbai.model.text.segment import segment_words
from tinbai.training.config import resolve_data
from tinbai.training.topics import load_topic_texts

SHIPPED = {"ngram_max": 2, "min_df": 2, "max_df": 0.8, "max_features": 300000}
TITLE_WEIGHT = 2
CHUNK = 500


def segmented(name: str, cache: Path) -> tuple[list[dict], float]:
    """``{"title", "body"}`` segmented per row of ``name`` (cached, resumable), and the
    articles/s measured while segmenting (NaN when all came from the cache)."""
    rows = list(read_jsonl_rows(resolve_data(name)))
    path = cache / f"seg-{Path(name).name.split('.')[0]}-{Path(name).parent.name}.jsonl"
    done = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    out = [json.loads(line) for line in done]
    segment_words("Hà Nội")  # model load outside the timing
    start, t0 = len(out), time.perf_counter()
    with path.open("a", encoding="utf-8") as fh:
        for i in range(start, len(rows), CHUNK):
            chunk = []
            for r in rows[i : i + CHUNK]:
                doc = prepare(r.get("text") or "", r.get("title"))
                body = "\n".join(s.text for s in doc.sentences)
                chunk.append({"title": segment_words(doc.title or ""), "body": segment_words(body)})
            fh.write("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in chunk))
            fh.flush()
            out.extend(chunk)
            print(f"  {name}: {len(out)}/{len(rows)} segmented", flush=True)
    n = len(rows) - start
    return out, (n / (time.perf_counter() - t0) if n else float("nan"))


def word_text(seg: dict) -> str:
    """``topic_text`` for a segmented row: title twice, then the body, lower-cased."""
    title = "\n".join([seg["title"]] * TITLE_WEIGHT) if seg["title"] else ""
    return f"{title}\n{seg['body']}".lower() if title else seg["body"].lower()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/topics-exp"))
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    seg_train, speed_train = segmented("data/vntc/train.jsonl.gz", args.cache)
    seg_dev, speed_dev = segmented("data/vntc/dev.jsonl.gz", args.cache)
    print(f"segmentation: {speed_train:.1f} (train) / {speed_dev:.1f} (dev) articles/s")
    syl_train, y_train = load_topic_texts(resolve_data("data/vntc/train.jsonl.gz"), TITLE_WEIGHT)
    syl_dev, y_dev = load_topic_texts(resolve_data("data/vntc/dev.jsonl.gz"), TITLE_WEIGHT)
    w_train, w_dev = [word_text(s) for s in seg_train], [word_text(s) for s in seg_dev]

    syllables, words = make_vectorizer(SHIPPED), make_vectorizer(SHIPPED)
    s_train, s_dev = syllables.fit_transform(syl_train), syllables.transform(syl_dev)
    v_train, v_dev = words.fit_transform(w_train), words.transform(w_dev)
    print(f"features: syllables {s_train.shape[1]}, words {v_train.shape[1]}")
    for name, (a, b) in {
        "syllables (shipped)": (s_train, s_dev),
        "words": (v_train, v_dev),
        "words + syllables": (hstack([v_train, s_train]).tocsr(), hstack([v_dev, s_dev]).tocsr()),
    }.items():
        clf = LogisticRegression(C=20, max_iter=300, random_state=13).fit(a, y_train)
        pred = clf.predict(b)
        acc, f1 = accuracy_score(y_dev, pred), f1_score(y_dev, pred, average="macro")
        print(f"{name}: dev accuracy {acc:.4f}, macro-F1 {f1:.4f} ({time.time() - t0:.0f} s)")
        np.save(args.cache / f"dev-pred-{name.split(' (')[0].replace(' + ', '+')}.npy", pred)


if __name__ == "__main__":
    main()
