"""The dependent-opening / near-empty sentence detector and its rules file."""

from __future__ import annotations

import pytest
from tinbai.model.summarize.standalone import (
    Reading,
    StandaloneDetector,
    StandaloneRules,
    StandaloneRulesError,
    load_detector,
    load_rules,
    orphans,
)


@pytest.fixture(scope="module")
def detector() -> StandaloneDetector:
    return load_detector()


@pytest.mark.parametrize(
    "text",
    [
        "Tuy nhiên, kế hoạch này chưa được Bộ Tài chính phê duyệt.",
        "Đồng thời chỉ đạo các địa phương rà soát lại toàn bộ danh sách hộ nghèo.",
        "Theo đó, mức lương cơ sở tăng từ 1,49 triệu đồng lên 1,6 triệu đồng.",
        "TRONG KHI ĐÓ, giá vàng thế giới tiếp tục giảm mạnh trong phiên giao dịch.",
        "Cũng theo cơ quan công an, nhóm này hoạt động tại nhiều tỉnh phía Nam.",
    ],
)
def test_connective_openings(detector: StandaloneDetector, text: str) -> None:
    assert detector.classify(text) is Reading.CONNECTIVE


@pytest.mark.parametrize(
    "text",
    [
        "Ông cho biết sẽ sớm trình phương án sửa đổi lên Thủ tướng Chính phủ.",
        "Điều này khiến nhiều doanh nghiệp xuất khẩu gặp khó khăn trong quý tới.",
        "Theo ông, việc tăng giá điện cần lộ trình rõ ràng và công khai minh bạch.",
        "Vụ việc đã được chuyển hồ sơ sang cơ quan cảnh sát điều tra tỉnh.",
        "Đây là lần thứ ba trong năm nay giá xăng dầu được điều chỉnh tăng.",
    ],
)
def test_bare_anaphora(detector: StandaloneDetector, text: str) -> None:
    assert detector.classify(text) is Reading.ANAPHORA


@pytest.mark.parametrize(
    "text",
    [
        "Ông Nguyễn Văn Bình cho biết sẽ sớm trình phương án sửa đổi lên Thủ tướng.",
        "Theo ông Trần Hữu Nghĩa, việc tăng giá điện cần lộ trình rõ ràng hơn nữa.",
        "Bà con nông dân xã Tân Hòa phấn khởi vì lúa được mùa, được giá năm nay.",
        "Ngày 5/6, Sở Giao thông vận tải Hà Nội công bố phương án phân luồng mới.",
        "Thông tin từ Bộ Công an cho biết đường dây đánh bạc có quy mô lớn.",
    ],
)
def test_standalone_sentences(detector: StandaloneDetector, text: str) -> None:
    assert detector.classify(text) is Reading.STANDALONE


@pytest.mark.parametrize(
    "text", ["Vụ việc đang được làm rõ.", "Sự việc vẫn đang được xem xét.", "…"]
)
def test_near_empty_or_dependent_is_never_standalone(
    detector: StandaloneDetector, text: str
) -> None:
    assert detector.classify(text) is not Reading.STANDALONE


def test_near_empty_counts_content_syllables(detector: StandaloneDetector) -> None:
    assert detector.classify("Hiện vẫn chưa rõ.") is Reading.NEAR_EMPTY
    assert detector.classify("Mưa lớn gây ngập Hà Nội.") is Reading.STANDALONE


def test_orphans_need_the_previous_sentence() -> None:
    r = [Reading.STANDALONE, Reading.CONNECTIVE, Reading.ANAPHORA, Reading.NEAR_EMPTY]
    assert orphans(r, [0, 1]) == []  # its antecedent is in the summary
    assert orphans(r, [0, 2]) == [2]
    assert orphans(r, [1, 2]) == [1]  # sentence 1 lacks 0; 2 has 1
    assert orphans(r, [0, 3]) == [3]  # near-empty: never fine
    assert orphans([Reading.CONNECTIVE], [0]) == [0]  # the first sentence has no antecedent


def test_rules_are_normalised_and_validated(tmp_path) -> None:
    rules = StandaloneRules(connectives=["  Tuy   NHIÊN, "], anaphora=["hoà"])
    assert rules.connectives == ["tuy nhiên"]
    assert rules.anaphora == ["hòa"]  # one tone placement, as the text pipeline writes it
    bad = tmp_path / "rules.yaml"
    bad.write_text("connectives: ['...']\nanaphora: [ông]\n", encoding="utf-8")
    with pytest.raises(StandaloneRulesError, match=r"rules.yaml: field 'connectives.*no syllables"):
        load_rules(bad)
    bad.write_text("connectives: [tuy nhiên]\nanaphora: [ông]\nmin_content: 3\n", encoding="utf-8")
    with pytest.raises(StandaloneRulesError, match="field 'min_content'"):
        load_rules(bad)
    bad.write_text("- tuy nhiên\n", encoding="utf-8")
    with pytest.raises(StandaloneRulesError, match="expected a mapping of fields"):
        load_rules(bad)
    bad.write_text("connectives: [", encoding="utf-8")
    with pytest.raises(StandaloneRulesError, match="not valid YAML"):
        load_rules(bad)
    with pytest.raises(StandaloneRulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
