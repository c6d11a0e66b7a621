"""Train the ``ranker.v1`` sentence scorer on VietNews.

Recipe (``configs/default.yaml``, section ``summarizer``):

1. Read ``train`` articles; each row's ``summary`` (the article's own sapo) is the reference,
   its ``text`` the body, split by the project's one pipeline (:func:`tinbai.model.text.prepare`).
2. The first ``lexicon_articles`` articles only build the vocabulary: IDF, the smoothed
   log-odds of a sentence being a greedy-oracle pick (R1 + R2 F1, ``oracle_sentences``) given
   that it contains / starts with a syllable, and each syllable's rate of reappearing in the
   sapo. The ranker is fitted on the *other* ``train_articles``, so these lexical features
   are out-of-sample there, as at prediction time.
3. Target (``target``): each sentence's unigram *precision* against the sapo (share of its
   syllables found there, clipped counts), or the binary oracle label. Ranked top-3,
   true precision scores far higher ROUGE F1 than the true oracle labels' marginal, and the
   fitted precision ranked better on val than classifiers of the oracle labels.
4. Model (``model``): gradient-boosted regression trees (exported to plain arrays), or a small
   MLP / linear model. Then the redundancy threshold and the length-aware selection's
   reference length (:func:`tinbai.model.summarize.base.select_length_aware`: the subset of the
   ``length_candidates`` best sentences with the highest expected F1; off when no target beats
   plain top-k) are chosen on ``tune`` val rows (disjoint from the reported ones) and ROUGE on
   val rows ``[0, report_articles)`` goes to bundle.json.
5. Summaries that read on their own (:mod:`tinbai.model.summarize.standalone`): near-empty sentences
   go to the back of the ranking, and a subset loses ``orphan_penalty`` of expected F1 per
   dependent sentence chosen without its previous one; the penalty is the best-R1 one of
   ``orphan_penalty_grid`` whose tuning summaries hold at most ``max_orphan_share`` of such
   sentences.
"""

from __future__ import annotations

import logging
import math
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
from tinbai.model.predict import batched
from tinbai.model.summarize import Budget, Summarizer
from tinbai.model.summarize.features import FEATURE_NAMES, Vocabulary, extract
from tinbai.model.summarize.ranker import Ranker, RankerWeights, TreeEnsemble
from tinbai.model.summarize.rouge import greedy_oracle, ngrams, rouge_n_f1, syllables
from tinbai.model.summarize.standalone import load_detector, orphans
from tinbai.model.summarize.tokens import sentence_tokens
from tinbai.model.text import Document, prepare
from tinbai.training.data import read_rows

log = logging.getLogger(__name__)


@dataclass
class Example:
    doc: Document
    tokens: list[list[str]]
    reference: str
    reference_tokens: list[str]
    labels: np.ndarray  # 1.0 for oracle sentences
    precision: np.ndarray  # share of each sentence's syllables found in the reference (clipped)


def make_example(
    row: dict[str, Any], oracle_sentences: int = 3, with_oracle: bool = True
) -> Example | None:
    """One article with its targets; ``with_oracle=False`` skips the (costly) greedy oracle
    and leaves ``labels`` at zero, for recipes fitted to ``precision``."""
    doc = prepare(row.get("text") or "", row.get("title"))
    if not doc.sentences or not row.get("summary"):
        return None
    tokens = sentence_tokens(doc)
    ref = syllables(row["summary"])
    labels = np.zeros(len(tokens))
    if with_oracle:
        labels[greedy_oracle(tokens, ref, oracle_sentences)] = 1.0
    ref_counts = ngrams(ref, 1)
    precision = np.array(
        [sum((ngrams(t, 1) & ref_counts).values()) / max(len(t), 1) for t in tokens]
    )
    return Example(doc, tokens, row["summary"], ref, labels, precision)


def load_examples(
    path: Path, limit: int | None, skip: int = 0, oracle_sentences: int = 3
) -> list[Example]:
    out = []
    for i, row in enumerate(read_rows(path, None if limit is None else skip + limit)):
        if i < skip:
            continue
        ex = make_example(row, oracle_sentences)
        if ex is not None:
            out.append(ex)
    return out


def build_vocabulary(
    examples: Sequence[Example], max_size: int = 40_000, min_count: int = 5, smoothing: float = 20.0
) -> Vocabulary:
    """IDF over articles and smoothed log-odds (against the base rate) of a sentence being
    an oracle pick given that it contains — or starts with — a syllable."""
    df: Counter = Counter()
    contains_n: Counter = Counter()
    contains_pos: Counter = Counter()
    first_n: Counter = Counter()
    first_pos: Counter = Counter()
    in_sapo: Counter = Counter()
    n_sent = n_pos = 0
    for ex in examples:
        body = {w for t in ex.tokens for w in t}
        df.update(body)
        in_sapo.update(body.intersection(ex.reference_tokens))
        for t, label in zip(ex.tokens, ex.labels, strict=True):
            uniq = set(t)
            contains_n.update(uniq)
            n_sent += 1
            if label:
                contains_pos.update(uniq)
                n_pos += 1
            if t:
                first_n[t[0]] += 1
                if label:
                    first_pos[t[0]] += 1
    base = (n_pos + 1) / (n_sent + 2)
    # most frequent first, ties by the word: Counter.most_common breaks ties by insertion
    # order, which follows set iteration and so the process's hash seed (vocabulary.json
    # came out in a different order on every run)
    ranked = sorted(df.items(), key=lambda wc: (-wc[1], wc[0]))[:max_size]
    words = [w for w, c in ranked if c >= min_count]
    sapo_base = sum(in_sapo.values()) / max(sum(df.values()), 1)
    n_docs = max(len(examples), 1)

    def log_odds(pos: int, total: int) -> float:
        p = (pos + smoothing * base) / (total + smoothing)
        return math.log(p / (1 - p)) - math.log(base / (1 - base))

    return Vocabulary(
        index={w: i for i, w in enumerate(words)},
        idf=np.array([math.log((1 + n_docs) / (1 + df[w])) + 1 for w in words]),
        lexical=np.array([log_odds(contains_pos[w], contains_n[w]) for w in words]),
        first=np.array([log_odds(first_pos[w], first_n[w]) for w in words]),
        default_idf=math.log((1 + n_docs) / 1) + 1,
        sapo_rate=np.array(
            [(in_sapo[w] + smoothing * sapo_base) / (df[w] + smoothing) for w in words]
        ),
        default_sapo_rate=sapo_base,
    )


def design_matrix(
    examples: Sequence[Example], vocab: Vocabulary, target: str = "oracle"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Features, targets (``oracle`` labels or sentence ``precision``) and article indices."""
    xs, ys, groups = [], [], []
    for g, ex in enumerate(examples):
        xs.append(extract(ex.doc, vocab, ex.tokens))
        ys.append(ex.labels if target == "oracle" else ex.precision)
        groups.append(np.full(len(ex.labels), g))
    return np.vstack(xs), np.concatenate(ys), np.concatenate(groups)


def fit_trees(
    x: np.ndarray,
    y: np.ndarray,
    n_trees: int,
    max_leaf_nodes: int,
    learning_rate: float,
    seed: int,
    max_depth: int | None = 6,
) -> TreeEnsemble:
    """Gradient-boosted regression trees (scikit-learn's histogram GBDT), exported to arrays."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor(
        max_iter=n_trees,
        max_leaf_nodes=max_leaf_nodes,
        max_depth=max_depth,
        learning_rate=learning_rate,
        early_stopping=False,
        random_state=seed,
    )
    model.fit(x, y)
    return export_trees(model)


def fit_ranker(
    x: np.ndarray, y: np.ndarray, hidden: int, alpha: float, seed: int, max_iter: int = 60
) -> RankerWeights:
    """Fit an MLP (``hidden`` > 0) or a logistic regression on standardised features; the
    weights are copied out of scikit-learn into plain arrays, so nothing of scikit-learn is
    needed (or pickled) at prediction time."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = (x - mean) / scale
    binary = bool(np.isin(y, (0.0, 1.0)).all())
    if hidden <= 0:
        from sklearn.linear_model import LogisticRegression, Ridge

        if binary:
            linear = LogisticRegression(C=1.0 / max(alpha, 1e-9), max_iter=1000).fit(z, y)
            coef, intercept = linear.coef_.T, np.atleast_1d(linear.intercept_)
        else:
            linear = Ridge(alpha=alpha).fit(z, y)
            coef, intercept = linear.coef_.reshape(-1, 1), np.atleast_1d(linear.intercept_)
        layers = [(coef.copy(), intercept.copy())]
    else:
        from sklearn.neural_network import MLPClassifier, MLPRegressor

        kind = MLPClassifier if binary else MLPRegressor
        mlp = kind(
            hidden_layer_sizes=(hidden,),
            alpha=alpha,
            batch_size=512,
            learning_rate_init=1e-3,
            max_iter=max_iter,
            early_stopping=True,
            validation_fraction=0.1,
            n_iter_no_change=5,
            random_state=seed,
        )
        mlp.fit(z, y)
        layers = [(w.copy(), b.copy()) for w, b in zip(mlp.coefs_, mlp.intercepts_, strict=True)]
    return RankerWeights(mean, scale, layers)


def quick_rouge(
    summarizer: Summarizer, examples: Iterable[Example], budget: Budget
) -> dict[str, float]:
    """Mean ROUGE-1/2 F1 (×100) with the fast counter, for tuning only; reported figures come
    from ``tinbai evaluate summaries`` (rouge-score)."""
    detector = load_detector()
    r1, r2, n, chosen, alone = 0.0, 0.0, 0, 0, 0
    for ex in examples:
        picked = summarizer.summarize(ex.doc, budget).sentences
        cand = [w for s in picked for w in ex.tokens[s.index]]
        r1 += rouge_n_f1(ex.reference_tokens, cand, 1)
        r2 += rouge_n_f1(ex.reference_tokens, cand, 2)
        n += 1
        readings = detector.classify_all([s.text for s in ex.doc.sentences])
        chosen += len(picked)
        alone += len(orphans(readings, [s.index for s in picked]))
    return {
        "rouge1": 100 * r1 / max(n, 1),
        "rouge2": 100 * r2 / max(n, 1),
        "orphan_share": alone / max(chosen, 1),
    }


def iter_example_chunks(
    path: Path,
    skip: int,
    limit: int,
    oracle_sentences: int,
    with_oracle: bool = True,
    chunk: int = 5_000,
) -> Iterable[list[Example]]:
    """Examples in chunks, so that 45k prepared articles never sit in memory at once."""
    rows = islice(read_rows(path, skip + limit), skip, None)
    examples = (make_example(row, oracle_sentences, with_oracle) for row in rows)
    return batched((ex for ex in examples if ex is not None), chunk)


def rouge_report(
    summarizer: Summarizer, examples: Sequence[Example], sentences: int
) -> dict[str, Any]:
    """ROUGE-1/2/L F1 (×100, rouge-score with the syllable tokenizer) of the summariser and of
    Lead-N on held-out examples."""
    from tinbai.model.summarize.rouge import rouge_scorer

    scorer = rouge_scorer()
    budget = Budget(sentences=sentences)
    sums = {"ranker": Counter(), "lead": Counter()}
    for ex in examples:
        texts = [s.text for s in ex.doc.sentences]
        picked = {
            "ranker": [s.index for s in summarizer.summarize(ex.doc, budget).sentences],
            "lead": list(range(min(sentences, len(texts)))),
        }
        for name, idx in picked.items():
            for key, value in scorer.score(ex.reference, " ".join(texts[i] for i in idx)).items():
                sums[name][key] += value.fmeasure
    n = max(len(examples), 1)
    return {
        name: {k: round(100 * v / n, 2) for k, v in sorted(c.items())} for name, c in sums.items()
    }


@dataclass
class Tuning:
    """What :func:`tune_selection` chose on the tuning val rows, with the R1 per grid value."""

    config: dict[str, Any]
    by_overlap: dict[str, float]
    by_length_target: dict[str, float]
    by_orphan_penalty: dict[str, dict[str, float]]


def train_summarizer(cfg: Any, out_dir: Path, seed: int) -> tuple[dict, list[Path]]:
    """Build ``out_dir`` (``summarizer.json``, ``ranker.npz``, ``vocabulary.json``) from
    ``cfg`` (a ``SummarizerTrainConfig``); return val metrics and the data files read."""
    from tinbai.training.config import resolve_data

    t0 = time.time()
    train_path, val_path = resolve_data(cfg.train), resolve_data(cfg.val)
    vocab = lexicon_vocabulary(cfg, train_path, t0)
    x, y, n_train = training_matrix(cfg, train_path, vocab, t0)
    weights = fit_weights(cfg, x, y, seed)
    log.info("summariser: %s fitted on %d sentences (%.0fs)", cfg.model, len(y), time.time() - t0)
    ranker = Ranker(vocab, weights)
    tuning = tune_selection(cfg, ranker, val_path)
    summarizer = Summarizer(cfg.component, ranker, tuning.config)
    summarizer.save(out_dir)
    ranker.save(out_dir)
    metrics = training_metrics(cfg, tuning, n_train, len(y))
    if cfg.report_articles:
        report = load_examples(val_path, cfg.report_articles, oracle_sentences=cfg.oracle_sentences)
        metrics["val_rows"] = [0, cfg.report_articles]
        metrics["val_articles"] = len(report)
        metrics.update(rouge_report(summarizer, report, cfg.summary_sentences))
        log.info("summariser: val ranker %s lead %s", metrics["ranker"], metrics["lead"])
    metrics["seconds"] = round(time.time() - t0, 1)
    return metrics, [train_path, val_path]


def lexicon_vocabulary(cfg: Any, train_path: Path, t0: float) -> Vocabulary:
    """Step 1: the vocabulary from the first ``lexicon_articles`` train rows only, so that its
    lexical features are out-of-sample on the rows the ranker is fitted on."""
    lexicon = load_examples(train_path, cfg.lexicon_articles, oracle_sentences=cfg.oracle_sentences)
    vocab = build_vocabulary(lexicon, cfg.vocabulary_size, cfg.min_count, cfg.smoothing)
    log.info(
        "summariser: vocabulary of %d syllables from %d articles (%.0fs)",
        len(vocab.index),
        cfg.lexicon_articles,
        time.time() - t0,
    )
    return vocab


def training_matrix(
    cfg: Any, train_path: Path, vocab: Vocabulary, t0: float
) -> tuple[np.ndarray, np.ndarray, int]:
    """Step 2: features and targets of the ``train_articles`` rows after the lexicon ones,
    featurised chunk by chunk; also the number of articles read."""
    parts, n_train = [], 0
    for chunk in iter_example_chunks(
        train_path,
        cfg.lexicon_articles,
        cfg.train_articles,
        cfg.oracle_sentences,
        with_oracle=cfg.target == "oracle",
    ):
        x, y, _ = design_matrix(chunk, vocab, cfg.target)
        parts.append((x, y))
        n_train += len(chunk)
        log.info("summariser: %d training articles featurised (%.0fs)", n_train, time.time() - t0)
    return np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), n_train


def fit_weights(cfg: Any, x: np.ndarray, y: np.ndarray, seed: int) -> RankerWeights | TreeEnsemble:
    """Step 3: the ranker's model, trees or MLP / linear as ``cfg.model`` says."""
    if cfg.model == "trees":
        return fit_trees(
            x, y, cfg.n_trees, cfg.max_leaf_nodes, cfg.learning_rate, seed, cfg.max_depth
        )
    return fit_ranker(x, y, cfg.hidden, cfg.alpha, seed, cfg.max_iter)


def tune_selection(cfg: Any, ranker: Ranker, val_path: Path) -> Tuning:
    """Step 4: the selection settings (redundancy threshold, length target, orphan penalty),
    each chosen in turn on the ``tune`` val rows given the ones before it."""
    config: dict[str, Any] = {
        "scorer": cfg.component,
        "features": list(FEATURE_NAMES),
        "anchor_lead_paragraph": cfg.anchor_lead_paragraph,
    }
    tuning = Tuning(config, {}, {}, {})
    best_r1 = -1.0
    tune: list[Example] = []
    if cfg.tune_articles:
        tune = load_examples(
            val_path, cfg.tune_articles, skip=cfg.tune_skip, oracle_sentences=cfg.oracle_sentences
        )
    budget = Budget(sentences=cfg.summary_sentences)

    def r1_of(extra: dict[str, Any]) -> dict[str, float]:
        return quick_rouge(Summarizer(cfg.component, ranker, {**config, **extra}), tune, budget)

    overlap = 1.0
    if cfg.tune_articles:
        for value in cfg.max_trigram_overlap_grid:
            r1 = r1_of({"max_trigram_overlap": value})["rouge1"]
            tuning.by_overlap[str(value)] = round(r1, 3)
            if r1 > best_r1:
                best_r1, overlap = r1, value
        log.info("summariser: tuning R1 by max trigram overlap %s", tuning.by_overlap)
    config["max_trigram_overlap"] = overlap
    if cfg.tune_articles and cfg.length_target_grid:
        best_len = (best_r1, 0.0)  # 0: plain top-k, as tuned above
        length_config = {
            "length_candidates": cfg.length_candidates,
            "overlap_discount": cfg.overlap_discount,
        }
        for target in cfg.length_target_grid:
            r1 = r1_of({**length_config, "length_target": target})["rouge1"]
            tuning.by_length_target[str(target)] = round(r1, 3)
            if r1 > best_len[0]:
                best_len = (r1, target)
        log.info("summariser: tuning R1 by length target %s", tuning.by_length_target)
        if best_len[1]:
            config["length_target"] = best_len[1]
            config.update(length_config)
    if cfg.tune_articles and cfg.orphan_penalty_grid:
        # The best R1 among penalties whose summaries read on their own often enough.
        best_penalty: tuple[float, float] | None = None
        for penalty in cfg.orphan_penalty_grid:
            q = r1_of({"orphan_penalty": penalty})
            tuning.by_orphan_penalty[str(penalty)] = {
                "rouge1": round(q["rouge1"], 3),
                "orphan_share": round(q["orphan_share"], 4),
            }
            ok = q["orphan_share"] <= cfg.max_orphan_share
            if ok and (best_penalty is None or q["rouge1"] > best_penalty[0]):
                best_penalty = (q["rouge1"], penalty)
        log.info("summariser: tuning by orphan penalty %s", tuning.by_orphan_penalty)
        # None met the bound: the strongest penalty comes closest.
        config["orphan_penalty"] = best_penalty[1] if best_penalty else max(cfg.orphan_penalty_grid)
    return tuning


def training_metrics(cfg: Any, tuning: Tuning, n_train: int, n_sentences: int) -> dict[str, Any]:
    """Step 5: what bundle.json records of the training run (val ROUGE is added after)."""
    return {
        "train_articles": n_train,
        "lexicon_articles": cfg.lexicon_articles,
        "train_sentences": n_sentences,
        "tuning_val_rows": [cfg.tune_skip, cfg.tune_skip + cfg.tune_articles],
        "tuning_rouge1_by_max_trigram_overlap": tuning.by_overlap,
        "max_trigram_overlap": tuning.config["max_trigram_overlap"],
        "tuning_rouge1_by_length_target": tuning.by_length_target,
        "length_target": tuning.config.get("length_target", 0.0),
        "tuning_by_orphan_penalty": tuning.by_orphan_penalty,
        "orphan_penalty": tuning.config.get("orphan_penalty", 0.0),
    }


def export_trees(model: Any) -> TreeEnsemble:
    """Copy a fitted scikit-learn ``HistGradientBoostingRegressor`` into plain node arrays."""
    trees = [predictors[0].nodes for predictors in model._predictors]
    width = max(len(t) for t in trees)
    shape = (len(trees), width)
    feature = np.zeros(shape, dtype=np.int32)
    threshold = np.zeros(shape)
    left = np.tile(np.arange(width, dtype=np.int32), (len(trees), 1))  # padding: self-loops
    right = left.copy()
    value = np.zeros(shape)
    for k, nodes in enumerate(trees):
        m = len(nodes)
        leaf = nodes["is_leaf"].astype(bool)
        feature[k, :m] = np.where(leaf, 0, nodes["feature_idx"])
        threshold[k, :m] = np.where(leaf, np.inf, nodes["num_threshold"])
        left[k, :m] = np.where(leaf, np.arange(m), nodes["left"])
        right[k, :m] = np.where(leaf, np.arange(m), nodes["right"])
        value[k, :m] = np.where(leaf, nodes["value"], 0.0)
    depth = int(max(t["depth"].max() for t in trees))  # root → deepest leaf, in moves
    baseline = float(np.asarray(model._baseline_prediction).ravel()[0])
    return TreeEnsemble(feature, threshold, left, right, value, baseline, depth)
