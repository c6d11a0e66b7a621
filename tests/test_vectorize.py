"""The numpy transforms serving uses equal scikit-learn's, value for value (not approximately):
the topic model's TF-IDF rows and their product with its weights, the campaign models' hashed
rows, MurmurHash3 itself, and the SciPy matrices training hands to scikit-learn."""

from __future__ import annotations

import random

import numpy as np
import pytest
from tinbai.model.campaigns.lexical import N_FEATURES, hash_texts
from tinbai.model.classical.topic import TopicClassifier, make_vectorizer, topic_text
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.model.text import prepare
from tinbai.model.text import vectorize as vec

from tests.conftest import SEED_ARTICLE

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")

SYLLABLES = (
    "một hai người việt nam hà nội thành phố hồ chí minh đảng nhà nước chính phủ kinh tế xã "
    "hội ngày tháng năm của và các những được trong cho với đã có là không Bộ Công An UBND "
    "tỉnh huyện 2024 10% covid_19 ĐBSCL ủy ban nhân dân nghị quyết triển khai nghiêng"
).split()


def texts(seed: int, n: int) -> list[str]:
    """Vietnamese-like texts: repeated syllables (counts above one), punctuation, upper case,
    digits, a long run of word characters (several hash blocks), no tokens, nothing."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = [
            rng.choice(SYLLABLES) + rng.choice(["", "", "", ",", ".", "!", "\n", "…"])
            for _ in range(rng.randint(0, 600))
        ]
        out.append(" ".join(words))
    return [*out, "", "!!! … ?", "x" * 101, "đ" * 37]


def assert_same_csr(ours: vec.SparseRows, theirs) -> None:
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours.indptr, theirs.indptr)
    np.testing.assert_array_equal(ours.indices, theirs.indices)
    assert ours.data.dtype == theirs.dtype
    np.testing.assert_array_equal(ours.data, theirs.data)  # exact, not allclose


def hash_texts_scipy(docs: list[str]):
    """scikit-learn's hashed rows for the settings the lexical campaign models use."""
    return sklearn_text.HashingVectorizer(
        n_features=N_FEATURES,
        ngram_range=(1, 2),
        token_pattern=vec.TOKEN_PATTERN,
        lowercase=False,
        alternate_sign=False,
        norm="l2",
        dtype=np.float64,
    ).transform(docs)


def test_tfidf_rows_and_their_product_equal_scikit_learns() -> None:
    docs = texts(0, 120)
    fitted = make_vectorizer({"ngram_max": 2, "min_df": 2, "max_df": 0.9}).fit(docs[:80])
    ours = vec.TfidfFeatures.from_fitted(fitted)
    x, expected = ours.transform(docs), fitted.transform(docs)
    assert_same_csr(x, expected)
    assert max(np.diff(x.indptr)) > 200  # long rows: pairwise and one-by-one sums would differ
    coef = np.random.default_rng(0).normal(size=(x.shape[1], 10)).astype(np.float32)
    np.testing.assert_array_equal(x @ coef, np.asarray(expected @ coef))
    weights = np.random.default_rng(1).normal(size=x.shape[1])
    np.testing.assert_array_equal(x @ weights, np.asarray(expected @ weights).ravel())


def test_trigram_vocabulary_and_settings_it_cannot_reproduce() -> None:
    docs = texts(1, 40)
    fitted = make_vectorizer({"ngram_max": 3, "min_df": 1, "max_df": 1.0}).fit(docs)
    assert_same_csr(vec.TfidfFeatures.from_fitted(fitted).transform(docs), fitted.transform(docs))
    lowered = sklearn_text.TfidfVectorizer(lowercase=True, sublinear_tf=True).fit(docs)
    with pytest.raises(ValueError, match="lowercase"):
        vec.TfidfFeatures.from_fitted(lowered)


def test_the_shipped_topic_model_decides_as_through_scikit_learn() -> None:
    clf = TopicClassifier.load(DEFAULT_BUNDLE_DIR)
    seed = SEED_ARTICLE.read_text(encoding="utf-8")
    docs = [topic_text(prepare(seed), 2), *(t.lower() for t in texts(2, 8))]
    old = make_vectorizer(clf.params, clf.vectorizer.vocabulary)
    old.idf_ = clf.vectorizer.idf
    expected = np.asarray(old.transform(docs) @ clf.coef) + clf.intercept
    np.testing.assert_array_equal(clf.decision(docs), expected)


def test_hashed_rows_equal_scikit_learns_and_training_gets_the_same_scipy_matrix() -> None:
    docs = [t.lower() for t in texts(3, 60)]
    expected = hash_texts_scipy(docs)
    assert_same_csr(hash_texts(docs), expected)
    assert_same_csr(hash_texts(docs), expected)  # the second time from the column cache
    scipy = hash_texts(docs).to_scipy()
    assert type(scipy) is type(expected) and scipy.indices.dtype == expected.indices.dtype
    assert (scipy != expected).nnz == 0


def test_n_grams_sharing_a_column_add_up() -> None:
    tiny = vec.HashedFeatures(n_features=3, ngram_max=1)  # 5 syllables into 3 columns
    x = tiny.transform(["a b c d e a"])
    counts = np.bincount(tiny.columns(["a", "b", "c", "d", "e", "a"]), minlength=3)
    np.testing.assert_array_equal(x.indices, np.flatnonzero(counts))
    np.testing.assert_allclose(x.data, counts[counts > 0] / np.linalg.norm(counts))


def test_murmurhash3_equals_scikit_learns() -> None:
    from sklearn.utils import murmurhash3_32

    rng = random.Random(4)
    alphabet = "aăâbcdđeêghiklmnoôơpqrstuưvxy ờộữ_0123456789"
    keys = [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 41))).encode()
        for _ in range(3000)
    ]
    expected = np.array([murmurhash3_32(k) for k in keys], dtype=np.int32)
    np.testing.assert_array_equal(vec.murmurhash3_32(keys), expected)
    assert vec.murmurhash3_32([b"x"], seed=7)[0] == murmurhash3_32(b"x", seed=7)
    assert vec.murmurhash3_32([]).shape == (0,)


def test_the_column_cache_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vec, "HASH_CACHE_SIZE", 50)
    hasher = vec.HashedFeatures(N_FEATURES, ngram_max=2)
    docs = [t.lower() for t in texts(5, 20)]
    first = []
    for d in docs:
        first.append(hasher.transform([d]))
        assert 0 < len(hasher._columns) <= 50  # after every call, not only the last
    big = hasher.transform(docs)  # one batch with far more new n-grams than the limit
    assert len(hasher._columns) <= 50
    assert_same_csr(big, hash_texts_scipy(docs))
    for d, x in zip(docs, first, strict=True):
        assert_same_csr(hasher.transform([d]), x.to_scipy())
    long = "đ" * (vec.HASH_CACHE_KEY_CHARS + 1)
    hasher.transform([long])
    assert long not in hasher._columns


def test_a_very_long_token_costs_its_own_length_not_times_the_batch() -> None:
    """One 50k-letter run beside thousands of distinct words: the padded hashing buffer used
    to be (keys × longest key), ~150 MB here; now chunks are padded to their own longest."""
    import random
    import tracemalloc

    rng = random.Random(0)
    words = ["".join(rng.choice("abcdeghiklmnopqrstuvxy") for _ in range(5)) for _ in range(3000)]
    keys = [("a" * 50_000).encode()] + [w.encode() for w in words]
    tracemalloc.start()
    got = vec.murmurhash3_32(keys)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20 * 2**20, peak
    from sklearn.utils import murmurhash3_32

    np.testing.assert_array_equal(got, [murmurhash3_32(k) for k in keys])  # across chunks


def test_sparse_rows_index_multiply_and_refuse_a_wrong_shape() -> None:
    x = hash_texts(["một hai", "", "ba"])
    assert x.shape == (3, N_FEATURES)
    assert x[1].shape == (1, N_FEATURES) and len(x[1].data) == 0
    np.testing.assert_array_equal(x[-1].indices, x[2].indices)
    with pytest.raises(IndexError):
        x[3]
    with pytest.raises(ValueError, match="matmul"):
        x @ np.ones(5)
    empty = vec.TfidfFeatures({"a": 0}, np.ones(1), 2).transform([])
    assert empty.shape == (0, 1) and (empty @ np.ones((1, 4), np.float32)).shape == (0, 4)
