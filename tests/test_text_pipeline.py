"""The shared text pipeline on real Vietnamese sentences and the real scraped seed article."""

from __future__ import annotations

import pytest
from tinbai.model.text import clean_article, normalize, prepare, segment_words, split_sentences

from tests.conftest import SEED_ARTICLE


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("hoà bình", "hòa bình"),
        ("Thuý Kiều", "Thúy Kiều"),
        ("Uỷ ban nhân dân", "Ủy ban nhân dân"),
        ("sức khoẻ", "sức khỏe"),
        ("HOÀ", "HÒA"),
        ("hoàng hôn", "hoàng hôn"),  # closed syllable: same in both styles
        ("khuyến khích", "khuyến khích"),
        ("quý khách", "quý khách"),  # qu + ý is not the uy nucleus
        ("huỳnh", "huỳnh"),
    ],
)
def test_tone_marks_have_one_canonical_form(raw: str, canonical: str) -> None:
    assert normalize(raw) == canonical


def test_normalize_composes_unicode_and_strips_invisibles() -> None:
    decomposed = "Vie\u0302\u0323t Nam"  # NFD "Việt"
    assert normalize(decomposed) == "Việt Nam"
    assert normalize("a\u200bb\u00a0 c") == "ab c"
    assert normalize("dòng 1\r\ndòng 2") == "dòng 1\ndòng 2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Cấp huyện tổ chức 10 hội nghị cho 1.156 lượt cán bộ. Cấp cơ sở tổ chức 82 hội nghị.",
            [
                "Cấp huyện tổ chức 10 hội nghị cho 1.156 lượt cán bộ.",
                "Cấp cơ sở tổ chức 82 hội nghị.",
            ],
        ),
        (
            "Thực hiện Chỉ thị 05-CT/TW. Huyện ủy đã ban hành văn bản.",
            ["Thực hiện Chỉ thị 05-CT/TW.", "Huyện ủy đã ban hành văn bản."],
        ),
        ("Anh đến TP.HCM hôm qua. Trời mưa.", ["Anh đến TP.HCM hôm qua.", "Trời mưa."]),
        (
            "Nguyễn Văn Th. (SN 1994) bị bắt. Tại cơ quan công an, Th. khai nhận.",
            ["Nguyễn Văn Th. (SN 1994) bị bắt.", "Tại cơ quan công an, Th. khai nhận."],
        ),
        (
            "Ông nói: “Tôi đi trước. Anh ở lại”. Sau đó ông đi.",
            ["Ông nói: “Tôi đi trước. Anh ở lại”.", "Sau đó ông đi."],
        ),
        (
            "GS. Nguyễn Văn A phát biểu. Hội nghị kết thúc!",
            ["GS. Nguyễn Văn A phát biểu.", "Hội nghị kết thúc!"],
        ),
        ("Ông ấy đến Mỹ. Sau đó ông về nước.", ["Ông ấy đến Mỹ.", "Sau đó ông về nước."]),
        ("Báo cáo gửi UBND. Ông A ký.", ["Báo cáo gửi UBND.", "Ông A ký."]),
        (
            "Huyện Chợ Mới học tập và làm theo Bác\nQua 5 năm thực hiện",
            ["Huyện Chợ Mới học tập và làm theo Bác", "Qua 5 năm thực hiện"],
        ),
    ],
)
def test_sentence_splitter_survives_vietnamese_news(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_cleaning_removes_chrome_and_captions_and_keeps_bylines() -> None:
    cleaned = clean_article(SEED_ARTICLE.read_text(encoding="utf-8"))
    text = cleaned.text
    for chrome in (
        "Ý kiến bạn đọc",
        "Những tin mới hơn",
        "Những tin cũ hơn",
        "Tác giả",
        "Nguồn tin",
    ):
        assert chrome not in text
    assert "HTX Nông nghiệp Thanh niên Như Cố" not in text  # the photo caption ending in "|"
    assert cleaned.author == "Lý Dũng"
    assert cleaned.source == "http://baobackan.org.vn"
    assert text.startswith("Qua 5 năm thực hiện Chỉ thị 05-CT/TW")
    assert "./." not in text


def test_seed_article_sentences() -> None:
    doc = prepare(SEED_ARTICLE.read_text(encoding="utf-8"))
    assert len(doc.sentences) > 15
    assert [s.index for s in doc.sentences] == list(range(len(doc.sentences)))
    assert any("1.156 lượt cán bộ" in s.text for s in doc.sentences)
    assert all(not s.text.endswith("|") for s in doc.sentences)


def test_metadata_line_rule_is_only_for_short_lines() -> None:
    long_line = "Nguồn: " + "đây là một câu rất dài của bài báo " * 6
    cleaned = clean_article("Câu đầu tiên.\n" + long_line)
    assert cleaned.source is None
    assert len(cleaned.paragraphs) == 2


def test_word_segmentation_is_phobert_style() -> None:
    out = segment_words("Hà Nội là thủ đô của Việt Nam.")
    assert "Hà_Nội" in out.split()
    assert "Việt_Nam" in out.split()
    assert out.endswith(".")
    assert segment_words("   ") == ""


def test_prepare_with_segmentation_keeps_sentence_alignment() -> None:
    doc = prepare("Bộ Y tế họp báo. Hà Nội có mưa lớn.", "Tin sáng", segment=True)
    assert doc.segmented_sentences is not None
    assert len(doc.segmented_sentences) == len(doc.sentences) == 2
    assert "Hà_Nội" in doc.segmented_sentences[1]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("oÉ hoÉ", "oÉ hoÉ"),  # a vowel pair outside the tone table is left alone
        ("qoà Quỷ", "qoà Quỷ"),  # after q the tone is already canonical
        ("hoà. Thuý, khoẻ", "hòa. Thúy, khỏe"),  # punctuation ends the syllable
        ("a \t\u3000b", "a b"),  # a mixed run of horizontal spaces becomes one space
        ("a\tb", "a b"),
        ("a  b", "a b"),
        ("\u00a0a", " a"),
        ("a \n  b", "a \n b"),  # newlines are not spaces: the runs around one are kept apart
    ],
)
def test_normalize_edge_cases(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Xong. Th. Nguyễn đến.", ["Xong.", "Th. Nguyễn đến."]),
        ("Xong. Th . Nguyễn đến.", ["Xong.", "Th .", "Nguyễn đến."]),  # no word before the dot
        ("Ông Th\x0bNg. Bà đến.", ["Ông Th\x0bNg. Bà đến."]),  # any whitespace ends a token
        ("Chờ... Anh đến. Ừ.", ["Chờ...", "Anh đến.", "Ừ."]),
        ("“Xong. Th. Nguyễn” Th. Bà đến. Hết.", ["“Xong. Th. Nguyễn” Th. Bà đến.", "Hết."]),
        ("Ông nói. “Th. Bà đến”. Xong.", ["Ông nói.", "“Th. Bà đến”.", "Xong."]),
    ],
)
def test_abbreviation_is_the_token_right_before_the_dot(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_end_marker_only_at_the_end_of_a_line() -> None:
    cleaned = clean_article("Hết bài ./.\nDòng a/.b\nCâu cuối /.  \nx/.y/.")
    assert cleaned.paragraphs == ("Hết bài.", "Dòng a/.b", "Câu cuối.", "x/.y.")
