"""Campaign cue matching and theme features."""

from __future__ import annotations

import numpy as np
from tinbai.model.campaigns import CueMatcher
from tinbai.model.campaigns.detector import ThemeModel, evidence_sentences
from tinbai.model.campaigns.features import (
    BASE,
    STRUCTURE,
    FeatureSpec,
    base_features,
    structure_features,
)
from tinbai.model.campaigns.lexical import LexicalModel, hash_texts
from tinbai.model.campaigns.matcher import quote_spans
from tinbai.model.taxonomy import load_taxonomy
from tinbai.model.text import prepare


def theme_features(doc, hits, all_hits) -> np.ndarray:
    return np.asarray(base_features(doc, hits, all_hits) + structure_features(doc, hits, all_hits))


def _feature(vec: np.ndarray, name: str) -> float:
    return float(vec[(BASE + STRUCTURE).index(name)])


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


def test_list_and_quote_structure_features() -> None:
    tax = load_taxonomy()
    doc = prepare(
        "Tỉnh triển khai nhiều chương trình: giảm nghèo, y tế, giáo dục, xây dựng nông thôn mới "
        "và giao thông. Hưởng ứng cuộc vận động “Người Việt Nam ưu tiên dùng hàng Việt Nam”, "
        "siêu thị mở phiên chợ.",
        "Tin tỉnh",
    )
    hits = CueMatcher(tax).match(doc)
    ntm = theme_features(doc, hits["nong-thon-moi"], hits)
    assert _feature(ntm, "frac_list_cue_sentences") == 1.0
    assert _feature(ntm, "frac_quoted_cues") == 0.0
    hv = theme_features(doc, hits["hang-viet"], hits)
    assert _feature(hv, "frac_quoted_cues") == 1.0


def test_quote_spans_pair_left_to_right_and_stay_linear() -> None:
    assert quote_spans('a “b” c "d" “e') == [(2, 5), (8, 11)]
    assert quote_spans("“" * 50_000) == []  # unmatched marks: no span, one pass


def test_lexical_model_scores_like_a_dense_dot_product() -> None:
    rng = np.random.default_rng(1)
    x = hash_texts(["triển khai kế hoạch tuyên truyền", "bị bắt giữ tại chỗ", ""])
    coef = np.zeros(x.shape[1])
    idx = rng.choice(x.shape[1], 5000, replace=False)
    coef[idx] = rng.normal(size=5000)
    coef[x.indices] = rng.normal(size=len(x.indices))
    model = LexicalModel.from_dense(coef, 0.25)
    assert np.allclose(model.logits(x), x @ coef + 0.25)
    again = LexicalModel.from_arrays(model.to_arrays("m"), "m")
    assert np.allclose(again.logits(x), model.logits(x))


def test_theme_model_round_trips_as_json_and_arrays() -> None:
    rng = np.random.default_rng(0)
    spec = FeatureSpec(("base", "structure", "topics", "lexical", "prior"), ("a", "b"))
    k = len(spec.names)
    lex = LexicalModel.from_dense(rng.normal(size=1 << 18) * (rng.random(1 << 18) < 0.01), 0.1)
    model = ThemeModel(
        spec,
        rng.normal(size=k),
        0.3,
        rng.normal(size=k),
        np.abs(rng.normal(size=k)) + 0.1,
        shared_lexical=lex,
        campaign_lexical={"nong-thon-moi": lex},
        priors={"nong-thon-moi": -0.5},
        default_prior=-1.0,
        calibration=(np.array([0.0, 0.5, 1.0]), np.array([0.0, 0.4, 0.9])),
    )
    again = ThemeModel.from_dict(model.to_dict(), model.lexical_arrays())
    x = rng.normal(size=(4, k))
    assert np.allclose(model.score(x), again.score(x))
    assert again.priors == model.priors and set(again.campaign_lexical) == {"nong-thon-moi"}
    doc = prepare("Xã đạt chuẩn nông thôn mới. Người dân phấn khởi.", "Nông thôn mới")
    hits = CueMatcher(load_taxonomy()).match(doc)
    assert np.allclose(model.features(doc, hits), again.features(doc, hits))


def test_a_campaign_added_to_the_taxonomy_is_scored_by_the_yaml_only_model(
    tiny_bundle, tmp_path
) -> None:
    import yaml
    from tinbai.model.bundle import load_bundle

    raw = yaml.safe_load((tiny_bundle / "taxonomy.yaml").read_text(encoding="utf-8"))
    raw["campaigns"].append(
        {
            "id": "trong-cay",
            "name": "Tết trồng cây",
            "description": "Tết trồng cây đời đời nhớ ơn Bác Hồ.",
            "legal_basis": [],
            "cues": ["tết trồng cây"],
            "related": ["trồng cây", "cây xanh"],
        }
    )
    edited = tmp_path / "taxonomy.yaml"
    edited.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    bundle = load_bundle(tiny_bundle, taxonomy_path=edited)
    detector = bundle.tagger.campaigns
    assert detector.fallback is not None and "trong-cay" not in detector.labelled
    assert detector.thresholds["trong-cay"] == detector.fallback[1]
    doc = prepare(
        "Huyện phát động Tết trồng cây. Tết trồng cây năm nay trồng 5.000 cây xanh. "
        "Người dân hưởng ứng Tết trồng cây.",
        "Phát động Tết trồng cây",
    )
    decision = detector.detect(doc)
    found = {c.id: c for c in decision.campaigns + decision.mentions}
    assert "trong-cay" in found and 0 < found["trong-cay"].score < 1
