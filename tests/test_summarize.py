"""The summariser: budgets, document order, redundancy control, the learned ranker's
save → load round trip, and the sentence splitter cases summaries depend on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from tinbai.model.summarize import Budget, Summarizer, load_summarizer
from tinbai.model.summarize.base import SCORERS, drop_redundant, register_scorer
from tinbai.model.summarize.features import FEATURE_NAMES, N_FEATURES, Vocabulary, extract
from tinbai.model.summarize.ranker import Ranker, RankerWeights
from tinbai.model.text import Document, prepare, split_sentences

ARTICLE = (
    "Ngày 22/6, Công an thị xã Phú Mỹ khởi tố vụ án gây rối trật tự công cộng. "
    "Hai nhân viên công ty địa ốc bị tạm giam. "
    "Theo hồ sơ, sáng 13/6, UBND xã Tóc Tiên tổ chức cưỡng chế. "
    "Nhiều người tập trung ngăn cản lực lượng chức năng. "
    "Vụ việc đang được điều tra làm rõ."
)


@register_scorer("test-reverse.v1")
def _reverse(config: dict, directory: Path | None):  # later sentences score higher
    return lambda doc: np.arange(len(doc.sentences), dtype=float)


def _summarizer(name: str = "lead.v1", **config: object) -> Summarizer:
    return Summarizer.from_config({"scorer": name, **config})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ngày 22/6, Công an T X.Phú Mỹ khởi tố vụ án. Cùng ngày, VKSND phê chuẩn.",
            ["Ngày 22/6, Công an T X.Phú Mỹ khởi tố vụ án.", "Cùng ngày, VKSND phê chuẩn."],
        ),
        (
            "Chị Phạm Thị Huyền Tr. (SN 1997) kết hôn năm 2013. Hai người thường xuyên mâu thuẫn.",
            [
                "Chị Phạm Thị Huyền Tr. (SN 1997) kết hôn năm 2013.",
                "Hai người thường xuyên mâu thuẫn.",
            ],
        ),
        (
            "Giá xăng tăng 1.250 đồng/lít? Bộ Công Thương giải thích! Người dân lo lắng…",
            ["Giá xăng tăng 1.250 đồng/lít?", "Bộ Công Thương giải thích!", "Người dân lo lắng…"],
        ),
        (
            "Ông nói: “Chúng tôi sẽ làm. Ngay bây giờ”. Mọi người vỗ tay.",
            ["Ông nói: “Chúng tôi sẽ làm. Ngay bây giờ”.", "Mọi người vỗ tay."],
        ),
        (
            "Tỷ lệ đạt 98,5%. PGS.TS Nguyễn Văn A cho biết kết quả tốt.",
            ["Tỷ lệ đạt 98,5%.", "PGS.TS Nguyễn Văn A cho biết kết quả tốt."],
        ),
    ],
)
def test_splitter_cases_summaries_rely_on(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_sentence_budget_and_document_order() -> None:
    doc = prepare(ARTICLE, "Khởi tố vụ án")
    summary = _summarizer("test-reverse.v1").summarize(doc, Budget(sentences=3))
    assert [s.index for s in summary.sentences] == [2, 3, 4]  # best are last; output in order
    assert summary.text == " ".join(doc.sentences[i].text for i in (2, 3, 4))
    assert [s.score for s in summary.sentences] == [2.0, 3.0, 4.0]
    lead = _summarizer().summarize(doc)  # default budget: 3 sentences
    assert [s.index for s in lead.sentences] == [0, 1, 2]
    assert len(_summarizer().summarize(doc, Budget(sentences=50)).sentences) == 5


def test_char_budget_is_respected_and_never_empty() -> None:
    doc = prepare(ARTICLE)
    lengths = [len(s.text) for s in doc.sentences]
    budget = lengths[0] + 1 + lengths[1]
    summary = _summarizer().summarize(doc, Budget(max_chars=budget))
    assert [s.index for s in summary.sentences] == [0, 1]
    assert len(summary.text) <= budget
    # Smaller than any sentence: still one sentence (the best), never an empty summary.
    tiny = _summarizer().summarize(doc, Budget(max_chars=5))
    assert [s.index for s in tiny.sentences] == [0]
    # A later, shorter sentence fills space the next-best one could not.
    skip = _summarizer().summarize(
        doc, Budget(max_chars=lengths[0] + 1 + lengths[1] + 1 + lengths[4])
    )
    assert [s.index for s in skip.sentences] == [0, 1, 4]


def test_ratio_budget_rounds_and_keeps_one() -> None:
    doc = prepare(ARTICLE)
    assert len(_summarizer().summarize(doc, Budget(ratio=0.4)).sentences) == 2
    assert len(_summarizer().summarize(doc, Budget(ratio=0.01)).sentences) == 1
    assert len(_summarizer().summarize(doc, Budget(ratio=1.0)).sentences) == 5


@pytest.mark.parametrize("budget", [Budget(sentences=3), Budget(max_chars=10), Budget(ratio=0.1)])
def test_one_sentence_article(budget: Budget) -> None:
    doc = prepare("Bão số 3 đổ bộ vào Quảng Ninh chiều nay", "Bão")
    summary = _summarizer().summarize(doc, budget)
    assert summary.text == "Bão số 3 đổ bộ vào Quảng Ninh chiều nay"
    assert [s.index for s in summary.sentences] == [0]


def test_empty_body_gives_an_empty_summary_not_an_error() -> None:
    assert _summarizer().summarize(Document(title="Chỉ có tiêu đề", sentences=())).sentences == ()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sentences": 0},
        {"max_chars": 0},
        {"ratio": 0.0},
        {"ratio": 1.5},
        {"sentences": 2, "ratio": 0.5},
    ],
)
def test_bad_budgets_are_rejected(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        Budget(**kwargs)


def test_redundancy_control_moves_repeats_back() -> None:
    doc = prepare(
        "Bão số 3 đổ bộ vào Quảng Ninh chiều nay. "
        "Chiều nay bão số 3 đổ bộ vào Quảng Ninh gây mưa. "
        "Hà Nội có mưa lớn."
    )
    # Sentence 1 repeats most trigrams of sentence 0.
    assert drop_redundant(doc, [0, 1, 2], 0.3) == [0, 2, 1]
    assert drop_redundant(doc, [0, 1, 2], 0.99) == [0, 1, 2]
    summary = _summarizer(max_trigram_overlap=0.3).summarize(doc, Budget(sentences=2))
    assert [s.index for s in summary.sentences] == [0, 2]


def test_features_are_finite_and_shaped() -> None:
    doc = prepare(ARTICLE, "Khởi tố hai nhân viên công ty địa ốc")
    x = extract(doc, Vocabulary.empty())
    assert x.shape == (5, N_FEATURES) == (5, len(FEATURE_NAMES))
    assert np.isfinite(x).all()
    col = FEATURE_NAMES.index
    assert x[0, col("pos_0")] == 1.0 and x[1, col("pos_0")] == 0.0
    assert x[0, col("has_date")] == 1.0 and x[3, col("has_date")] == 0.0
    assert x[1, col("title_recall")] > x[3, col("title_recall")]  # "nhân viên công ty địa ốc"
    assert x[:, col("title_cosine_minus_max")].max() == 0.0
    one = extract(prepare("Một câu duy nhất."), Vocabulary.empty())
    assert one.shape == (1, N_FEATURES) and np.isfinite(one).all()


def _random_texts(seed: int, count: int) -> list[str]:
    """Strings made of the pieces the surface patterns care about (capitals after letters,
    digits or underscores, dates, quotes), to compare fast paths with their definitions."""
    pieces = ["Hà", "nội", "ngày", "NGÀY", "12/3", "năm", "2019", "tháng", "5", "“", "”", '"']
    pieces += ["(", ":", "?", "İstanbul", "_X", "aB", "3Com", "1.000,5", "Ông", "-", "ᾈ", "Ưu"]
    rng = np.random.default_rng(seed)
    seps = [" ", "", ", ", "."]
    return [
        "".join(str(rng.choice(pieces)) + str(rng.choice(seps)) for _ in range(rng.integers(0, 9)))
        for _ in range(count)
    ]


def test_surface_patterns_match_their_definitions() -> None:
    """The capitalised-syllable regex (look-behind after the capital) counts what the plain
    definition counts — a capital that starts a syllable — and the date hint never hides a
    date the pattern would find."""
    import re

    from tinbai.model.summarize import features as f

    plain = re.compile(rf"(?<![^\W_])[{f._UPPER}]")
    for text in _random_texts(0, 2000):
        assert len(f._CAPITALISED.findall(text)) == len(plain.findall(text)), text
        assert f._has_date(text) == (f._DATE.search(text) is not None), text


def test_number_counts_skip_only_sentences_without_a_digit() -> None:
    """The all-letters shortcut counts what the number pattern finds, digits of any script
    included (Arabic-Indic, full-width; "²" is numeric but no digit)."""
    from tinbai.model.summarize import features as f
    from tinbai.model.summarize.rouge import SYLLABLE

    texts = _random_texts(1, 500) + ["Năm ٢٠١٩ có １２ vụ", "x² tăng", "", "...", "Ab_3 c"]
    syllables = [SYLLABLE.findall(t.lower()) for t in texts]
    expected = [len(f._NUMBER.findall(t)) for t in texts]
    assert f._numbers(texts, syllables).tolist() == expected
    assert sum(expected) > 0 and expected.count(0) > 0


def test_features_with_given_tokens_and_degenerate_sentences() -> None:
    """Tokens handed in by the summariser give the same matrix; sentences without a syllable
    and an empty title (no local vocabulary at all) still give finite features."""
    from tinbai.model.summarize.tokens import sentence_tokens
    from tinbai.model.text.document import Sentence

    doc = prepare(ARTICLE, "Khởi tố hai nhân viên công ty địa ốc")
    vocab = _tiny_ranker().vocab
    np.testing.assert_array_equal(extract(doc, vocab, sentence_tokens(doc)), extract(doc, vocab))
    for texts in (["...", "—"], ["…", "Ông A nói: “12/3”."]):
        bare = Document(title="", sentences=tuple(Sentence(i, t, 0) for i, t in enumerate(texts)))
        for v in (vocab, Vocabulary.empty()):
            x = extract(bare, v)
            assert x.shape == (len(texts), N_FEATURES) and np.isfinite(x).all()


def test_summarizer_splits_syllables_once_for_a_scorer_that_reads_them() -> None:
    from tinbai.model.summarize.tokens import ArticleTerms, sentence_tokens

    seen: list[object] = []

    class Reading:
        reads_tokens = True

        def __call__(self, doc: Document, tokens: object = None) -> np.ndarray:
            seen.append(tokens)
            return np.arange(len(doc.sentences), dtype=float)[::-1] / 10

    doc = prepare(ARTICLE)
    config = {"length_target": 25, "length_candidates": 4}
    chosen = Summarizer("test", Reading(), config).summarize(doc).sentences
    assert len(seen) == 1 and isinstance(seen[0], ArticleTerms) and len(chosen) == 3
    assert seen[0].syllables == sentence_tokens(doc)
    # The length-aware selection read the syllable counts of the object the scorer was handed.
    assert "sizes" in vars(seen[0])


def _tiny_ranker(seed: int = 0) -> Ranker:
    rng = np.random.default_rng(seed)
    layers = [
        (rng.normal(size=(N_FEATURES, 4)), rng.normal(size=4)),
        (rng.normal(size=(4, 1)), np.zeros(1)),
    ]
    vocab = Vocabulary(
        index={"khởi": 0, "tố": 1},
        idf=np.array([2.0, 3.0]),
        lexical=np.array([0.5, -0.5]),
        first=np.array([0.1, 0.0]),
        default_idf=4.0,
    )
    return Ranker(vocab, RankerWeights(np.zeros(N_FEATURES), np.ones(N_FEATURES), layers))


def test_ranker_save_load_round_trip(tmp_path: Path) -> None:
    ranker = _tiny_ranker()
    summarizer = Summarizer(
        "ranker.v1", ranker, {"features": list(FEATURE_NAMES), "max_trigram_overlap": 0.5}
    )
    summarizer.save(tmp_path)
    ranker.save(tmp_path)
    saved = json.loads((tmp_path / "summarizer.json").read_text(encoding="utf-8"))
    assert saved == {
        "features": list(FEATURE_NAMES),
        "max_trigram_overlap": 0.5,
        "scorer": "ranker.v1",
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "ranker.npz",
        "summarizer.json",
        "vocabulary.json",
    ]
    np.load(tmp_path / "ranker.npz", allow_pickle=False)  # plain arrays, no pickles
    loaded = load_summarizer(tmp_path)
    doc = prepare(ARTICLE, "Khởi tố vụ án")
    np.testing.assert_allclose(loaded.scorer(doc), ranker(doc))
    assert loaded.summarize(doc, Budget(sentences=2)) == summarizer.summarize(
        doc, Budget(sentences=2)
    )


def test_ranker_refuses_weights_for_other_features(tmp_path: Path) -> None:
    _tiny_ranker().save(tmp_path)
    (tmp_path / "summarizer.json").write_text(
        json.dumps({"scorer": "ranker.v1", "features": ["pos_0"]})
    )
    with pytest.raises(ValueError, match="different feature list"):
        load_summarizer(tmp_path)
    with pytest.raises(ValueError, match="unknown sentence scorer"):
        Summarizer.from_config({"scorer": "nope.v9"})
    assert "ranker.v1" in SCORERS


def test_summarizer_config_is_typed_and_rejects_what_no_one_reads() -> None:
    """A misspelt selection key would silently select with the default; it fails instead,
    naming the key. A scorer's own keys are allowed only for that scorer."""
    with pytest.raises(ValueError, match="'orphan_penalti'"):
        Summarizer.from_config({"scorer": "lead.v1", "orphan_penalti": 0.05})
    with pytest.raises(ValueError, match="orphan_penalty"):
        Summarizer.from_config({"scorer": "lead.v1", "orphan_penalty": -1})
    with pytest.raises(ValueError, match="'fixed_scores'"):  # test-fixed.v1's key, not lead's
        Summarizer.from_config({"scorer": "lead.v1", "fixed_scores": [1.0]})
    s = Summarizer.from_config(
        {"scorer": "test-fixed.v1", "fixed_scores": [1.0], "length_target": 9}
    )
    assert s.settings.length_target == 9.0 and s.settings.length_candidates == 8
    assert s.to_config() == {"scorer": "test-fixed.v1", "fixed_scores": [1.0], "length_target": 9}


def test_exported_trees_predict_like_scikit_learn(tmp_path: Path) -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from tinbai.model.summarize.ranker import TreeEnsemble, load_model
    from tinbai.training.summarizer import export_trees

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 6))
    x[:, 5] = rng.integers(0, 3, size=400)  # a discrete feature, like the one-hot positions
    y = x[:, 0] * 2 + (x[:, 1] > 0.3) - x[:, 5] * x[:, 2] + rng.normal(scale=0.1, size=400)
    model = HistGradientBoostingRegressor(max_iter=25, max_leaf_nodes=7, random_state=0).fit(x, y)
    trees = export_trees(model)
    np.testing.assert_allclose(trees.score(x), model.predict(x), rtol=1e-9, atol=1e-9)
    trees.save(tmp_path / "ranker.npz")
    loaded = load_model(tmp_path / "ranker.npz")
    assert isinstance(loaded, TreeEnsemble)
    np.testing.assert_allclose(loaded.score(x[:7]), model.predict(x[:7]), atol=1e-9)


@register_scorer("test-fixed.v1", config_keys=("fixed_scores",))
def _fixed(config: dict, directory: Path | None):  # scores as given in the config
    return lambda doc: np.array(config["fixed_scores"], dtype=float)


def test_length_aware_selection_weighs_sentence_length() -> None:
    doc = prepare(
        "Bão số 3 đổ bộ vào Quảng Ninh. "
        "Theo trung tâm dự báo khí tượng thủy văn quốc gia, trong những ngày tới nhiều tỉnh "
        "thành phía bắc sẽ còn có mưa rất to kéo dài và nguy cơ lũ quét sạt lở đất. "
        "Hà Nội có mưa lớn. "
        "Nhiều chuyến bay bị hủy."
    )
    scores = [0.6, 0.5, 0.48, 0.3]
    plain = _summarizer("test-fixed.v1", fixed_scores=scores)
    assert [s.index for s in plain.summarize(doc, Budget(sentences=2)).sentences] == [0, 1]
    aware = _summarizer("test-fixed.v1", fixed_scores=scores, length_target=6, length_candidates=4)
    picked = [s.index for s in aware.summarize(doc, Budget(sentences=2)).sentences]
    # Against a short reference the long, middling sentence dilutes precision more than the
    # short one of about the same score.
    assert picked == [0, 2]
    assert len(aware.summarize(doc, Budget(sentences=4)).sentences) == 4  # never fewer than k
    # Other budgets keep plain best-first selection.
    assert [s.index for s in aware.summarize(doc, Budget(ratio=0.5)).sentences] == [0, 1]


def test_overlap_discount_avoids_repeating_sentences() -> None:
    doc = prepare(
        "Bão số 3 đổ bộ vào Quảng Ninh chiều nay. "
        "Chiều nay bão số 3 đổ bộ vào Quảng Ninh. "
        "Hà Nội có mưa rất lớn."
    )
    config = {"fixed_scores": [0.8, 0.8, 0.6], "length_target": 15, "length_candidates": 3}
    without = _summarizer("test-fixed.v1", **config)
    assert [s.index for s in without.summarize(doc, Budget(sentences=2)).sentences] == [0, 1]
    discounted = _summarizer("test-fixed.v1", **config, overlap_discount=1.0)
    assert [s.index for s in discounted.summarize(doc, Budget(sentences=2)).sentences] == [0, 2]


def test_length_aware_selection_keeps_an_anchored_lead() -> None:
    doc = prepare(
        "Một đoạn mở đầu rất dài nói về rất nhiều chuyện khác nhau của thành phố năm nay.\n\n"
        "Bão số 3 đổ bộ. Hà Nội có mưa lớn. Nhiều chuyến bay bị hủy."
    )
    config = {"fixed_scores": [0.1, 0.6, 0.6, 0.6], "length_target": 6}
    free = _summarizer("test-fixed.v1", **config)
    assert 0 not in [s.index for s in free.summarize(doc, Budget(sentences=2)).sentences]
    anchored = _summarizer("test-fixed.v1", **config, anchor_lead_paragraph=True)
    assert [s.index for s in anchored.summarize(doc, Budget(sentences=2)).sentences][0] == 0


STANDALONE_ARTICLE = (
    "Bộ Y tế công bố thêm 12 ca mắc mới tại Hà Nội và Đà Nẵng. "
    "Tuy nhiên, các ca này đều đã được cách ly ngay khi nhập cảnh. "
    "Sở Y tế Đà Nẵng cho biết đang truy vết những người tiếp xúc gần. "
    "Vụ việc đang được làm rõ. "
    "Các trường học trong thành phố vẫn mở cửa bình thường."
)


@pytest.mark.parametrize("length_target", [None, 25])
def test_orphan_penalty_keeps_summaries_readable(length_target: int | None) -> None:
    doc = prepare(STANDALONE_ARTICLE)
    # The connective (1) and the near-empty sentence (3) score best.
    scores = [0.5, 0.9, 0.4, 0.8, 0.3]
    extra = {"length_target": length_target} if length_target else {}
    plain = _summarizer("test-fixed.v1", fixed_scores=scores, **extra)
    picked = [s.index for s in plain.summarize(doc, Budget(sentences=2)).sentences]
    assert 3 in picked or 1 in picked
    readable = _summarizer("test-fixed.v1", fixed_scores=scores, orphan_penalty=1.0, **extra)
    # "Tuy nhiên, …" only with the sentence it continues; "Vụ việc …" never.
    assert [s.index for s in readable.summarize(doc, Budget(sentences=2)).sentences] == [0, 1]
    one = [s.index for s in readable.summarize(doc, Budget(sentences=1)).sentences]
    assert one == [0]
    # A budget that only near-empty or dependent sentences can fill is still filled.
    assert len(readable.summarize(doc, Budget(sentences=5)).sentences) == 5


def test_orphan_penalty_with_other_budgets() -> None:
    doc = prepare(STANDALONE_ARTICLE)
    readable = _summarizer(
        "test-fixed.v1", fixed_scores=[0.5, 0.9, 0.4, 0.8, 0.3], orphan_penalty=1
    )
    assert [s.index for s in readable.summarize(doc, Budget(ratio=0.2)).sentences] == [0]
    assert [s.index for s in readable.summarize(doc, Budget(ratio=0.4)).sentences] == [0, 1]


_VOCAB_SNIPPET = """
import json, random
from tinbai.training.summarizer import build_vocabulary, make_example
rng = random.Random(0)
syll = [a + b for a in "bcdghklmnpqrstvx" for b in ("a", "o", "u", "ê", "ơ", "ươ")]
rows = []
for i in range(40):
    sents = [" ".join(rng.choice(syll) for _ in range(8)).capitalize() + "." for _ in range(4)]
    rows.append({"text": " ".join(sents), "summary": sents[0]})
examples = [e for e in (make_example(r) for r in rows) if e is not None]
print(json.dumps(list(build_vocabulary(examples, min_count=2).index)))
"""


def test_the_summariser_vocabulary_is_the_same_whatever_the_hash_seed() -> None:
    """Ties in document frequency are ordered by the word, so vocabulary.json (and the
    bundle's checksum) do not change between two runs of the same training."""
    import os
    import subprocess
    import sys

    out = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        run = subprocess.run(
            [sys.executable, "-c", _VOCAB_SNIPPET], env=env, capture_output=True, text=True
        )
        assert run.returncode == 0, run.stderr
        out.append(json.loads(run.stdout))
    assert len(out[0]) > 20 and out[0] == out[1]


def test_article_terms_number_each_syllable_once_in_first_appearance_order() -> None:
    from collections import Counter

    from tinbai.model.summarize.tokens import ArticleTerms, sentence_tokens

    doc = prepare("Hà Nội mưa to. Mưa to ở Hà Nội, rồi NẮNG!", "Hà Nội nắng ráo")
    terms = ArticleTerms(doc)
    assert terms.syllables == sentence_tokens(doc)
    assert terms.words == [
        ["hà", "nội", "mưa", "to."],
        ["mưa", "to", "ở", "hà", "nội,", "rồi", "nắng!"],
    ]
    assert list(terms.local) == ["hà", "nội", "mưa", "to", "ở", "rồi", "nắng", "ráo"]
    rows = [*terms.syllables, terms.title]
    for row, counts in zip(rows, terms.counts, strict=True):
        expected = Counter(row)
        assert {w: counts[i] for w, i in terms.local.items() if counts[i]} == expected
    assert ArticleTerms(doc, terms.syllables).counts.tolist() == terms.counts.tolist()


def test_syllables_read_off_words_are_what_the_regex_finds() -> None:
    """chunk_syllables over str.split() chunks equals SYLLABLE.findall over the text, for
    text mixing letters, digits, "_", punctuation, odd whitespace and case-changing letters."""
    import random

    from tinbai.model.summarize.rouge import SYLLABLE, chunk_syllables
    from tinbai.model.summarize.tokens import ArticleTerms

    rng = random.Random(0)
    alphabet = "aăâbđêôơưxyzÀÝẠỹ09١²_.,;:!?\"'“”()-–…/ \t\u00a0\u2003\u3000\u0300İß"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert chunk_syllables(text.split()) == SYLLABLE.findall(text), repr(text)
    doc = prepare("Ông İnan nói: “Giá xăng tăng 2,5%”! Năm 2020_2021 (dự kiến)… ổn.")
    assert ArticleTerms(doc).syllables == [SYLLABLE.findall(s.text.lower()) for s in doc.sentences]


def _level_walk(trees, x: np.ndarray) -> np.ndarray:
    """The flat-array walk the heap layout replaces: every row follows left/right for
    ``depth`` levels (a leaf points to itself), then the leaves' values are summed."""
    n_trees, width = trees.feature.shape
    rows, cols = np.arange(len(x))[:, None], np.arange(n_trees)[None, :]
    node = np.zeros((len(x), n_trees), dtype=np.intp)
    for _ in range(trees.depth):
        go_left = x[rows, trees.feature[cols, node]] <= trees.threshold[cols, node]
        node = np.where(go_left, trees.left[cols, node], trees.right[cols, node])
    return trees.value[cols, node].sum(axis=1) + trees.baseline


def test_heap_tree_walk_equals_the_flat_walk() -> None:
    """Ragged trees (leaves at every depth, self-loop padding), NaN and ±inf inputs, ties on
    a threshold: the heap-laid walk lands on the same leaves, so scores are bit-identical."""
    from tinbai.model.summarize.ranker import TreeEnsemble

    rng = np.random.default_rng(1)
    n_trees, width, depth, n_features = 40, 31, 5, 6
    feature = np.zeros((n_trees, width), np.int64)
    threshold = np.full((n_trees, width), np.inf)
    left = np.tile(np.arange(width), (n_trees, 1))
    right = left.copy()
    value = np.zeros((n_trees, width))
    for t in range(n_trees):
        nodes, frontier = 1, [(0, 0)]  # (node, its depth)
        while frontier:
            node, d = frontier.pop()
            if d < depth and nodes + 2 <= width and rng.random() < 0.75:
                feature[t, node] = rng.integers(n_features)
                threshold[t, node] = rng.choice([-0.5, 0.0, 0.5, 1.0])
                left[t, node], right[t, node] = nodes, nodes + 1
                frontier += [(nodes, d + 1), (nodes + 1, d + 1)]
                nodes += 2
            else:
                value[t, node] = rng.normal()
    trees = TreeEnsemble(feature, threshold, left, right, value, 0.25, depth)
    x = rng.choice([-1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0], size=(50, n_features))
    x[::7, 1], x[3::11, 2], x[5::13, 0] = np.nan, np.inf, -np.inf
    np.testing.assert_array_equal(trees.score(x), _level_walk(trees, x))
    roots = np.zeros((n_trees, 1), np.int64)
    stump = TreeEnsemble(roots, threshold[:, :1], roots, roots, np.ones((n_trees, 1)), 0.0, 0)
    np.testing.assert_array_equal(stump.score(x[:3]), np.full(3, float(n_trees)))  # depth 0


def test_shared_counts_are_the_pairwise_minimum_summed() -> None:
    from tinbai.model.summarize.base import _shared_counts

    rng = np.random.default_rng(2)
    for shape in [(10, 40), (3, 1), (6, 25)]:
        counts = rng.choice([0, 0, 0, 1, 1, 2, 3, 7], size=shape).astype(np.float64)
        expected = np.minimum(counts[:, None, :], counts[None, :, :]).sum(axis=2)
        np.testing.assert_array_equal(_shared_counts(counts), expected)
    ones = (rng.random((5, 30)) < 0.3).astype(np.float64)  # no repeated syllable at all
    np.testing.assert_array_equal(_shared_counts(ones), ones @ ones.T)


def test_vocabulary_lookup_reads_the_default_for_unknown_syllables() -> None:
    vocab = Vocabulary(
        {"a": 0, "b": 1},
        idf=np.array([1.5, 2.5]),
        lexical=np.array([0.1, -0.2], dtype=np.float32),
        first=np.zeros(2),
        default_idf=9.0,
        sapo_rate=None,
        default_sapo_rate=0.3,
    )
    ids = np.array([1, -1, 0])
    assert vocab.lookup("idf", ids).tolist() == [2.5, 9.0, 1.5]
    assert vocab.lookup("sapo_rate", ids).tolist() == [0.0, 0.3, 0.0]
    assert vocab.lookup("lexical", ids).dtype == np.float64
    assert vocab.lookup("lexical", ids).tolist() == [
        float(np.float32(-0.2)),
        0.0,
        float(np.float32(0.1)),
    ]
    vocab.idf = np.array([4.0, 5.0])  # a new table is read, not the padded copy of the old one
    assert vocab.lookup("idf", ids).tolist() == [5.0, 9.0, 4.0]
    assert vocab.lookup("first", np.array([], dtype=np.int64)).tolist() == []
