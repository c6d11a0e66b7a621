"""Bag-of-n-gram vectors for the classical models (TF-IDF and hashed), in numpy alone.

Training fits scikit-learn's ``TfidfVectorizer`` and uses its ``HashingVectorizer``; serving
needs only their ``transform``, and carrying scikit-learn and SciPy (~200 MB) into the default
install for that was most of its size. These are the same transforms for the settings the
bundles use, computed in the same order with the same dtypes, so every value is bit-identical
to scikit-learn's (tests/test_vectorize.py): syllable tokens (:data:`TOKEN_PATTERN`) and their
word n-grams, then vocabulary counts with sublinear tf × idf, or MurmurHash3 buckets, then each
row scaled to unit l2 norm. Rows come as :class:`SparseRows` (CSR arrays).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np

TOKEN_PATTERN = r"(?u)\b\w+\b"  # syllables: Vietnamese writes a space between them
TOKEN = re.compile(TOKEN_PATTERN)
# n-grams whose hashed column is remembered (a dict entry is ~150 bytes: ~15 MB); when full
# the memory starts again, so a long-running service stays bounded
HASH_CACHE_SIZE = 100_000
HASH_CACHE_KEY_CHARS = 64  # longer n-grams (degenerate runs) are hashed, never remembered


def word_ngrams(tokens: list[str], n_max: int) -> list[str]:
    """The tokens, then their 2- … ``n_max``-grams joined by one space (scikit-learn's word
    n-grams; the order within the list does not matter to the counts)."""
    grams = list(tokens)
    for n in range(2, n_max + 1):
        grams.extend(map(" ".join, zip(*(tokens[i:] for i in range(n)), strict=False)))
    return grams


@dataclass(frozen=True)
class SparseRows:
    """A sparse matrix in CSR form, laid out as SciPy's ``csr_matrix``: row ``i`` holds
    ``data[indptr[i]:indptr[i + 1]]`` at columns ``indices[…]``, ascending."""

    indptr: np.ndarray  # int64, n_rows + 1
    indices: np.ndarray  # int32
    data: np.ndarray
    n_cols: int

    @property
    def shape(self) -> tuple[int, int]:
        return (len(self.indptr) - 1, self.n_cols)

    def __getitem__(self, row: int) -> SparseRows:
        """Row ``row`` as a one-row matrix (``x[i]``, as SciPy's)."""
        n = self.shape[0]
        if not -n <= row < n:
            raise IndexError(f"row {row} of a {n}-row matrix")
        a, b = self.indptr[row % n], self.indptr[row % n + 1]
        return SparseRows(np.array([0, b - a]), self.indices[a:b], self.data[a:b], self.n_cols)

    def __matmul__(self, dense: np.ndarray) -> np.ndarray:
        """``self @ dense`` for a ``(n_cols,)`` or ``(n_cols, k)`` array. Each row's products
        are added one by one in column order, as SciPy does, so the sums are bit-identical
        (numpy's ``sum`` adds pairwise, which differs in the last digit)."""
        dense = np.asarray(dense)
        if dense.shape[:1] != (self.n_cols,):
            raise ValueError(f"matmul: {self.shape} @ {dense.shape}")
        out = np.zeros((self.shape[0], *dense.shape[1:]), np.result_type(self.data, dense))
        scale = (slice(None),) + (None,) * (dense.ndim - 1)
        for i, (a, b) in enumerate(zip(self.indptr[:-1], self.indptr[1:], strict=True)):
            if a < b:
                products = self.data[a:b][scale] * dense[self.indices[a:b]]
                out[i] = np.cumsum(products, axis=0)[-1]
        return out

    def to_scipy(self) -> Any:
        """The same matrix as a SciPy ``csr_matrix``, for scikit-learn estimators in training."""
        from scipy.sparse import csr_matrix

        return csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


def _rows(per_row: Sequence[tuple[np.ndarray, np.ndarray]], n_cols: int, dtype: type) -> SparseRows:
    """CSR rows from (columns, values) per row; each row's columns end up ascending."""
    lengths = np.fromiter((len(c) for c, _ in per_row), np.int64, len(per_row))
    indptr = np.zeros(len(per_row) + 1, np.int64)
    np.cumsum(lengths, out=indptr[1:])
    cols = np.concatenate([c for c, _ in per_row]) if per_row else np.zeros(0, np.int64)
    vals = np.concatenate([v for _, v in per_row]) if per_row else np.zeros(0, dtype)
    order = np.argsort(np.repeat(np.arange(len(per_row)) * n_cols, lengths) + cols)
    return SparseRows(indptr, cols[order].astype(np.int32), vals[order], n_cols)


def _l2_normalize(x: SparseRows) -> None:
    """Scale each row of ``x`` to unit l2 norm in place, in scikit-learn's order: the squares
    (in the data's dtype) summed one by one into a float64, each value divided in float64."""
    squares = (x.data * x.data).astype(np.float64)
    for a, b in zip(x.indptr[:-1], x.indptr[1:], strict=True):
        if a < b:
            total = np.cumsum(squares[a:b])[-1]
            if total != 0.0:
                x.data[a:b] = x.data[a:b].astype(np.float64) / np.sqrt(total)


class TfidfFeatures:
    """TF-IDF rows over a fixed vocabulary: the ``transform`` of a scikit-learn
    ``TfidfVectorizer(token_pattern=TOKEN_PATTERN, lowercase=False, ngram_range=(1, ngram_max),
    sublinear_tf=True, norm="l2", dtype=np.float32)`` with this vocabulary and idf."""

    def __init__(self, vocabulary: Mapping[str, int], idf: np.ndarray, ngram_max: int) -> None:
        if len(vocabulary) != len(idf):
            raise ValueError(f"{len(vocabulary)} terms but {len(idf)} idf weights")
        self.vocabulary = dict(vocabulary)
        self.idf = np.asarray(idf, dtype=np.float64)
        self.ngram_max = int(ngram_max)

    @classmethod
    def from_fitted(cls, vectorizer: Any) -> TfidfFeatures:
        """The transform of a fitted ``TfidfVectorizer`` with the settings above; any other
        setting is refused rather than approximated."""
        expected = {
            "input": "content",
            "analyzer": "word",
            "token_pattern": TOKEN_PATTERN,
            "lowercase": False,
            "preprocessor": None,
            "tokenizer": None,
            "strip_accents": None,
            "stop_words": None,
            "binary": False,
            "use_idf": True,
            "sublinear_tf": True,
            "norm": "l2",
            "dtype": np.float32,
        }
        params = vectorizer.get_params()
        wrong = {k: params[k] for k, v in expected.items() if params[k] != v}
        if params["ngram_range"][0] != 1:
            wrong["ngram_range"] = params["ngram_range"]
        if wrong:
            raise ValueError(f"TfidfVectorizer settings TfidfFeatures does not reproduce: {wrong}")
        return cls(vectorizer.vocabulary_, vectorizer.idf_, params["ngram_range"][1])

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """One float32 row per text; n-grams outside the vocabulary are left out."""
        lookup = self.vocabulary.get
        per_row = []
        for text in texts:
            counted = Counter(word_ngrams(TOKEN.findall(text), self.ngram_max))
            cols = np.fromiter(map(lookup, counted, repeat(-1)), np.int64, len(counted))
            tf = np.fromiter(counted.values(), np.float32, len(counted))
            known = cols >= 0
            per_row.append((cols[known], tf[known]))
        x = _rows(per_row, len(self.idf), np.float32)
        tf = x.data  # scikit-learn's steps on the same float32 array, in place
        np.log(tf, out=tf)  # sublinear tf: 1 + log(count)
        tf += 1.0
        tf *= self.idf[x.indices]
        _l2_normalize(x)
        return x


def murmurhash3_32(keys: Sequence[bytes], seed: int = 0) -> np.ndarray:
    """MurmurHash3_x86_32 of each key as a signed int32 (scikit-learn's
    ``murmurhash3_32(key, seed)``), computed for many keys at once, one 4-byte block at a
    time. Keys go in chunks padded to the chunk's own longest key (longest first), so one very
    long key costs its own length, not its length times the number of keys."""
    n = len(keys)
    lengths = np.fromiter(map(len, keys), np.int64, n)
    order = np.argsort(-lengths, kind="stable")  # longest first: block j concerns a prefix
    out = np.empty(n, np.uint32)
    start = 0
    while start < n:
        width = max(-(-int(lengths[order[start]]) // 4), 1) * 4
        stop = min(n, start + max(1, _HASH_CHUNK_BYTES // width))
        chunk = order[start:stop]
        out[chunk] = _murmur_sorted([keys[i] for i in chunk], lengths[chunk], width, seed)
        start = stop
    return out.view(np.int32)


_HASH_CHUNK_BYTES = 1 << 22  # the padded key buffer of one chunk (4 MiB)


def _murmur_sorted(keys: list[bytes], lengths: np.ndarray, width: int, seed: int) -> np.ndarray:
    """The hashes of keys sorted longest first, ``width`` bytes (a multiple of 4) each."""
    n = len(keys)
    buf = np.zeros((n, width), np.uint8)
    flat = np.frombuffer(b"".join(keys), np.uint8)
    starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
    buf[np.repeat(np.arange(n), lengths), np.arange(flat.size) - starts] = flat
    blocks = buf.view("<u4")

    def rotl(x: np.ndarray, r: int) -> np.ndarray:
        return (x << np.uint32(r)) | (x >> np.uint32(32 - r))

    h = np.full(n, seed, np.uint32)
    for j in range(width // 4):
        whole = int(np.count_nonzero(lengths >= 4 * j + 4))  # keys with a full block j
        begun = int(np.count_nonzero(lengths > 4 * j))  # … and those ending inside it
        k = rotl(blocks[:begun, j] * np.uint32(0xCC9E2D51), 15) * np.uint32(0x1B873593)
        h[:whole] = rotl(h[:whole] ^ k[:whole], 13) * np.uint32(5) + np.uint32(0xE6546B64)
        h[whole:begun] ^= k[whole:]
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    return h


class HashedFeatures:
    """Hashed n-gram counts: the ``transform`` of a scikit-learn ``HashingVectorizer(n_features,
    ngram_range=(1, ngram_max), token_pattern=TOKEN_PATTERN, lowercase=False,
    alternate_sign=False, norm="l2", dtype=np.float64)``. Each n-gram's column is remembered
    (up to :data:`HASH_CACHE_SIZE` of them), so a common one is hashed once."""

    def __init__(self, n_features: int, ngram_max: int) -> None:
        self.n_features = int(n_features)
        self.ngram_max = int(ngram_max)
        self._columns: dict[str, int] = {}

    def _remember(self, found: dict[str, int]) -> None:
        """Keep new columns for the next call: at most HASH_CACHE_SIZE entries in all (the
        cache is emptied when full), and no n-gram longer than HASH_CACHE_KEY_CHARS."""
        cache = self._columns
        keep = [(g, j) for g, j in found.items() if len(g) <= HASH_CACHE_KEY_CHARS]
        if len(cache) + len(keep) > HASH_CACHE_SIZE:
            cache.clear()
        cache.update(keep[:HASH_CACHE_SIZE])

    def columns(self, grams: Sequence[str]) -> np.ndarray:
        """Each n-gram's column: ``|murmurhash3_32(utf-8)| mod n_features``."""
        h = murmurhash3_32([g.encode("utf-8") for g in grams]).astype(np.int64)
        return np.abs(h) % self.n_features  # |-2**31| fits in int64, as scikit-learn intends

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """One float64 row per text; n-grams that share a column add up."""
        counted = [Counter(word_ngrams(TOKEN.findall(t), self.ngram_max)) for t in texts]
        cache = self._columns
        lookup = {g: cache.get(g) for c in counted for g in c}
        new = [g for g, j in lookup.items() if j is None]
        if new:
            found = dict(zip(new, self.columns(new).tolist(), strict=True))
            lookup.update(found)
            self._remember(found)
        keys = np.fromiter(
            (i * self.n_features + lookup[g] for i, c in enumerate(counted) for g in c), np.int64
        )
        counts = np.fromiter((n for c in counted for n in c.values()), np.float64, len(keys))
        cells, where = np.unique(keys, return_inverse=True)  # sorted: by row, then column
        rows = cells // self.n_features
        indptr = np.zeros(len(texts) + 1, np.int64)
        np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
        data = np.bincount(where, weights=counts, minlength=len(cells))  # integers: exact
        x = SparseRows(indptr, (cells % self.n_features).astype(np.int32), data, self.n_features)
        _l2_normalize(x)
        return x
