"""Training the campaign theme model and tuning per-campaign thresholds.

Training rows are articles from the *training* splits of VNTC and VietNews, hand-labelled
under GUIDELINES.md (``training/labels/*.jsonl`` stores only ids and labels; the texts are
read from the shared data). ``dev_gold.jsonl`` is never used here: it is for evaluation only.
Thresholds are tuned on cross-validated probabilities of the training labels, not on dev.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from model.campaigns import CampaignDetector, ThemeModel
from model.campaigns.detector import FEATURES, theme_features
from model.campaigns.matcher import CueMatcher
from model.taxonomy import Taxonomy
from model.text import Document, prepare
from training.config import CampaignTrainConfig, resolve_data
from training.data import read_rows

log = logging.getLogger(__name__)

SOURCES = {
    "vietnews/train": "data/vietnews/train.jsonl.gz",
    "vntc/train": "data/vntc/train.jsonl.gz",
}


@dataclass
class LabelledArticle:
    id: str
    doc: Document
    campaigns: set[str]


def read_label_files(paths: Iterable[Path]) -> list[dict]:
    rows, seen = [], set()
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                key = (row.get("source"), row["id"])
                if key in seen:
                    continue
                seen.add(key)
                if row.get("source") and row["source"] not in SOURCES and "text" not in row:
                    raise ValueError(f"{path}:{lineno}: unknown source {row['source']!r}")
                rows.append(row)
    return rows


def join_texts(rows: list[dict]) -> list[LabelledArticle]:
    """Attach article texts: from the row itself (feedback exports carry text) or, by id,
    from the shared corpora."""
    wanted: dict[str, dict[str, dict]] = {}
    out: list[LabelledArticle] = []
    for row in rows:
        if "text" in row:
            out.append(
                LabelledArticle(
                    str(row["id"]), prepare(row["text"], row.get("title")), set(row["campaigns"])
                )
            )
        else:
            wanted.setdefault(row["source"], {})[row["id"]] = row
    for source, by_id in wanted.items():
        for art in read_rows(resolve_data(SOURCES[source])):
            row = by_id.get(art["id"])
            if row is None:
                continue
            title = art.get("title")
            text = art["text"]
            if art.get("summary"):  # VietNews: the lead paragraph is kept apart from the body
                text = art["summary"] + "\n" + text
            out.append(LabelledArticle(art["id"], prepare(text, title), set(row["campaigns"])))
        missing = len(by_id) - sum(1 for a in out if a.id in by_id)
        if missing:
            log.warning("%d labelled ids of %s not found in the corpus", missing, source)
    return out


def candidate_matrix(articles: list[LabelledArticle], taxonomy: Taxonomy):
    """One row per (article, campaign with a cue hit); also counts gold tags with no cue."""
    matcher = CueMatcher(taxonomy)
    feats, ys, groups, cids = [], [], [], []
    uncovered = 0
    for i, art in enumerate(articles):
        hits = matcher.match(art.doc)
        uncovered += len(art.campaigns - set(hits))
        for cid, h in hits.items():
            feats.append(theme_features(art.doc, h, hits))
            ys.append(int(cid in art.campaigns))
            groups.append(i)
            cids.append(cid)
    x = np.stack(feats) if feats else np.zeros((0, len(FEATURES)))
    return x, np.array(ys), np.array(groups), cids, uncovered


def fit_theme_model(x: np.ndarray, y: np.ndarray, c: float, seed: int) -> ThemeModel:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=c, class_weight="balanced", max_iter=1000, random_state=seed)
    clf.fit((x - mean) / scale, y)
    return ThemeModel(clf.coef_[0], float(clf.intercept_[0]), mean, scale)


def _best_threshold(probs: np.ndarray, y: np.ndarray, extra_fn: int = 0) -> tuple[float, float]:
    best = (0.5, -1.0)
    for t in np.arange(0.2, 0.96, 0.025):
        pred = probs >= t
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        fn = int((~pred & (y == 1)).sum()) + extra_fn
        f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
        if f1 > best[1] + 1e-9:
            best = (float(round(t, 3)), f1)
    return best


def train_campaign_detector(
    cfg: CampaignTrainConfig, articles: list[LabelledArticle], taxonomy: Taxonomy, seed: int
) -> tuple[CampaignDetector, dict]:
    x, y, groups, cids, uncovered = candidate_matrix(articles, taxonomy)
    if len(set(y.tolist())) < 2:
        raise ValueError("campaign labels need both positive and negative candidates")
    # Cross-validated probabilities (grouped by article) for honest threshold tuning.
    oof = np.zeros(len(y))
    folds = min(cfg.cv_folds, len(set(groups.tolist())))
    for tr, te in GroupKFold(n_splits=folds).split(x, y, groups):
        oof[te] = fit_theme_model(x[tr], y[tr], cfg.c, seed).score(x[te])
    global_t, global_f1 = _best_threshold(oof, y, uncovered)
    thresholds: dict[str, float] = {}
    cid_arr = np.array(cids)
    for cid in taxonomy.campaign_ids:
        mask = cid_arr == cid
        if int(y[mask].sum()) >= cfg.min_positives_for_own_threshold:
            t, _ = _best_threshold(oof[mask], y[mask])
            # Shrink towards the global threshold: few labels make per-campaign optima noisy.
            n = int(y[mask].sum())
            w = n / (n + 10)
            thresholds[cid] = float(round(w * t + (1 - w) * global_t, 3))
        else:
            thresholds[cid] = global_t
    model = fit_theme_model(x, y, cfg.c, seed)
    detector = CampaignDetector(taxonomy, model, thresholds, default_threshold=global_t)
    report = {
        "labelled_articles": len(articles),
        "candidates": int(len(y)),
        "positive_candidates": int(y.sum()),
        "gold_tags_without_cue": uncovered,
        "cv_micro_f1_at_global_threshold": round(global_f1, 4),
        "global_threshold": global_t,
    }
    return detector, report
