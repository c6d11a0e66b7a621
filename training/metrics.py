"""Evaluation metrics for topics and campaigns (ROUGE lives with the summariser's evaluation)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

MIN_RELIABLE_SUPPORT = 10
ECE_BINS = 15


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = ECE_BINS
) -> float:
    """Expected calibration error of top-label scores: over ``bins`` equal-width confidence
    bins ``(lo, hi]``, the share-weighted gap between mean confidence and accuracy
    (Guo et al. 2017). 0 is perfectly calibrated."""
    conf = np.asarray(confidences, dtype=np.float64)
    hit = np.asarray(correct, dtype=np.float64)
    if not len(conf):
        return 0.0
    which = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
    total = 0.0
    for b in np.unique(which):
        m = which == b
        total += m.mean() * abs(hit[m].mean() - conf[m].mean())
    return float(total)


def confusion(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]
) -> dict[str, dict[str, int]]:
    """gold label → predicted label → count, every label as a row and column (zeros kept)."""
    out = {g: dict.fromkeys(labels, 0) for g in labels}
    for g, p in zip(gold, pred, strict=True):
        out.setdefault(g, dict.fromkeys(labels, 0))
        out[g][p] = out[g].get(p, 0) + 1
    return out


def topic_metrics(
    gold: Sequence[str],
    pred: Sequence[str],
    labels: Sequence[str],
    confidences: Sequence[float] | None = None,
) -> dict:
    """Accuracy, macro-F1, per-class F1 and the confusion matrix; with the top label's
    ``confidences``, also their expected calibration error (``ece``, 15 bins)."""
    per_class = f1_score(gold, pred, labels=list(labels), average=None, zero_division=0)
    extra = {}
    if confidences is not None:
        hits = [g == p for g, p in zip(gold, pred, strict=True)]
        extra["ece"] = round(expected_calibration_error(confidences, hits), 4)
    return {
        "n": len(gold),
        "accuracy": round(float(accuracy_score(gold, pred)), 4),
        "macro_f1": round(
            float(f1_score(gold, pred, labels=list(labels), average="macro", zero_division=0)), 4
        ),
        "per_class_f1": {lab: round(float(f), 4) for lab, f in zip(labels, per_class, strict=True)},
        **extra,
        "confusion": confusion(gold, pred, labels),
    }


def campaign_metrics(
    gold: Sequence[set[str]], pred: Sequence[set[str]], labels: Sequence[str]
) -> dict:
    """Micro and macro precision / recall / F1 over a multi-label tag set. Macro averages only
    the campaigns that occur in gold or predictions (an absent, never-predicted campaign has
    no defined F1). Per campaign, ``reliable`` is false under ``MIN_RELIABLE_SUPPORT`` gold
    tags: one tag more or less swings such a campaign's F1 by 0.1 or more."""
    tp = fp = fn = 0
    per: dict[str, dict[str, float]] = {}
    for lab in labels:
        t = sum(1 for g, p in zip(gold, pred, strict=True) if lab in g and lab in p)
        f_p = sum(1 for g, p in zip(gold, pred, strict=True) if lab not in g and lab in p)
        f_n = sum(1 for g, p in zip(gold, pred, strict=True) if lab in g and lab not in p)
        tp, fp, fn = tp + t, fp + f_p, fn + f_n
        if t + f_p + f_n:
            prec = t / (t + f_p) if t + f_p else 0.0
            rec = t / (t + f_n) if t + f_n else 0.0
            f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
            per[lab] = {
                "precision": round(prec, 4),
                "recall": round(rec, 4),
                "f1": round(f1, 4),
                "support": t + f_n,
                "predicted": t + f_p,
                "reliable": t + f_n >= MIN_RELIABLE_SUPPORT,
            }
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    micro = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    macro = sum(v["f1"] for v in per.values()) / len(per) if per else 0.0
    return {
        "n": len(gold),
        "micro_f1": round(micro, 4),
        "macro_f1": round(macro, 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "per_campaign": per,
        "unreliable_campaigns": sorted(c for c, v in per.items() if not v["reliable"]),
    }
