"""Training the campaign theme model and tuning per-campaign thresholds.

Training rows are articles from the *training* splits of VNTC and VietNews, hand-labelled
under GUIDELINES.md (``training/labels/*.jsonl`` stores only ids and labels; the texts are
read from the shared data). ``dev_gold.jsonl`` is never used here: it is for evaluation only.
Thresholds are tuned on cross-validated probabilities of the training labels, not on dev.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from tinbai.model.campaigns import CampaignDetector, ThemeModel
from tinbai.model.campaigns.features import LEXICAL, PRIOR, FeatureSpec, assemble, context_text
from tinbai.model.campaigns.lexical import LexicalModel, hash_texts
from tinbai.model.campaigns.matcher import CueMatcher
from tinbai.model.taxonomy import Taxonomy
from tinbai.model.text import Document, prepare
from tinbai.training.config import CampaignTrainConfig, resolve_data
from tinbai.training.data import read_rows

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


@dataclass
class Candidates:
    """One row per (labelled article, campaign whose cues occur in it): the training table of
    the theme model. ``static`` holds the features that need no fitted model (the lexical and
    prior columns are filled per fold); ``uncovered`` counts gold tags with no cue hit, which
    no theme model can find (they count as misses in every metric)."""

    spec: FeatureSpec
    static: np.ndarray
    contexts: list[str]
    cids: np.ndarray
    y: np.ndarray
    groups: np.ndarray
    uncovered: dict[str, int]

    def __len__(self) -> int:
        return len(self.y)

    def column(self, name: str) -> int:
        return self.spec.names.index(name)


TopicProbs = Callable[[list[Document]], list[dict[str, float]]]


def build_candidates(
    articles: list[LabelledArticle],
    taxonomy: Taxonomy,
    spec: FeatureSpec,
    topic_probs: TopicProbs | None = None,
) -> Candidates:
    matcher = CueMatcher(taxonomy)
    probs = topic_probs([a.doc for a in articles]) if topic_probs else [None] * len(articles)
    rows, contexts, ys, groups, cids = [], [], [], [], []
    uncovered: dict[str, int] = {}
    for i, (art, tp) in enumerate(zip(articles, probs, strict=True)):
        hits = matcher.match(art.doc)
        for cid in art.campaigns - set(hits):
            uncovered[cid] = uncovered.get(cid, 0) + 1
        for cid, h in hits.items():
            rows.append(assemble(spec, art.doc, h, hits, topic_probs=tp, lexical=(0, 0), prior=0))
            contexts.append(context_text(art.doc, h))
            ys.append(int(cid in art.campaigns))
            groups.append(i)
            cids.append(cid)
    k = len(spec.names)
    return Candidates(
        spec,
        np.stack(rows) if rows else np.zeros((0, k)),
        contexts,
        np.array(cids, dtype=object),
        np.array(ys, dtype=int),
        np.array(groups, dtype=int),
        uncovered,
    )


def _fit_lexical(x, y: np.ndarray, c: float, seed: int) -> LexicalModel | None:
    if len(set(y.tolist())) < 2:
        return None
    x = x.tocsr()
    cols = np.unique(x.indices)  # only the hashed n-grams these rows have: a far smaller fit
    clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=seed)
    clf.fit(x[:, cols], y)
    coef = np.zeros(x.shape[1])
    coef[cols] = clf.coef_[0]
    return LexicalModel.from_dense(coef, float(clf.intercept_[0]))


@dataclass
class LexicalFit:
    shared: LexicalModel | None
    per_campaign: dict[str, LexicalModel]
    priors: dict[str, float]
    default_prior: float


def fit_lexical(
    cands: Candidates, idx: np.ndarray, x_all, cfg: CampaignTrainConfig, seed: int
) -> LexicalFit:
    """The shared and per-campaign lexical models and the campaign priors, from rows ``idx``."""
    y = cands.y[idx]
    rate = (y.sum() + 1) / (len(y) + 2)
    default_prior = float(np.log(rate / (1 - rate)))
    priors, per = {}, {}
    for cid in sorted(set(cands.cids[idx].tolist())):
        m = cands.cids[idx] == cid
        pos, n = int(y[m].sum()), int(m.sum())
        k = cfg.prior_strength
        p = (pos + k * rate) / (n + k)
        priors[cid] = float(np.log(p / (1 - p)))
        if pos >= cfg.min_labels_for_lexical and n - pos >= cfg.min_labels_for_lexical:
            model = _fit_lexical(x_all[idx[m]], y[m], cfg.lexical_c, seed)
            if model is not None:
                per[cid] = model
    shared = _fit_lexical(x_all[idx], y, cfg.lexical_c, seed)
    return LexicalFit(shared, per, priors, default_prior)


def _lexical_columns(fit: LexicalFit, cands: Candidates, rows: np.ndarray, x_all) -> np.ndarray:
    """(shared logit, campaign logit or the shared one, prior) per row, as at inference."""
    out = np.zeros((len(rows), 3))
    x = x_all[rows]
    if fit.shared is not None:
        out[:, 0] = fit.shared.logits(x)
    out[:, 1] = out[:, 0]
    for j, r in enumerate(rows):
        cid = cands.cids[r]
        model = fit.per_campaign.get(cid)
        if model is not None:
            out[j, 1] = model.logits(x[j])[0]
        out[j, 2] = fit.priors.get(cid, fit.default_prior)
    return out


def _with_fitted_columns(cands: Candidates, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    x = cands.static[rows].copy()
    names = cands.spec.names
    if "lexical" in cands.spec.groups:
        for j, name in enumerate(LEXICAL):
            x[:, names.index(name)] = cols[:, j]
    if "prior" in cands.spec.groups:
        x[:, names.index(PRIOR[0])] = cols[:, 2]
    return x


def fit_theme_model(
    cands: Candidates, idx: np.ndarray, x_all, cfg: CampaignTrainConfig, seed: int
) -> ThemeModel:
    """Stacking: the logistic model is trained on lexical scores and priors that were
    themselves predicted out of fold, so it learns how far to trust them on unseen articles."""
    cols = np.zeros((len(idx), 3))
    groups = cands.groups[idx]
    folds = min(cfg.stack_folds, len(set(groups.tolist())))
    stacked = bool({"lexical", "prior"} & set(cands.spec.groups))
    if stacked:
        for tr, te in GroupKFold(n_splits=folds).split(idx, groups=groups):
            inner = fit_lexical(cands, idx[tr], x_all, cfg, seed)
            cols[te] = _lexical_columns(inner, cands, idx[te], x_all)
    x = _with_fitted_columns(cands, idx, cols)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    clf = LogisticRegression(C=cfg.c, max_iter=2000, random_state=seed)
    clf.fit((x - mean) / scale, cands.y[idx])
    full = fit_lexical(cands, idx, x_all, cfg, seed) if stacked else LexicalFit(None, {}, {}, 0.0)
    return ThemeModel(
        cands.spec,
        clf.coef_[0],
        float(clf.intercept_[0]),
        mean,
        scale,
        full.shared if "lexical" in cands.spec.groups else None,
        full.per_campaign if "lexical" in cands.spec.groups else {},
        full.priors if "prior" in cands.spec.groups else {},
        full.default_prior if "prior" in cands.spec.groups else 0.0,
    )


def score_rows(model: ThemeModel, cands: Candidates, rows: np.ndarray, x_all) -> np.ndarray:
    """Raw theme probabilities of candidate ``rows`` under ``model`` (the inference path's
    lexical and prior inputs, computed from the stored models)."""
    fit = LexicalFit(
        model.shared_lexical, model.campaign_lexical, model.priors, model.default_prior
    )
    x = _with_fitted_columns(cands, rows, _lexical_columns(fit, cands, rows, x_all))
    return model.raw_score(x)


def out_of_fold(cands: Candidates, x_all, cfg: CampaignTrainConfig, seed: int) -> np.ndarray:
    """Cross-validated raw probabilities, grouped by article (no article on both sides)."""
    oof = np.zeros(len(cands))
    folds = min(cfg.cv_folds, len(set(cands.groups.tolist())))
    all_rows = np.arange(len(cands))
    for tr, te in GroupKFold(n_splits=folds).split(all_rows, groups=cands.groups):
        model = fit_theme_model(cands, tr, x_all, cfg, seed)
        oof[te] = score_rows(model, cands, te, x_all)
    return oof


def fit_calibration(probs: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Isotonic map from raw to calibrated probability, as knots for ``np.interp``."""
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0)
    iso.fit(probs, y)
    # n labels never justify certainty: keep calibrated scores within (1/(n+2), 1 - 1/(n+2))
    eps = 1.0 / (len(y) + 2)
    ys = np.clip(np.asarray(iso.y_thresholds_, dtype=np.float64), eps, 1 - eps)
    return np.asarray(iso.X_thresholds_, dtype=np.float64), ys


def cross_fitted_calibration(oof: np.ndarray, cands: Candidates, folds: int) -> np.ndarray:
    """Calibrated out-of-fold scores whose calibration map never saw the row it maps."""
    out = np.zeros_like(oof)
    rows = np.arange(len(oof))
    for tr, te in GroupKFold(n_splits=folds).split(rows, groups=cands.groups):
        xs, ys = fit_calibration(oof[tr], cands.y[tr])
        out[te] = np.interp(oof[te], xs, ys)
    return out


def passing_mask(cands: Candidates) -> np.ndarray:
    """Candidates with GUIDELINES' passing-mention pattern (features.passing_pattern)."""
    if "passing_pattern" not in cands.spec.names:
        return np.zeros(len(cands), dtype=bool)
    return cands.static[:, cands.column("passing_pattern")] > 0.5


def cross_fitted_passing_rule(scores: np.ndarray, cands: Candidates, folds: int) -> np.ndarray:
    """Scores with the passing rule applied, each fold's rate taken from the other folds."""
    mask, out = passing_mask(cands), scores.copy()
    rows = np.arange(len(scores))
    for tr, te in GroupKFold(n_splits=folds).split(rows, groups=cands.groups):
        m_tr = mask[tr]
        rate = float(cands.y[tr][m_tr].mean()) if m_tr.any() else 0.0
        out[te[mask[te]]] = rate
    return out


def tune_thresholds(
    probs: np.ndarray,
    y: np.ndarray,
    cids: np.ndarray,
    uncovered: int,
    campaign_ids: list[str],
    cfg: CampaignTrainConfig,
) -> tuple[dict[str, float], float]:
    """Per-campaign thresholds on held-out scores of the candidates (``uncovered`` gold tags
    without a cue count as misses), shrunk towards the global one: few labels make
    per-campaign optima noisy. Shared by every bundle kind's trainer."""
    global_t = best_threshold(
        probs, y, cfg.threshold_grid, cfg.threshold_beta, uncovered, cfg.threshold_min_precision
    )
    thresholds = {}
    for cid in campaign_ids:
        mask = cids == cid
        n = int(y[mask].sum())
        if n >= cfg.min_positives_for_own_threshold:
            t = best_threshold(
                probs[mask],
                y[mask],
                cfg.threshold_grid,
                cfg.threshold_beta,
                min_precision=cfg.threshold_min_precision,
            )
            w = n / (n + cfg.threshold_shrinkage)
            thresholds[cid] = float(round(w * t + (1 - w) * global_t, 3))
        else:
            thresholds[cid] = global_t
    return thresholds, global_t


def best_threshold(
    probs: np.ndarray,
    y: np.ndarray,
    grid: list[float],
    beta: float,
    extra_fn: int = 0,
    min_precision: float | None = None,
) -> float:
    """The grid threshold with the best F-beta (beta < 1 favours precision); with
    ``min_precision``, the best among those whose precision reaches it (else the most precise):
    a newsroom may prefer fewer tags it can trust to more tags."""
    scored = []
    b2 = beta * beta
    for t in grid:
        pred = probs >= t
        tp = int((pred & (y == 1)).sum())
        fp = int((pred & (y == 0)).sum())
        fn = int((~pred & (y == 1)).sum()) + extra_fn
        f = (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0
        scored.append((float(t), f, tp / (tp + fp) if tp + fp else 0.0))
    if min_precision is not None:
        ok = [s for s in scored if s[2] >= min_precision]
        if not ok:
            return max(scored, key=lambda s: (s[2], s[1]))[0]
        scored = ok
    best_t, best_f = scored[len(scored) // 2][0], -1.0
    for t, f, _ in scored:
        if f > best_f + 1e-9:
            best_t, best_f = t, f
    return best_t


def decisions_report(
    probs: np.ndarray, cands: Candidates, thresholds: dict[str, float], taxonomy: Taxonomy
) -> dict:
    """Micro / per-campaign precision, recall, F1 of thresholded scores (uncovered gold
    tags count as misses)."""
    t = np.array([thresholds.get(c, 0.5) for c in cands.cids])
    pred = probs >= t
    per = {}
    tp_all = fp_all = fn_all = 0
    for cid in taxonomy.campaign_ids:
        m = cands.cids == cid
        tp = int((pred[m] & (cands.y[m] == 1)).sum())
        fp = int((pred[m] & (cands.y[m] == 0)).sum())
        fn = int((~pred[m] & (cands.y[m] == 1)).sum()) + cands.uncovered.get(cid, 0)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        if tp + fp + fn:
            per[cid] = prf(tp, fp, fn)
    return {**prf(tp_all, fp_all, fn_all), "per_campaign": per}


def prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "support": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def reliability(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> dict:
    """Reliability table and expected calibration error (equal-width bins)."""
    edges = np.linspace(0, 1, bins + 1)
    table, ece = [], 0.0
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        m = (probs >= a) & ((probs < b) if b < 1 else (probs <= b))
        if not m.any():
            continue
        conf, acc = float(probs[m].mean()), float(y[m].mean())
        ece += m.sum() / len(probs) * abs(conf - acc)
        table.append(
            {
                "bin": f"{a:.1f}-{b:.1f}",
                "n": int(m.sum()),
                "mean_score": round(conf, 3),
                "precision": round(acc, 3),
            }
        )
    return {"ece": round(float(ece), 4), "table": table}


@dataclass
class FittedTheme:
    """A theme model with its cross-validated evidence: raw out-of-fold scores, the scores as
    served (cross-fitted calibration and passing rule), and the global threshold."""

    cands: Candidates
    model: ThemeModel
    oof: np.ndarray
    scores: np.ndarray
    global_threshold: float
    thresholds: dict[str, float]


def feature_spec(cfg: CampaignTrainConfig, taxonomy: Taxonomy) -> FeatureSpec:
    topics = tuple(taxonomy.topic_ids) if "topics" in cfg.features else ()
    return FeatureSpec(tuple(cfg.features), topics)


def calibrated_model(
    cands: Candidates, x_all, cfg: CampaignTrainConfig, seed: int
) -> tuple[ThemeModel, np.ndarray, np.ndarray]:
    """The model fitted on every row of ``cands`` with its calibration and passing rate, the
    raw out-of-fold scores, and the scores as served (cross-fitted calibration and rule)."""
    oof = out_of_fold(cands, x_all, cfg, seed)
    folds = min(cfg.cv_folds, len(set(cands.groups.tolist())))
    scores = cross_fitted_calibration(oof, cands, folds) if cfg.calibrate else oof
    if cfg.passing_rule:
        scores = cross_fitted_passing_rule(scores, cands, folds)
    model = fit_theme_model(cands, np.arange(len(cands)), x_all, cfg, seed)
    if cfg.calibrate:
        model.calibration = fit_calibration(oof, cands.y)
    mask = passing_mask(cands)
    if cfg.passing_rule and mask.any():
        model.passing_rate = float(cands.y[mask].mean())
    return model, oof, scores


def fit_validated(
    cfg: CampaignTrainConfig,
    articles: list[LabelledArticle],
    taxonomy: Taxonomy,
    seed: int,
    topic_probs: TopicProbs | None,
) -> FittedTheme:
    """Cross-validate (for thresholds, calibration and honest figures), then fit on all."""
    cands = build_candidates(articles, taxonomy, feature_spec(cfg, taxonomy), topic_probs)
    if len(set(cands.y.tolist())) < 2:
        raise ValueError("campaign labels need both positive and negative candidates")
    model, oof, scores = calibrated_model(cands, hash_texts(cands.contexts).to_scipy(), cfg, seed)
    thresholds, global_t = tune_thresholds(
        scores, cands.y, cands.cids, sum(cands.uncovered.values()), taxonomy.campaign_ids, cfg
    )
    return FittedTheme(cands, model, oof, scores, global_t, thresholds)


def yaml_only_config(cfg: CampaignTrainConfig) -> CampaignTrainConfig:
    """The recipe of the model that scores a campaign without labels of its own: no prior, no
    per-campaign lexical model (its campaign column reads the shared lexical logit)."""
    return cfg.model_copy(
        update={
            "features": [g for g in cfg.features if g != "prior"],
            "min_labels_for_lexical": 10**9,
        }
    )


def train_campaign_detector(
    cfg: CampaignTrainConfig,
    articles: list[LabelledArticle],
    taxonomy: Taxonomy,
    seed: int,
    topic_probs: TopicProbs | None = None,
) -> tuple[CampaignDetector, dict]:
    """The labelled campaigns' model, and (``yaml_only_model``) the one a campaign added to
    the taxonomy since is scored with, each cross-validated and calibrated."""
    main = fit_validated(cfg, articles, taxonomy, seed, topic_probs)
    fallback = None
    if cfg.yaml_only_model:
        yo = fit_validated(yaml_only_config(cfg), articles, taxonomy, seed, topic_probs)
        fallback = (yo.model, yo.global_threshold)
    detector = CampaignDetector(
        taxonomy, main.model, main.thresholds, main.global_threshold, fallback=fallback
    )
    cands = main.cands
    report = {
        "labelled_articles": len(articles),
        "candidates": len(cands),
        "positive_candidates": int(cands.y.sum()),
        "gold_tags_without_cue": int(sum(cands.uncovered.values())),
        "global_threshold": main.global_threshold,
        "cv": decisions_report(main.scores, cands, main.thresholds, taxonomy),
        "calibration_raw": reliability(main.oof, cands.y),
        "calibration": reliability(main.scores, cands.y),
    }
    if fallback is not None:
        report["yaml_only_threshold"] = fallback[1]
    return detector, report


def leave_one_campaign_out(
    cfg: CampaignTrainConfig,
    articles: list[LabelledArticle],
    taxonomy: Taxonomy,
    seed: int,
    topic_probs: TopicProbs | None = None,
    min_positives: int = 10,
) -> dict:
    """How well a campaign is tagged from its YAML entry alone: for each campaign with enough
    labels, the YAML-only model (:func:`yaml_only_config`) is trained on every other
    campaign's candidates, calibrated and thresholded on their cross-validated scores, and
    scores the held-out campaign's candidates. Its gold tags without a cue are misses."""
    cfg = yaml_only_config(cfg)
    cands = build_candidates(articles, taxonomy, feature_spec(cfg, taxonomy), topic_probs)
    x_all = hash_texts(cands.contexts).to_scipy()
    per, totals = {}, [0, 0, 0]
    for cid in taxonomy.campaign_ids:
        mine = cands.cids == cid
        if int(cands.y[mine].sum()) + cands.uncovered.get(cid, 0) < min_positives:
            continue
        others, rows = np.flatnonzero(~mine), np.flatnonzero(mine)
        sub = _subset(cands, others)
        model, _, scores = calibrated_model(sub, x_all[others], cfg, seed)
        t = best_threshold(
            scores,
            sub.y,
            cfg.threshold_grid,
            cfg.threshold_beta,
            min_precision=cfg.threshold_min_precision,
        )
        fit = LexicalFit(model.shared_lexical, {}, {}, 0.0)
        x = _with_fitted_columns(cands, rows, _lexical_columns(fit, cands, rows, x_all))
        pred, y = model.score(x) >= t, cands.y[rows]
        tp, fp = int((pred & (y == 1)).sum()), int((pred & (y == 0)).sum())
        fn = int((~pred & (y == 1)).sum()) + cands.uncovered.get(cid, 0)
        per[cid] = {**prf(tp, fp, fn), "threshold": t}
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    return {"micro": prf(*totals), "per_campaign": per}


def _subset(cands: Candidates, rows: np.ndarray) -> Candidates:
    return Candidates(
        cands.spec,
        cands.static[rows],
        [cands.contexts[i] for i in rows],
        cands.cids[rows],
        cands.y[rows],
        cands.groups[rows],
        {},
    )
