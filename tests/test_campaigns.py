"""Campaign cue matching and theme features."""

from __future__ import annotations

import numpy as np

from model.campaigns import CueMatcher
from model.campaigns.detector import FEATURES, ThemeModel, evidence_sentences, theme_features
from model.taxonomy import load_taxonomy
from model.text import prepare


def _feature(vec: np.ndarray, name: str) -> float:
    return float(vec[FEATURES.index(name)])


def test_cues_match_across_tone_mark_styles_and_case() -> None:
    matcher = CueMatcher(load_taxonomy())
    doc = prepare(
        "Xã đạt chuẩn NÔNG THÔN MỚI. Phong trào chống rác thải nhựa lan rộng.", "Tin địa phương"
    )
    hits = matcher.match(doc)
    assert set(hits) >= {"nong-thon-moi", "chong-rac-thai-nhua"}
    # "tự chuyển hoá" (new style) matches the cue written "tự chuyển hóa"
    hits = matcher.match(prepare("Ngăn chặn biểu hiện tự chuyển hoá trong nội bộ."))
    assert "xay-dung-chinh-don-dang" in hits


def test_cues_need_whole_words() -> None:
    matcher = CueMatcher(load_taxonomy())
    assert "nong-thon-moi" not in matcher.match(prepare("Các xã NTMX tổ chức họp."))
    assert matcher.match(prepare("Trời hôm nay đẹp.")) == {}


def test_list_mentions_differ_from_a_theme() -> None:
    tax = load_taxonomy()
    matcher = CueMatcher(tax)
    theme = prepare(
        "Huyện tổ chức ngày hội hiến máu tình nguyện. Hơn 300 người tham gia hiến máu. "
        "Ban chỉ đạo vận động hiến máu khen thưởng các đơn vị.",
        "Ngày hội hiến máu tình nguyện",
    )
    listed = prepare(
        "Thực hiện Chỉ thị 05, huyện đẩy mạnh học tập và làm theo Bác. Các cơ quan học tập và "
        "làm theo Bác. Chỉ thị 05 được quán triệt. Gắn Chỉ thị 05 với phong trào hiến máu tình "
        "nguyện và xây dựng nông thôn mới.",
        "Huyện thực hiện Chỉ thị 05",
    )
    t_hits = matcher.match(theme)
    l_hits = matcher.match(listed)
    t = theme_features(theme, t_hits["hien-mau-tinh-nguyen"], t_hits)
    lst = theme_features(listed, l_hits["hien-mau-tinh-nguyen"], l_hits)
    assert _feature(t, "cue_in_title") == 1.0 and _feature(lst, "cue_in_title") == 0.0
    assert _feature(t, "share_of_top_campaign") == 1.0
    assert _feature(lst, "share_of_top_campaign") < 0.5
    assert _feature(t, "frac_solo_cue_sentences") == 1.0
    assert _feature(lst, "frac_solo_cue_sentences") == 0.0


def test_evidence_is_body_sentences_in_document_order() -> None:
    tax = load_taxonomy()
    doc = prepare(
        "Mở đầu bài viết. Ngày hội hiến máu diễn ra. Câu khác. Hiến máu cứu người, "
        "hiến máu là nghĩa cử.",
        "Tin",
    )
    hits = CueMatcher(tax).match(doc)["hien-mau-tinh-nguyen"]
    ev = evidence_sentences(doc, hits)
    assert ev == ("Ngày hội hiến máu diễn ra.", "Hiến máu cứu người, hiến máu là nghĩa cử.")


def test_theme_model_round_trips_as_json() -> None:
    rng = np.random.default_rng(0)
    model = ThemeModel(
        rng.normal(size=len(FEATURES)),
        0.3,
        rng.normal(size=len(FEATURES)),
        np.abs(rng.normal(size=len(FEATURES))) + 0.1,
    )
    again = ThemeModel.from_dict(model.to_dict())
    x = rng.normal(size=(4, len(FEATURES)))
    assert np.allclose(model.score(x), again.score(x))
