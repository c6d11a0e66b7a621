"""Linear models over the words around a campaign's cues, stored as sparse arrays.

Structure features cannot tell "Tháng hành động phòng, chống ma túy" from one drug arrest, or
the campaign from a ship named after Trường Sa: the surrounding words can. Texts are hashed
(syllable uni- and bi-grams, no vocabulary to store), so a model is just the non-zero weights
and a bias: ``.npz``, no pickles. One *shared* model is trained on every campaign's candidates
(what a campaign report looks like in general, so it helps a campaign with no labels) and one
model per campaign where labels suffice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from tinbai.model.text.vectorize import HashedFeatures, SparseRows

N_FEATURES = 1 << 18
# syllable uni- and bi-grams, as scikit-learn's HashingVectorizer(n_features=N_FEATURES,
# ngram_range=(1, 2), lowercase=False (context_text lower-cases), alternate_sign=False) gives
_HASHER = HashedFeatures(N_FEATURES, ngram_max=2)


def hash_texts(texts: Sequence[str]) -> SparseRows:
    """Sparse (len(texts), N_FEATURES) rows; deterministic (murmurhash). Training hands
    ``.to_scipy()`` of them to scikit-learn."""
    return _HASHER.transform(texts)


@dataclass
class LexicalModel:
    """Logistic regression weights over hashed n-grams (only the non-zero ones are kept)."""

    indices: np.ndarray  # int64, sorted
    values: np.ndarray  # float64
    bias: float

    def logits(self, x: SparseRows | Any) -> np.ndarray:
        """``x``: the hashed rows of :func:`hash_texts` (or, in training, a SciPy CSR matrix
        of them: the same ``indptr`` / ``indices`` / ``data``)."""
        cols = x.indices
        pos = np.minimum(np.searchsorted(self.indices, cols), max(len(self.indices) - 1, 0))
        hit = (self.indices[pos] == cols) if len(self.indices) else np.zeros(len(cols), bool)
        contrib = np.where(hit, x.data * (self.values[pos] if len(self.values) else 0.0), 0.0)
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        return np.bincount(rows, weights=contrib, minlength=x.shape[0]) + self.bias

    @classmethod
    def from_dense(cls, coef: np.ndarray, bias: float) -> LexicalModel:
        idx = np.flatnonzero(coef)
        return cls(idx.astype(np.int64), coef[idx].astype(np.float64), float(bias))

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}.indices": self.indices,
            f"{prefix}.values": self.values,
            f"{prefix}.bias": np.asarray([self.bias]),
        }

    @classmethod
    def from_arrays(cls, arrays, prefix: str) -> LexicalModel:
        return cls(
            np.asarray(arrays[f"{prefix}.indices"], dtype=np.int64),
            np.asarray(arrays[f"{prefix}.values"], dtype=np.float64),
            float(arrays[f"{prefix}.bias"][0]),
        )
