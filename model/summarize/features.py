"""Sentence features for the learned ranker: cheap, dense, computed per article.

What makes a Vietnamese news sentence belong to the lead (sapo) paragraph, in the order the
ranker's weights expect them (:data:`FEATURE_NAMES`):

* position, in several encodings (one-hot for the first sentences, relative, reciprocal) and
  the article's length — the lead bias that makes Lead-3 strong;
* length (log and bins): ROUGE F1 against a ~40-syllable reference rewards mid-length
  sentences;
* similarity to the title (syllable and bigram overlap, TF-IDF cosine) and to the rest of the
  article (TF-IDF centrality, as in LexRank), and to the first sentence;
* surface cues: numbers and dates, capitalised (named-entity-like) syllables, quotes, colons,
  questions, parentheses;
* lexical cues: a learned weight per vocabulary syllable (mean over the sentence) and for the
  sentence's first syllable ("Theo", "Ngày", "Ông"…), read from the ranker's vocabulary.

Everything is numpy on a few hundred tokens, so an article costs well under a millisecond.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from tinbai.model.summarize.rouge import SYLLABLE
from tinbai.model.summarize.tokens import ArticleTerms
from tinbai.model.text import Document

MAX_POSITION = 8  # one-hot positions 0..7, then "8 or later"
LENGTH_BINS = (8, 15, 25, 35, 50, 70)  # syllables; bins are [0,8), [8,15) … [70, ∞)
_LENGTH_EDGES = np.array(LENGTH_BINS)
_DATE = re.compile(r"\b\d{1,2}/\d{1,2}\b|\bngày \d|\btháng \d|\bnăm (?:19|20)\d\d\b", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_UPPER = "".join(c for c in map(chr, range(0x41, 0x1F00)) if c.isupper() and c.isalpha())
# A syllable that starts with a capital letter (a name, a place, an acronym): a capital not
# preceded by a letter or digit. The look-behind comes after the capital (and spans it), so
# the regex engine can skip ahead to the next capital instead of testing every position.
_CAPITALISED = re.compile(rf"[{_UPPER}](?<![^\W_].)")


def _starts_upper(text: str) -> int:
    """Does ``text``'s first syllable start with a capital? A sentence that opens with a
    letter or digit opens with its first syllable, so the regex reads only the others."""
    if text[:1].isalnum():
        return int(text[0].isupper())
    m = SYLLABLE.search(text)
    return int(m is not None and m.group()[0].isupper())


FEATURE_NAMES: tuple[str, ...] = (
    *(f"pos_{i}" for i in range(MAX_POSITION)),
    f"pos_{MAX_POSITION}+",
    "pos_relative",
    "pos_reciprocal",
    "pos_from_end_reciprocal",
    "log_n_sentences",
    "short_article",
    "log_length",
    *(f"len_bin_{i}" for i in range(len(LENGTH_BINS) + 1)),
    "length_rank",
    "title_recall",
    "title_precision",
    "title_bigram_recall",
    "title_cosine",
    "title_cosine_rank",
    "centrality",
    "centrality_rank",
    "mean_similarity",
    "first_sentence_cosine",
    "max_previous_cosine",
    "mean_idf",
    "numbers",
    "has_date",
    "capitalised_ratio",
    "capitalised_count",
    "has_quote",
    "starts_with_quote",
    "has_colon",
    "is_question",
    "has_parenthesis",
    "lexical_mean",
    "first_token_weight",
    "sapo_rate_mean",
    "article_frequency",
)
N_BASE_FEATURES = len(FEATURE_NAMES)
# Features compared with the rest of the same article: a sentence is picked against its
# neighbours, so "the most title-like sentence of this article" matters more than an absolute.
RELATIVE_TO = (
    "log_length",
    "title_recall",
    "title_precision",
    "title_bigram_recall",
    "title_cosine",
    "centrality",
    "mean_similarity",
    "first_sentence_cosine",
    "mean_idf",
    "numbers",
    "capitalised_count",
    "lexical_mean",
    "first_token_weight",
    "sapo_rate_mean",
    "article_frequency",
)
_RELATIVE_COLUMNS = np.array([FEATURE_NAMES.index(name) for name in RELATIVE_TO])
FEATURE_NAMES = (
    *FEATURE_NAMES,
    *(f"{name}_minus_max" for name in RELATIVE_TO),
    *(f"{name}_minus_mean" for name in RELATIVE_TO),
)
N_FEATURES = len(FEATURE_NAMES)


def add_relative(base: np.ndarray) -> np.ndarray:
    """Append each :data:`RELATIVE_TO` feature minus its article maximum and minus its
    article mean to the ``(n, N_BASE_FEATURES)`` matrix of one article."""
    sub = base[:, _RELATIVE_COLUMNS]
    # The reductions ndarray.max / .mean call, without their Python-level argument handling.
    mean = np.add.reduce(sub, axis=0) / len(sub)
    return np.hstack([base, sub - np.maximum.reduce(sub, axis=0), sub - mean])


@dataclass
class Vocabulary:
    """Syllable → (idf, lexical weight, first-token weight); out-of-vocabulary syllables get
    ``default_idf`` and zero weights."""

    index: dict[str, int]
    idf: np.ndarray
    lexical: np.ndarray
    first: np.ndarray
    default_idf: float
    sapo_rate: np.ndarray | None = None  # P(syllable in the lead | in the body), smoothed
    default_sapo_rate: float = 0.0
    # name → (the table, its default, the table with the default appended), built on first use
    _padded: dict[str, tuple[np.ndarray | None, float, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def empty(cls) -> Vocabulary:
        return cls({}, np.zeros(0), np.zeros(0), np.zeros(0), 1.0, np.zeros(0), 0.0)

    def lookup(self, name: str, ids: np.ndarray) -> np.ndarray:
        """Table ``name``'s value for each vocabulary index of ``ids``, and its default —
        ``default_idf``, ``default_sapo_rate``, else 0 — where the index is -1
        (out of vocabulary): one gather from the table with the default appended, which index
        -1 reads. The padded copy is made once per table (tables are not changed in place)."""
        table = getattr(self, name)
        default = {"idf": self.default_idf, "sapo_rate": self.default_sapo_rate}.get(name, 0.0)
        cached = self._padded.get(name)
        if cached is None or cached[0] is not table or cached[1] != default:
            values = np.zeros(len(self.index)) if table is None else table
            padded = np.append(np.asarray(values, dtype=np.float64), np.float64(default))
            cached = self._padded[name] = (table, default, padded)
        return cached[2][ids]


def _rank(values: np.ndarray) -> np.ndarray:
    """Descending rank scaled to [0, 1] (0 = largest); a one-sentence article gets 0."""
    n = len(values)
    if n <= 1:
        return np.zeros(n)
    order = np.argsort(-values, kind="stable")
    ranks = np.empty(n)
    ranks[order] = _rank_steps(n)
    return ranks


@lru_cache(maxsize=128)
def _rank_steps(n: int) -> np.ndarray:
    """0, 1/(n - 1), …, 1: the ranks of an ``n``-sentence article, scaled (read-only)."""
    out = np.arange(n) / (n - 1)
    out.flags.writeable = False
    return out


@lru_cache(maxsize=128)
def _below_diagonal(n: int) -> np.ndarray:
    """The ``(n, n)`` mask ``np.tril(m, k=-1)`` keeps (read-only)."""
    out = np.tri(n, n, k=-1, dtype=bool)
    out.flags.writeable = False
    return out


def _unit_rows(m: np.ndarray) -> np.ndarray:
    # np.linalg.norm(m, axis=1, keepdims=True) computes exactly this, after argument checks
    # that cost more than the sum on an article's few hundred terms.
    norms = np.sqrt(np.add.reduce(m * m, axis=1, keepdims=True))
    return m / np.where(norms == 0, 1.0, norms)


@dataclass
class _Terms:
    """Per-article work shared by the feature groups: a local vocabulary over the sentences
    and the title (first-appearance order), its term counts (``tf``, title in the last row)
    and unit TF-IDF rows."""

    tokens: list[Sequence[str]]
    title: list[str]
    first_term: np.ndarray  # local id of each sentence's first syllable (-1: none)
    ids: np.ndarray  # vocabulary index of each local term (-1: out of vocabulary)
    tf: np.ndarray
    idf: np.ndarray
    sent_vecs: np.ndarray
    title_vec: np.ndarray
    lengths: np.ndarray
    safe_lengths: np.ndarray

    @property
    def n(self) -> int:
        return len(self.tokens)


def _terms(vocab: Vocabulary, article: ArticleTerms) -> _Terms:
    n, sizes = len(article.syllables), article.sizes
    local, tf = article.local, article.counts
    if local:
        ids = np.fromiter(map(vocab.index.get, local, itertools.repeat(-1)), np.int64, len(local))
        idf = vocab.lookup("idf", ids)
    else:
        ids, idf = np.full(1, -1), np.zeros(1)
    lengths = np.array(sizes, dtype=float)
    first_term = np.array([local[t[0]] if t else -1 for t in article.syllables], dtype=np.int64)
    tfidf = _unit_rows(tf * idf)
    return _Terms(
        article.syllables,
        article.title,
        first_term,
        ids,
        tf,
        idf,
        tfidf[:n],
        tfidf[n],
        lengths,
        np.maximum(lengths, 1.0),
    )


# One feature group's columns, each of n values (arrays or lists), in FEATURE_NAMES order:
# ``extract`` copies all of an article's columns into its matrix at once (a column_stack per
# group and an hstack of the groups cost about three times as much).
Columns = list[np.ndarray | list[float]]


@lru_cache(maxsize=128)
def _position_features(n: int) -> np.ndarray:
    """One-hot first positions, relative and reciprocal position, article length, one row
    per feature. They depend on ``n`` alone, so they are computed once per article length
    (read-only)."""
    pos = np.arange(n)
    onehot = np.zeros((n, MAX_POSITION + 1))
    onehot[pos, np.minimum(pos, MAX_POSITION)] = 1.0
    columns = [pos / max(n - 1, 1), 1.0 / (pos + 1), 1.0 / (n - pos)]
    columns += [np.full(n, math.log(n)), np.full(n, float(n <= 3))]
    out = np.column_stack([onehot, *columns]).T
    out.flags.writeable = False
    return out


def _length_features(lengths: np.ndarray) -> Columns:
    """Log length, length bins (one-hot) and length rank within the article."""
    n = len(lengths)
    bins = np.zeros((n, len(LENGTH_BINS) + 1))
    bins[np.arange(n), np.searchsorted(_LENGTH_EDGES, lengths, side="right")] = 1.0
    return [np.log1p(lengths), *bins.T, _rank(lengths)]


def _title_features(terms: _Terms) -> Columns:
    """Syllable recall and precision, bigram recall and TF-IDF cosine against the title."""
    n, tf, title = terms.n, terms.tf, terms.title
    in_title = (tf[n] > 0).astype(np.float64)
    recall = (tf[:n] > 0) @ in_title / max(in_title.sum(), 1.0)
    precision = tf[:n] @ in_title / terms.safe_lengths
    title_bigrams = set(zip(title, title[1:], strict=False))
    bigram_recall = np.zeros(n)
    if title_bigrams:
        for i, t in enumerate(terms.tokens):
            common = title_bigrams.intersection(zip(t, t[1:], strict=False))
            bigram_recall[i] = len(common) / len(title_bigrams)
    title_cos = terms.sent_vecs @ terms.title_vec
    return [recall, precision, bigram_recall, title_cos, _rank(title_cos)]


def _similarity_features(terms: _Terms, vocab: Vocabulary) -> Columns:
    """Centrality (LexRank-like), mean similarity, similarity to the first and to earlier
    sentences, and mean IDF."""
    n, vecs = terms.n, terms.sent_vecs
    sims = vecs @ vecs.T
    np.fill_diagonal(sims, 0.0)
    others = vecs.sum(axis=0, keepdims=True) - vecs  # the rest of the article
    centrality = np.einsum("ij,ij->i", vecs, _unit_rows(others))
    previous = np.where(_below_diagonal(n), sims, 0.0).max(axis=1) if n > 1 else np.zeros(n)
    mean_idf = (terms.tf[:n] @ terms.idf) / terms.safe_lengths / max(vocab.default_idf, 1e-9)
    return [
        centrality,
        _rank(centrality),
        sims.sum(axis=1) / max(n - 1, 1),
        sims[:, 0],
        previous,
        mean_idf,
    ]


def _surface_features(article: ArticleTerms, lengths: np.ndarray) -> Columns:
    """Numbers, dates, capitalised syllables, quotes, colons, questions, parentheses. Dates
    are looked for only in sentences with a number (every date pattern needs a digit)."""
    texts = [s.text for s in article.doc.sentences]
    numbers = _numbers(texts, article.syllables)
    dates = [
        float(bool(k) and _has_date(t, low))
        for k, t, low in zip(numbers.tolist(), texts, article.lowered, strict=True)
    ]
    caps = np.maximum(_per_sentence(_CAPITALISED, texts) - [_starts_upper(t) for t in texts], 0)
    return [
        np.log1p(numbers),
        dates,
        caps / np.maximum(lengths - 1, 1.0),
        np.log1p(caps),
        [1.0 if '"' in t or "“" in t or "”" in t else 0.0 for t in texts],
        [1.0 if t[:1] in '"“-–—' else 0.0 for t in texts],
        [1.0 if ":" in t else 0.0 for t in texts],
        [1.0 if t.rstrip('"”’) ').endswith("?") else 0.0 for t in texts],
        [1.0 if "(" in t else 0.0 for t in texts],
    ]


def _has_date(text: str, lower: str | None = None) -> bool:
    """Does ``text`` (``lower``: the same lower-cased, when the caller has it) hold a date?"""
    lower = text.lower() if lower is None else lower
    # Every _DATE alternative needs one of these in the lower-cased text: a cheap test first.
    hinted = "/" in lower or "ngày " in lower or "tháng " in lower or "năm " in lower
    return hinted and _DATE.search(text) is not None


def _numbers(texts: list[str], syllables: Sequence[Sequence[str]]) -> np.ndarray:
    """Matches of :data:`_NUMBER` in each of ``texts``. A sentence whose syllables are all
    letters holds no digit (a digit is alphanumeric, so it is in some syllable), and about
    half of news sentences have none: the regex scan, the costliest surface test, is skipped
    for them."""
    return np.array(
        [
            0 if "".join(syl).isalpha() else len(_NUMBER.findall(t))
            for t, syl in zip(texts, syllables, strict=True)
        ],
        dtype=np.int64,
    )


def _per_sentence(pattern: re.Pattern[str], texts: list[str]) -> np.ndarray:
    """Matches of ``pattern`` in each of ``texts``. One ``findall`` a sentence costs less
    than one pass over the joined body with each match's offset mapped back (a match object
    per number or capital)."""
    return np.array([len(pattern.findall(t)) for t in texts], dtype=np.int64)


def _lexical_features(terms: _Terms, vocab: Vocabulary) -> Columns:
    """Learned syllable weights (mean, first syllable), lead rate, and how many other
    sentences repeat each syllable (SumBasic-like salience)."""
    n, tf, ids = terms.n, terms.tf[: terms.n], terms.ids
    lex = vocab.lookup("lexical", ids)
    rate = vocab.lookup("sapo_rate", ids)
    first = terms.first_term
    first_ids = np.where(first >= 0, ids[np.maximum(first, 0)], -1)
    # Σₜ tf·(other sentences with t) = tf·(sentences with t) − Σₜ tf: sums of whole numbers,
    # exact in float64 whatever the order, so one product instead of an (n, terms) one.
    with_term = (tf > 0).sum(axis=0).astype(np.float64)
    repeated = tf @ with_term - terms.lengths
    return [
        (tf @ lex) / terms.safe_lengths,
        vocab.lookup("first", first_ids),
        (tf @ rate) / terms.safe_lengths,
        repeated / terms.safe_lengths / max(n - 1, 1),
    ]


def extract(
    doc: Document,
    vocab: Vocabulary,
    tokens: ArticleTerms | Sequence[Sequence[str]] | None = None,
) -> np.ndarray:
    """The ``(n_sentences, N_FEATURES)`` feature matrix of ``doc``'s body sentences, one
    block per feature group in :data:`FEATURE_NAMES` order. ``tokens``: the article's
    :class:`~model.summarize.tokens.ArticleTerms`, or its sentences' syllables, when the
    caller has them already."""
    if not doc.sentences:
        return np.zeros((0, N_FEATURES))
    article = tokens if isinstance(tokens, ArticleTerms) else ArticleTerms(doc, tokens)
    terms = _terms(vocab, article)
    lexical = _lexical_features(terms, vocab)
    columns = [
        *_position_features(terms.n),
        *_length_features(terms.lengths),
        *_title_features(terms),
        *_similarity_features(terms, vocab),
        *_surface_features(article, terms.lengths),
        *lexical,
    ]
    assert len(columns) == N_BASE_FEATURES
    # One copy into feature-major rows, then one into the (sentences, features) matrix,
    # row-major as the per-article statistics of add_relative read it.
    return add_relative(np.ascontiguousarray(np.array(columns, dtype=np.float64).T))
