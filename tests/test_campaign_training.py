"""Campaign training pieces: suggested cues, calibration, thresholds (tiny hand-made data)."""

from __future__ import annotations

import numpy as np
from tinbai.model.taxonomy import load_taxonomy
from tinbai.model.text import prepare
from tinbai.training.campaigns import (
    LabelledArticle,
    best_threshold,
    cross_fitted_calibration,
    fit_calibration,
    reliability,
)
from tinbai.training.cues import suggest_cues


def _art(i: int, title: str, text: str, campaigns: set[str]) -> LabelledArticle:
    return LabelledArticle(str(i), prepare(text, title), campaigns)


def test_suggest_cues_finds_the_phrase_of_uncovered_positives() -> None:
    taxonomy = load_taxonomy()
    texts = [
        "Xã Bình An đạt chuẩn làng kiểu mẫu năm nay. Người dân góp công.",
        "Thôn Đông được công nhận làng kiểu mẫu. Người dân góp công.",
        "Huyện trao bằng làng kiểu mẫu cho ba thôn. Người dân góp công.",
        "Bản Mường xây dựng làng kiểu mẫu sớm. Người dân góp công.",
    ]
    positives = [_art(i, "Tin xã", t, {"nong-thon-moi"}) for i, t in enumerate(texts)]
    negatives = [
        _art(10 + i, "Tin xã", f"Xã {i} tổ chức lễ hội làng. Người dân góp công.", set())
        for i in range(6)
    ]
    got = suggest_cues(positives + negatives, taxonomy, "nong-thon-moi", min_positives=3)
    top = got[0]
    assert top.phrase in "làng kiểu mẫu" and len(top.phrase.split()) >= 2
    assert (top.positives, top.negatives, top.precision, top.uncovered_positives) == (4, 0, 1.0, 4)
    # "người dân góp công" is in every article: precision 0.4, below the default 0.6
    assert "người dân góp công" not in {s.phrase for s in got}
    assert all(s.campaign == "nong-thon-moi" for s in got)


def test_suggest_cues_skips_phrases_an_existing_cue_already_says() -> None:
    taxonomy = load_taxonomy()
    arts = [
        _art(
            i,
            "Hiến máu",
            "Ngày hội hiến máu tình nguyện thu 300 đơn vị máu.",
            {"hien-mau-tinh-nguyen"},
        )
        for i in range(3)
    ]
    phrases = {s.phrase for s in suggest_cues(arts, taxonomy, "hien-mau-tinh-nguyen")}
    assert not any("hiến máu tình nguyện" in p for p in phrases)


def test_reliability_table_and_ece() -> None:
    probs = np.array([0.05, 0.05, 0.95, 0.95, 0.85, 0.85, 0.85, 0.85])
    y = np.array([0, 0, 1, 1, 1, 1, 1, 0])
    rel = reliability(probs, y, bins=10)
    rows = {r["bin"]: r for r in rel["table"]}
    assert rows["0.8-0.9"]["n"] == 4 and rows["0.8-0.9"]["precision"] == 0.75
    # |0.05-0|*2 + |0.95-1|*2 + |0.85-0.75|*4, over 8
    assert abs(rel["ece"] - (0.1 + 0.1 + 0.4) / 8) < 1e-9


def test_isotonic_calibration_fixes_an_overconfident_score() -> None:
    rng = np.random.default_rng(0)
    true_p = rng.uniform(0, 1, 4000)
    y = (rng.uniform(0, 1, 4000) < true_p).astype(int)
    overconfident = np.clip(0.5 + 1.8 * (true_p - 0.5), 0, 1)
    xs, ys = fit_calibration(overconfident, y)
    calibrated = np.interp(overconfident, xs, ys)
    assert reliability(calibrated, y)["ece"] < reliability(overconfident, y)["ece"] / 2


def test_cross_fitted_calibration_never_maps_a_row_with_itself() -> None:
    class Cands:  # only what the function reads
        groups = np.arange(50)
        y = np.array([1] * 25 + [0] * 25)

    oof = np.linspace(0, 1, 50)
    out = cross_fitted_calibration(oof, Cands(), 5)
    assert out.shape == oof.shape and np.all((0 <= out) & (out <= 1))


def test_best_threshold_trades_recall_for_precision_with_beta() -> None:
    probs = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 1, 0, 1, 0])
    grid = [0.45, 0.55, 0.65, 0.75]
    assert best_threshold(probs, y, grid, beta=1.0) == 0.45  # F1 best keeping the 0.5 positive
    assert best_threshold(probs, y, grid, beta=0.3) == 0.65  # precision-weighted: no false positive
