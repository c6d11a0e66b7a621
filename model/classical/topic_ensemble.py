"""``lr-lm-ensemble.v1``: TF-IDF logistic regression + per-class n-gram LMs, stacked.

Two views of the article with different errors: the discriminative TF-IDF model
(``tfidf-linear.v1``'s recipe) and one Kneser–Ney syllable n-gram language model per topic
(``tinbai.model.classical.ngram_lm``). Their scores are combined as

    z_c = a_lr · lr_c(x) + a_lm · (log P(x | c) / n_tokens^γ) + b_c,   p = softmax(z)

with ``a``, ``γ`` and ``b`` fitted by log-loss on cross-validated training predictions, so the
combination is also the calibration (an LM's raw posterior, a product over hundreds of
tokens, is almost always 0 or 1). Everything is stored as JSON and ``.npz``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tinbai.model.classical.ngram_lm import NgramLM
from tinbai.model.classical.topic import TopicClassifier, topic_text
from tinbai.model.tagging import softmax
from tinbai.model.text import Document
from tinbai.model.text.vectorize import TOKEN  # the syllables TopicClassifier reads

META = "topic.json"
LM_VOCAB = "topic_lm_vocab.txt"
LM_WEIGHTS = "topic_lm.npz"


class SyllableIds:
    """Syllable → integer id for the LM; unknown syllables map to ``len(vocab)``."""

    def __init__(self, vocab: list[str]) -> None:
        self.vocab = vocab
        self.index = {w: i for i, w in enumerate(vocab)}

    def __call__(self, text: str) -> np.ndarray:
        get, unk = self.index.get, len(self.vocab)
        return np.fromiter((get(w, unk) for w in TOKEN.findall(text)), dtype=np.int64)


def combine(
    lr_scores: np.ndarray, lm_scores: np.ndarray, lengths: np.ndarray, stack: dict[str, Any]
) -> np.ndarray:
    """The stacked logits (see the module docstring)."""
    norm = np.maximum(lengths, 1.0)[:, None] ** float(stack["gamma"])
    lm = lm_scores - lm_scores.max(axis=1, keepdims=True)  # shift-invariant; keeps floats small
    return (
        float(stack["a_lr"]) * lr_scores
        + float(stack["a_lm"]) * lm / norm
        + np.asarray(stack["bias"], dtype=np.float64)
    )


class EnsembleTopicClassifier:
    """Topic probabilities from TF-IDF LR and per-class n-gram LMs (``predict_docs``)."""

    version = "lr-lm-ensemble.v1"

    def __init__(
        self,
        lr: TopicClassifier,
        lm: NgramLM,
        syllables: SyllableIds,
        stack: dict[str, Any],
        params: dict[str, Any],
    ) -> None:
        self.lr = lr
        self.labels = lr.labels
        self.lm = lm
        self.syllables = syllables
        self.stack = stack
        self.params = params

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The members' raw scores: LR logits, LM log-likelihoods, token counts."""
        lm_scores, lengths = self.lm.doc_logprobs([self.syllables(t) for t in texts])
        return self.lr.decision(texts), lm_scores, lengths

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return softmax(combine(*self.scores(texts), self.stack))

    def predict_docs(self, docs: Sequence[Document]) -> np.ndarray:
        """Topic probabilities for prepared documents (rows follow ``self.labels``)."""
        weight = int(self.params.get("title_weight", 1))
        return self.predict_proba([topic_text(d, weight) for d in docs])

    def to_config(self) -> dict[str, Any]:
        """Label order, parameters of the recipe and its LR member, the LMs' shape and the
        stacking weights: all but the arrays, which are files."""
        return {
            "labels": list(self.labels),
            "params": dict(self.params),
            "lr_params": dict(self.lr.params),
            "lm": self.lm.config(),
            "stack": self.stack,
        }

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.lr.save(directory)  # topic_vocab.txt, topic_weights.npz (+ a topic.json we replace)
        meta = {"version": self.version, **self.to_config()}
        (directory / META).write_text(
            json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (directory / LM_VOCAB).write_text(
            "".join(w + "\n" for w in self.syllables.vocab), encoding="utf-8"
        )
        np.savez_compressed(directory / LM_WEIGHTS, **self.lm.arrays())

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any] | None = None) -> EnsembleTopicClassifier:
        """Load with ``config`` (:meth:`to_config`), else with ``topic.json``'s."""
        from tinbai.model.manifest import read_arrays, read_json, read_text

        meta = read_json(directory / META)
        if meta.get("version") != cls.version:
            raise ValueError(f"unsupported topic classifier {meta.get('version')!r}")
        meta = config if config is not None else meta
        lr = TopicClassifier.load(
            directory, config={"labels": meta["labels"], "params": meta["lr_params"]}
        )
        vocab = read_text(directory / LM_VOCAB).split("\n")[:-1]
        lm = NgramLM.from_arrays(meta["lm"], read_arrays(directory / LM_WEIGHTS))
        return cls(lr, lm, SyllableIds(vocab), meta["stack"], meta["params"])


def load_topic_component(directory: Path) -> TopicClassifier | EnsembleTopicClassifier:
    """Load whichever topic component a folder holds, by the version in ``topic.json``,
    through ``registry.topic_models`` (a bundle's loader follows its ``components`` map)."""
    from tinbai.model.manifest import read_json
    from tinbai.model.registry import topic_models

    version = read_json(directory / META).get("version")
    if version not in topic_models:
        raise ValueError(
            f"unsupported topic classifier {version!r} (known: {sorted(topic_models)})"
        )
    return topic_models[version].load(directory)
