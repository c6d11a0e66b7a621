"""Syllable ROUGE for Vietnamese and the greedy oracle, on hand-checked cases."""

from __future__ import annotations

import pytest
from tinbai.model.summarize.rouge import (
    SyllableTokenizer,
    f1,
    greedy_oracle,
    rouge_n_f1,
    rouge_scorer,
    rouge_scores,
    syllables,
)


def test_tokenizer_keeps_diacritics_and_lowercases() -> None:
    assert syllables("Việt Nam đạt 1.156 lượt, TP.HCM!") == [
        "việt",
        "nam",
        "đạt",
        "1",
        "156",
        "lượt",
        "tp",
        "hcm",
    ]
    # Tone-mark placement variants are one token; "hoà" and "hòa" must match.
    assert syllables("Hoà bình") == syllables("hòa BÌNH") == ["hòa", "bình"]
    # Word-segmented input ("Hà_Nội") counts as syllables, like raw text.
    assert syllables("Hà_Nội") == ["hà", "nội"]


def test_rouge_score_default_tokenizer_would_lose_vietnamese() -> None:
    """Why a custom tokenizer is needed: the default one scores two different sentences as
    identical once their tone-marked letters are deleted."""
    from rouge_score import rouge_scorer as rs

    a, b = "Bà đi chợ.", "Bá đi chờ."  # only "đi" is shared
    default = rs.RougeScorer(["rouge1"]).score(a, b)["rouge1"].fmeasure
    ours = rouge_scores(a, b)["rouge1"]
    assert default == 1.0
    assert ours == pytest.approx(1 / 3)


def test_rouge_by_hand() -> None:
    ref = "Hà Nội mưa lớn chiều nay"  # 6 syllables
    cand = "Chiều nay Hà Nội nắng"  # 5 syllables; common: hà nội chiều nay = 4
    scores = rouge_scores(ref, cand)
    assert scores["rouge1"] == pytest.approx(f1(4, 5, 6))
    assert scores["rouge1"] == pytest.approx(2 * (4 / 5) * (4 / 6) / (4 / 5 + 4 / 6))
    # bigrams: ref {hà nội, nội mưa, mưa lớn, lớn chiều, chiều nay}; cand {chiều nay, nay hà,
    # hà nội, nội nắng}: common 2 of 4 and 5
    assert scores["rouge2"] == pytest.approx(f1(2, 4, 5))
    # LCS: "hà nội" (or "chiều nay") = 2
    assert scores["rougeL"] == pytest.approx(f1(2, 5, 6))
    assert rouge_scores(ref, ref) == {"rouge1": 1.0, "rouge2": 1.0, "rougeL": 1.0}
    assert rouge_scores(ref, "")["rouge1"] == 0.0


@pytest.mark.parametrize(
    ("ref", "cand"),
    [
        (
            "Ngày 22/6, Công an Thị xã Phú Mỹ khởi tố vụ án.",
            "Công an khởi tố vụ án hình sự ngày 22/6.",
        ),
        (
            "Đội tuyển Việt Nam thắng 2-0 trước Thái Lan",
            "Việt Nam thắng Thái Lan 2-0, Việt Nam vào chung kết",
        ),
        ("a a a b", "a b b"),
    ],
)
def test_fast_counter_agrees_with_rouge_score(ref: str, cand: str) -> None:
    scorer = rouge_scorer(("rouge1", "rouge2"))
    expected = scorer.score(ref, cand)
    for n, key in ((1, "rouge1"), (2, "rouge2")):
        assert rouge_n_f1(syllables(ref), syllables(cand), n) == pytest.approx(
            expected[key].fmeasure
        )
    assert isinstance(scorer._tokenizer, SyllableTokenizer)


def test_greedy_oracle_on_a_hand_made_case() -> None:
    reference = syllables("Bão số 3 đổ bộ vào Quảng Ninh chiều nay, gây mưa lớn ở Hà Nội")
    sentences = [
        syllables("Giá vàng hôm nay giảm nhẹ."),  # 0: unrelated
        syllables("Bão số 3 đổ bộ vào Quảng Ninh chiều nay."),  # 1: best single sentence
        syllables("Bão gây mưa lớn ở Hà Nội."),  # 2: covers the rest
        syllables("Bão số 3 đổ bộ vào Quảng Ninh."),  # 3: redundant with 1
    ]
    assert greedy_oracle(sentences, reference, k=1) == [1]
    assert greedy_oracle(sentences, reference, k=2) == [1, 2]
    # Stops when no sentence improves R1+R2 F1: the unrelated and the redundant one stay out.
    assert greedy_oracle(sentences, reference, k=3) == [1, 2]
    assert greedy_oracle([], reference, k=3) == []
    assert greedy_oracle(sentences, [], k=3) == []
