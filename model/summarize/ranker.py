"""``ranker.v1``: a small learned sentence scorer over :mod:`~model.summarize.features`.

Two model forms share one file format: gradient-boosted regression trees
(:class:`TreeEnsemble`, the default recipe) or a small MLP / linear model
(:class:`RankerWeights`). Weights live in ``ranker.npz`` (plain arrays, loaded with
``allow_pickle=False``) and the syllable vocabulary with its IDF and lexical weights in
``vocabulary.json``; nothing is pickled. Trees are evaluated for all sentences and all trees
at once, laid out as complete heaps: three numpy gathers per tree level, so an article costs a
fraction of a millisecond.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tinbai.model.summarize.base import Scorer, register_scorer
from tinbai.model.summarize.features import FEATURE_NAMES, Vocabulary, extract
from tinbai.model.summarize.tokens import ArticleTerms
from tinbai.model.text import Document

WEIGHTS_FILE = "ranker.npz"
VOCABULARY_FILE = "vocabulary.json"


@dataclass
class RankerWeights:
    """Feature standardisation and layers: ``layers[k] = (W, b)``; ReLU between layers."""

    mean: np.ndarray
    scale: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]

    def score(self, features: np.ndarray) -> np.ndarray:
        h = (features - self.mean) / self.scale
        for k, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if k < len(self.layers) - 1:
                np.maximum(h, 0.0, out=h)
        return h[:, 0]

    def save(self, path: Path) -> None:
        arrays = {"mean": self.mean, "scale": self.scale}
        for k, (w, b) in enumerate(self.layers):
            arrays[f"w{k}"], arrays[f"b{k}"] = w, b
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> RankerWeights:
        with np.load(path, allow_pickle=False) as data:
            layers = []
            while f"w{len(layers)}" in data:
                k = len(layers)
                layers.append((data[f"w{k}"].astype(np.float64), data[f"b{k}"].astype(np.float64)))
            return cls(data["mean"].astype(np.float64), data["scale"].astype(np.float64), layers)


@dataclass
class TreeEnsemble:
    """Regression trees as flat node arrays, ``(n_trees, max_nodes)`` each; a leaf points to
    itself, so walking ``depth`` levels lands every row on its leaf. Split rule as
    scikit-learn's histogram GBDT: ``x[feature] <= threshold`` goes left."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    baseline: float
    depth: int

    def __post_init__(self) -> None:
        # The trees re-laid as complete binary heaps of ``depth`` levels, so that a node's
        # children are arithmetic (2h + 1 left, 2h + 2 right) instead of a table lookup. A
        # leaf above the last level fills its subtree with itself: its left and right point
        # to it, so following them from the root, level by level, lands on the node the walk
        # over the flat arrays reaches, and every comparison made on the way is the same.
        n_trees = self.feature.shape[0]
        trees = np.arange(n_trees)[:, None]
        node = np.zeros((n_trees, 1), dtype=np.intp)  # each heap slot's node, one level
        features, thresholds = [], []
        for _ in range(self.depth):
            features.append(self.feature[trees, node])
            thresholds.append(self.threshold[trees, node])
            node = np.stack([self.left[trees, node], self.right[trees, node]], axis=2)
            node = node.reshape(n_trees, -1)
        internal = 2**self.depth - 1  # heap slots per tree above the last level
        # Global slot ids, tree t's slots at t * internal: a child is 2g + 2 - offset - left.
        self._offsets = np.arange(n_trees) * internal
        self._step = 2 - self._offsets
        self._feature = np.hstack([node[:, :0], *features]).astype(np.intp).ravel()
        self._threshold = np.hstack([node[:, :0], *thresholds]).astype(np.float64).ravel()
        roots = self._offsets if self.depth else []  # the first level's slots (none: a leaf)
        self._root_feature = self._feature[roots]
        self._root_threshold = self._threshold[roots]
        self._root_children = self._offsets + 2  # less go_left: a root's child
        self._value = self.value[trees, node].ravel()  # the last level's nodes, all leaves
        # The value of global slot g on the last level is _value[g + _leaf_shift].
        self._leaf_shift = np.arange(n_trees) * (internal + 1) - internal - self._offsets

    def score(self, features: np.ndarray) -> np.ndarray:
        # All sentences × all trees walk one level per step. ``take`` with mode="clip" is
        # numpy's cheapest gather (no per-index error path); every index is in range here.
        n, n_features = features.shape
        flat = np.ascontiguousarray(features, dtype=np.float64).ravel()
        row_base = (np.arange(n) * n_features)[:, None]
        if self.depth:  # level 0: every row is at the roots, read without a gather
            column = self._root_feature + row_base
            go_left = flat.take(column, mode="clip") <= self._root_threshold
            slot = self._root_children - go_left
        else:
            slot = np.broadcast_to(self._offsets, (n, len(self._offsets)))
        for _ in range(1, self.depth):
            column = self._feature.take(slot, mode="clip")
            column += row_base
            go_left = flat.take(column, mode="clip") <= self._threshold.take(slot, mode="clip")
            slot += slot
            slot += self._step
            slot -= go_left
        leaf = self._value.take(slot + self._leaf_shift, mode="clip")
        return leaf.sum(axis=1) + self.baseline

    def save(self, path: Path) -> None:
        np.savez(
            path,
            tree_feature=self.feature,
            tree_threshold=self.threshold,
            tree_left=self.left,
            tree_right=self.right,
            tree_value=self.value,
            baseline=np.array(self.baseline),
            depth=np.array(self.depth),
        )

    @classmethod
    def from_arrays(cls, data: Any) -> TreeEnsemble:
        return cls(
            data["tree_feature"].astype(np.int64),
            data["tree_threshold"].astype(np.float64),
            data["tree_left"].astype(np.int64),
            data["tree_right"].astype(np.int64),
            data["tree_value"].astype(np.float64),
            float(data["baseline"]),
            int(data["depth"]),
        )


def load_model(path: Path) -> RankerWeights | TreeEnsemble:
    from tinbai.model.bundle import read_arrays, read_file

    data = read_arrays(path)
    if "tree_feature" in data:
        return read_file(path, lambda _: TreeEnsemble.from_arrays(data))
    return read_file(path, RankerWeights.load)


def save_vocabulary(vocab: Vocabulary, path: Path) -> None:
    words = sorted(vocab.index, key=vocab.index.__getitem__)
    payload = {
        "default_idf": vocab.default_idf,
        "words": words,
        "idf": [round(float(v), 4) for v in vocab.idf],
        "lexical": [round(float(v), 4) for v in vocab.lexical],
        "first": [round(float(v), 4) for v in vocab.first],
        "default_sapo_rate": vocab.default_sapo_rate,
        "sapo_rate": [
            round(float(v), 4) for v in (vocab.sapo_rate if vocab.sapo_rate is not None else [])
        ],
    }
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def load_vocabulary(path: Path) -> Vocabulary:
    from tinbai.model.bundle import read_file, read_json

    raw = read_json(path)
    return read_file(path, lambda _: _vocabulary(raw))


def _vocabulary(raw: dict[str, Any]) -> Vocabulary:
    return Vocabulary(
        index={w: i for i, w in enumerate(raw["words"])},
        idf=np.array(raw["idf"], dtype=np.float64),
        lexical=np.array(raw["lexical"], dtype=np.float64),
        first=np.array(raw["first"], dtype=np.float64),
        default_idf=float(raw["default_idf"]),
        sapo_rate=np.array(raw.get("sapo_rate") or [0.0] * len(raw["words"]), dtype=np.float64),
        default_sapo_rate=float(raw.get("default_sapo_rate", 0.0)),
    )


class Ranker:
    """Scores a document's sentences with features + weights; the callable a Summarizer uses."""

    def __init__(self, vocab: Vocabulary, weights: RankerWeights | TreeEnsemble) -> None:
        if isinstance(weights, RankerWeights) and weights.mean.shape[0] != len(FEATURE_NAMES):
            raise ValueError(
                f"ranker weights expect {weights.mean.shape[0]} features, "
                f"this tinbai computes {len(FEATURE_NAMES)}"
            )
        self.vocab = vocab
        self.weights = weights

    # The summariser passes the article's ArticleTerms, shared with its selection and
    # redundancy check (see Summarizer.summarize).
    reads_tokens = True

    def __call__(
        self, doc: Document, tokens: ArticleTerms | Sequence[Sequence[str]] | None = None
    ) -> np.ndarray:
        if not doc.sentences:
            return np.zeros(0)
        return self.weights.score(extract(doc, self.vocab, tokens))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.weights.save(directory / WEIGHTS_FILE)
        save_vocabulary(self.vocab, directory / VOCABULARY_FILE)

    @classmethod
    def load(cls, directory: Path) -> Ranker:
        return cls(
            load_vocabulary(directory / VOCABULARY_FILE), load_model(directory / WEIGHTS_FILE)
        )


@register_scorer("ranker.v1", config_keys=("features",))
def _ranker(config: dict[str, Any], directory: Path | None) -> Scorer:
    if directory is None:
        raise ValueError("the ranker.v1 scorer needs its weights directory")
    if config.get("features") and list(config["features"]) != list(FEATURE_NAMES):
        raise ValueError("ranker.v1 weights were trained on a different feature list; retrain")
    return Ranker.load(Path(directory))
