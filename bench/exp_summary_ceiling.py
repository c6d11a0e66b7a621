"""Summariser experiments for issue 13 (nothing here is shipped; figures in the README's
summariser section): where the R-1 gain over Lead-3 is lost, on a fixed val sample — rows
8,000–8,700, 16,000–16,700 and 20,000–20,700 (2,100 articles from the blocks where the gain is
smallest; the reported rows 0–2,000 are not used).

    python bench/exp_summary_ceiling.py diagnose          # calibration, top-10 pool oracle
    python bench/exp_summary_ceiling.py length-oracle     # the true sapo length as the target
    python bench/exp_summary_ceiling.py subset-selector   # learned choice among pool subsets
    python bench/exp_summary_ceiling.py trees [--cache DIR]  # ranker capacity and weights

``subset-selector`` learns from train rows 0–8,000 (the lexicon rows: the trees never saw
them); ``trees`` refits the ranker on the shipped recipe's 45,000 rows (features cached under
``--cache``, default /tmp/summary-exp; about 80 s to featurise, 80–210 s a fit on one core).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable
from itertools import combinations, islice
from pathlib import Path
from typing import Any

import numpy as np
import tinbai.model.summarize.base as base
from sklearn.ensemble import HistGradientBoostingRegressor
from tinbai.model.paths import DEFAULT_BUNDLE_DIR, SHARED_DIR
from tinbai.model.summarize import Budget, Summarizer
from tinbai.model.summarize.base import _shared_counts, _subsets, load_summarizer
from tinbai.model.summarize.features import FEATURE_NAMES
from tinbai.model.summarize.ranker import Ranker
from tinbai.model.summarize.rouge import rouge_n_f1
from tinbai.model.summarize.tokens import ArticleTerms
from tinbai.training.config import SummarizerTrainConfig
from tinbai.training.data import read_rows
from tinbai.training.summarizer import Example, export_trees, make_example, training_matrix

VIETNEWS = SHARED_DIR / "data" / "vietnews"
SAMPLE = ((8000, 700), (16000, 700), (20000, 700))
BUDGET = Budget(sentences=3)


def sample() -> list[Example]:
    out = []
    for skip, n in SAMPLE:
        rows = islice(read_rows(VIETNEWS / "val.jsonl.gz", skip + n), skip, None)
        out += [ex for ex in (make_example(r, with_oracle=False) for r in rows) if ex]
    return out


def f1_of(ex: Example, indices: Iterable[int]) -> float:
    return rouge_n_f1(ex.reference_tokens, [w for i in indices for w in ex.tokens[i]], 1)


def r1_gain(summarizer: Summarizer, examples: list[Example], per_article=None) -> str:
    """Mean R-1 (×100) and its gain over Lead-3; ``per_article(ex)`` runs before each."""
    total = lead = 0.0
    for ex in examples:
        if per_article:
            per_article(ex)
        total += f1_of(ex, [s.index for s in summarizer.summarize(ex.doc, BUDGET).sentences])
        lead += f1_of(ex, range(min(3, len(ex.tokens))))
    n = len(examples)
    return f"R1 {100 * total / n:.2f}, gain over Lead-3 {100 * (total - lead) / n:+.2f}"


def shipped() -> Summarizer:
    return load_summarizer(DEFAULT_BUNDLE_DIR / "summarizer")


def diagnose(args: argparse.Namespace) -> None:
    summ, examples = shipped(), sample()
    pred, true, pool_best = [], [], 0.0
    for ex in examples:
        scores = np.asarray(summ.scorer(ex.doc, ArticleTerms(ex.doc)), dtype=np.float64)
        pred += list(scores)
        true += list(ex.precision)
        pool = sorted(np.argsort(-scores, kind="stable")[:10].tolist())
        k = min(3, len(pool))
        pool_best += max(f1_of(ex, c) for c in combinations(pool, k))
    print(r1_gain(summ, examples))
    print(f"best 3 of the top-10 pool by true F1: R1 {100 * pool_best / len(examples):.2f}")
    pred_a, true_a = np.array(pred), np.array(true)
    print(f"ranker vs true precision: Pearson {np.corrcoef(pred_a, true_a)[0, 1]:.3f}")
    edges = np.quantile(pred_a, np.linspace(0, 1, 11))
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        m = (pred_a >= lo) & (pred_a <= hi)
        print(
            f"  predicted {lo:.3f}–{hi:.3f}: "
            f"mean {pred_a[m].mean():.3f}, true {true_a[m].mean():.3f}"
        )


def length_oracle(args: argparse.Namespace) -> None:
    summ, examples = shipped(), sample()
    settings = summ.settings
    print("shipped, target", settings.length_target, r1_gain(summ, examples))
    for scale in (0.5, 0.65, 0.8, 1.0):

        def true_length(ex: Example, scale: float = scale) -> None:
            target = scale * len(ex.reference_tokens)
            summ.settings = settings.model_copy(update={"length_target": target})

        print(f"target = {scale} × the true sapo length", r1_gain(summ, examples, true_length))


def subset_table(
    doc: Any,
    order: list[int],
    scores: np.ndarray,
    k: int,
    target: float,
    candidates: int,
    discount: float = 0.0,
    keep_first: bool = False,
    dependent: Callable[[int], bool] | None = None,
    orphan_penalty: float = 0.0,
    terms: ArticleTerms | None = None,
) -> dict[str, Any] | None:
    """The length-aware selection's pool and every candidate subset, with 30 features each:
    the expected-F1 terms of ``select_length_aware``, each member's score, length, rank and
    position, shared syllables, orphans, and article-level context."""
    pool = np.array(order[: max(candidates, k)], dtype=np.intp)
    if len(pool) <= k:
        return None
    lengths = np.array([max(terms.sizes[i], 1) for i in pool.tolist()], dtype=np.float64)
    precision = np.clip(scores[pool], 0.0, 1.0)
    subsets = _subsets(len(pool), k)
    if keep_first:
        subsets = subsets[subsets[:, 0] == 0]
    shared = _shared_counts(terms.counts[pool])
    pair_cost = shared * (precision[:, None] + precision[None, :]) / 2
    matched = (precision * lengths)[subsets].sum(axis=1)
    share_sum = np.zeros(len(subsets))
    for a, b in combinations(range(k), 2):
        matched -= discount * pair_cost[subsets[:, a], subsets[:, b]]
        share_sum += shared[subsets[:, a], subsets[:, b]]
    total = lengths[subsets].sum(axis=1)
    p, r = matched / total, np.minimum(matched / target, 1.0)
    f1_raw = 2 * p * r / np.maximum(p + r, 1e-12)
    is_dep = np.zeros(len(pool), dtype=bool)
    if dependent is not None:
        is_dep = np.array([dependent(i) for i in pool.tolist()])
    members = pool[subsets]
    has_previous = (members[:, :, None] - 1 == members[:, None, :]).any(axis=2)
    orphans = (is_dep[subsets] & ~has_previous).sum(axis=1)
    f1 = f1_raw - orphan_penalty * orphans
    position = np.sort(members, axis=1).astype(float)
    n = len(subsets)
    cols = [f1, f1_raw, matched, total, p, orphans, share_sum,
            *(precision[subsets[:, j]] for j in range(k)),
            *(lengths[subsets[:, j]] for j in range(k)),
            *(subsets[:, j] for j in range(k)), subsets.sum(1), *(position[:, j] for j in range(k)),
            (members == 0).any(1), (members == 1).any(1), has_previous.sum(1),
            np.full(n, len(doc.sentences)), np.full(n, len(pool)), np.full(n, precision.max()),
            np.full(n, lengths.mean()), f1 - f1.max(), matched - matched.max(),
            total / max(lengths.mean(), 1)]  # fmt: skip
    x = np.column_stack(cols).astype(np.float32)
    return {"pool": pool, "subsets": subsets, "x": x, "f1": f1, "orphans": orphans, "terms": terms}


def true_subset_f1(ex: Example, table: dict[str, Any]) -> np.ndarray:
    """ROUGE-1 F1 of every subset against the sapo (clipped unigram counts)."""
    terms, pool, subsets = table["terms"], table["pool"], table["subsets"]
    counts = terms.counts[pool]
    ref = np.zeros(counts.shape[1])
    for token in ex.reference_tokens:
        j = terms.local.get(token)
        if j is not None and j < len(ref):
            ref[j] += 1
    overlap = np.minimum(counts[subsets].sum(axis=1), ref).sum(axis=1)
    lengths = np.array([len(ex.tokens[i]) for i in pool])[subsets].sum(axis=1)
    return 2 * overlap / np.maximum(lengths + len(ex.reference_tokens), 1)


def subset_tables(summ: Summarizer, examples: Iterable[Example]) -> list[dict[str, Any]]:
    """Each article's subset table (``None`` without a choice to make) with the true F1s, and
    the shipped choice's F1: the selection is intercepted, its choice kept."""
    original, seen = base.select_length_aware, {}

    def capture(*a: Any, **kw: Any) -> list[int]:
        seen["table"] = subset_table(*a, **kw)
        return original(*a, **kw)

    base.select_length_aware = capture
    out = []
    try:
        for ex in examples:
            seen.clear()
            chosen = [s.index for s in summ.summarize(ex.doc, BUDGET).sentences]
            item = {"shipped": f1_of(ex, chosen), "lead": f1_of(ex, range(min(3, len(ex.tokens))))}
            table = seen.get("table")
            if table is not None:
                item.update(x=table["x"], y=true_subset_f1(ex, table), orphans=table["orphans"])
            out.append(item)
    finally:
        base.select_length_aware = original
    return out


def subset_selector(args: argparse.Namespace) -> None:
    summ = shipped()
    train_rows = read_rows(VIETNEWS / "train.jsonl.gz", 8000)
    train_examples = (make_example(row, with_oracle=False) for row in train_rows)
    train = subset_tables(summ, (ex for ex in train_examples if ex))
    val = subset_tables(summ, sample())
    x = np.vstack([t["x"] for t in train if "x" in t])
    y = np.concatenate([t["y"] - t["y"].mean() for t in train if "x" in t])
    lead = 100 * np.mean([t["lead"] for t in val])
    print(f"shipped R1 {100 * np.mean([t['shipped'] for t in val]):.2f}, Lead-3 {lead:.2f}")
    model = HistGradientBoostingRegressor(max_iter=200, max_depth=6, random_state=0).fit(x, y)
    for penalty in (0.0, 0.02, 0.05, 1.0):
        total, orphans = 0.0, 0
        for t in val:
            if "x" not in t:
                total += t["shipped"]
                continue
            j = int(np.argmax(model.predict(t["x"]) - penalty * t["orphans"]))
            total += t["y"][j]
            orphans += int(t["orphans"][j])
        r1 = 100 * total / len(val)
        print(
            f"learned, orphan penalty {penalty}: R1 {r1:.2f} ({r1 - lead:+.2f}), {orphans} orphans"
        )


def cached_training_matrix(cache: Path, vocab: Any) -> tuple[np.ndarray, np.ndarray]:
    """The shipped recipe's ranker features and targets (``training_matrix``), kept under
    ``cache`` between runs."""
    if not (cache / "x.npy").exists():
        cache.mkdir(parents=True, exist_ok=True)
        cfg = SummarizerTrainConfig()  # the recipe's rows: 15,000 lexicon, then 45,000
        x, y, _ = training_matrix(cfg, VIETNEWS / "train.jsonl.gz", vocab, time.time())
        np.save(cache / "x.npy", x)
        np.save(cache / "y.npy", y)
    return np.load(cache / "x.npy"), np.load(cache / "y.npy")


def trees(args: argparse.Namespace) -> None:
    summ, examples = shipped(), sample()
    vocab = summ.scorer.vocab
    x, y = cached_training_matrix(Path(args.cache), vocab)
    lengths = np.expm1(x[:, FEATURE_NAMES.index("log_length")])
    print("shipped", r1_gain(summ, examples))
    variants: list[tuple[str, dict[str, Any], Callable[[], np.ndarray | None]]] = [
        ("300 trees (the recipe, refitted)", {}, lambda: None),
        ("900 trees, rate 0.05", {"max_iter": 900, "learning_rate": 0.05}, lambda: None),
        (
            "600 trees, 63 leaves, depth 8, rate 0.05",
            {"max_iter": 600, "max_leaf_nodes": 63, "max_depth": 8, "learning_rate": 0.05},
            lambda: None,
        ),  # fmt: skip
        ("300 trees, rows weighted √(sentence length)", {}, lambda: np.sqrt(lengths)),
        ("300 trees, rows weighted by sentence length", {}, lambda: lengths),
    ]
    for name, params, weights in variants:
        t0 = time.time()
        model = HistGradientBoostingRegressor(
            **{
                "max_iter": 300,
                "max_leaf_nodes": 31,
                "max_depth": 6,
                "learning_rate": 0.1,
                **params,
            },  # fmt: skip
            early_stopping=False,
            random_state=0,
        ).fit(x, y, sample_weight=weights())
        refit = Summarizer("ranker.v1", Ranker(vocab, export_trees(model)), summ.config)
        print(name, r1_gain(refit, examples), f"(fit {time.time() - t0:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    experiments = ("diagnose", "length-oracle", "subset-selector", "trees")
    parser.add_argument("experiment", choices=experiments)
    parser.add_argument("--cache", default="/tmp/summary-exp")
    args = parser.parse_args()
    run = {"diagnose": diagnose, "length-oracle": length_oracle,
           "subset-selector": subset_selector, "trees": trees}  # fmt: skip
    run[args.experiment](args)


if __name__ == "__main__":
    main()
