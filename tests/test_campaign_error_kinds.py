"""The campaign issue's five error kinds, one small hand-made article each, through the shipped
bundle as ``tinbai tag`` runs it. Each article was written for this test under GUIDELINES.md;
none is in the training labels."""

from __future__ import annotations

import pytest
from tinbai.model.bundle import load_bundle
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.model.predict import tag_records

pytestmark = pytest.mark.skipif(
    not (DEFAULT_BUNDLE_DIR / "bundle.json").exists(), reason="default bundle not built"
)


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(DEFAULT_BUNDLE_DIR)


def _tag(bundle, title: str, text: str) -> dict:
    (row,) = tag_records(bundle, [{"id": "t", "title": title, "text": text}])
    return row


def _ids(items: list[dict]) -> set[str]:
    return {c["id"] for c in items}


def test_kind1_a_campaign_named_once_in_a_list_is_a_mention(bundle) -> None:
    text = (
        "Sáng 5/10, UBND tỉnh Quảng Ninh họp phiên thường kỳ đánh giá tình hình kinh tế - xã hội "
        "9 tháng đầu năm. Tổng thu ngân sách trên địa bàn đạt hơn 30.000 tỷ đồng, bằng 78% dự toán. "
        "Nhiều dự án hạ tầng lớn được đẩy nhanh tiến độ, thu hút đầu tư nước ngoài tăng 12% so với "
        "cùng kỳ. Các chương trình mục tiêu quốc gia về xây dựng nông thôn mới, giảm nghèo bền vững "
        "và phát triển vùng đồng bào dân tộc thiểu số tiếp tục được triển khai. Chủ tịch UBND tỉnh "
        "yêu cầu các sở, ngành tập trung tháo gỡ khó khăn cho doanh nghiệp, đẩy mạnh giải ngân vốn "
        "đầu tư công trong quý IV."
    )
    row = _tag(bundle, "Quảng Ninh: Thu ngân sách 9 tháng đạt 78% dự toán", text)
    assert not _ids(row["campaigns"]) & {"nong-thon-moi", "giam-ngheo-ben-vung"}
    assert {"nong-thon-moi", "giam-ngheo-ben-vung"} <= _ids(row["mentions"])
    for m in row["mentions"]:  # the list sentence, quoted verbatim
        assert m["evidence"] and all(s in text for s in m["evidence"])


def test_kind2_cue_words_in_another_sense_are_not_a_campaign(bundle) -> None:
    row = _tag(
        bundle,
        "Thi công nâng cấp quốc lộ 1 qua Hà Tĩnh: lắp dải phân cách trong tháng 11",
        "Nhà thầu đang thi công nâng cấp đoạn quốc lộ 1 dài 12 km qua thị xã Kỳ Anh. Theo ban quản "
        "lý dự án, mặt đường được mở rộng lên 4 làn xe, hệ thống thoát nước dọc được làm mới. Trong "
        "thời gian thi công, đơn vị bố trí biển báo và người hướng dẫn để bảo đảm an toàn giao thông "
        "cho phương tiện qua lại. Dự án có tổng vốn 450 tỷ đồng, dự kiến hoàn thành vào quý II năm "
        "sau. Người dân địa phương mong công trình sớm xong để việc đi lại thuận tiện hơn.",
    )
    assert "an-toan-giao-thong" not in _ids(row["campaigns"])


def test_kind3_a_foreign_countrys_drive_is_not_tagged(bundle) -> None:
    row = _tag(
        bundle,
        "Trung Quốc điều tra cựu bộ trưởng trong chiến dịch chống tham nhũng",
        "Ủy ban Kiểm tra Kỷ luật Trung ương Trung Quốc ngày 12/3 thông báo điều tra một cựu bộ trưởng "
        "vì nghi vi phạm nghiêm trọng kỷ luật. Đây là quan chức cấp cao mới nhất bị điều tra trong "
        "chiến dịch chống tham nhũng mà Bắc Kinh phát động từ năm 2012. Theo Tân Hoa xã, ông bị cáo "
        "buộc nhận hối lộ và lạm dụng chức vụ để trục lợi cho người thân. Giới quan sát tại Bắc Kinh "
        "cho rằng chiến dịch chống tham nhũng của Trung Quốc sẽ còn tiếp tục mở rộng sang lĩnh vực "
        "tài chính và năng lượng trong năm nay.",
    )
    assert row["topic"]["label"] == "the-gioi"
    assert "phong-chong-tham-nhung" not in _ids(row["campaigns"])


def test_kind4_a_single_incident_without_campaign_framing_is_not_tagged(bundle) -> None:
    row = _tag(
        bundle,
        "Bắt đối tượng vận chuyển 2 bánh heroin qua biên giới",
        "Rạng sáng 14/8, tổ công tác Đồn Biên phòng Na Mèo (Thanh Hóa) phát hiện một người đàn ông "
        "đi xe máy có biểu hiện nghi vấn. Kiểm tra, lực lượng chức năng thu giữ 2 bánh heroin giấu "
        "trong bình xăng. Đối tượng khai nhận được thuê vận chuyển số ma túy trên từ Lào về Việt Nam "
        "với tiền công 20 triệu đồng. Vụ việc đang được điều tra, mở rộng. Đây là vụ việc góp phần "
        "vào công tác phòng, chống ma túy trên tuyến biên giới.",
    )
    assert "phong-chong-ma-tuy" not in _ids(row["campaigns"])
    assert "phong-chong-ma-tuy" in _ids(row["mentions"])


def test_kind5_a_phrasing_added_from_suggest_cues_is_found(bundle) -> None:
    # "mục tiêu quốc gia về giảm nghèo" was proposed by `tinbai campaigns suggest-cues` and
    # reviewed into configs/taxonomy.yaml; before, this article had no cue at all.
    row = _tag(
        bundle,
        "Hà Giang giải ngân 80% vốn chương trình giảm nghèo",
        "Tỉnh Hà Giang đã giải ngân 80% vốn Chương trình mục tiêu quốc gia về giảm nghèo giai đoạn "
        "2021-2025 được giao trong năm. Nguồn vốn tập trung hỗ trợ sinh kế, đào tạo nghề và xây "
        "nhà cho hộ nghèo ở các huyện vùng cao. Sở Lao động - Thương binh và Xã hội cho biết tỷ lệ "
        "hộ nghèo của tỉnh giảm 5,2% so với đầu năm. Tỉnh đặt mục tiêu đến cuối năm có thêm 7.000 "
        "hộ thoát nghèo nhờ các mô hình chăn nuôi và trồng cây dược liệu.",
    )
    assert "giam-ngheo-ben-vung" in _ids(row["campaigns"])


def test_a_campaign_report_is_still_a_theme(bundle) -> None:
    row = _tag(
        bundle,
        "Hiến máu tình nguyện: Ngày Chủ nhật Đỏ thu hơn 1.200 đơn vị máu",
        "Ngày 8/1, Ban chỉ đạo vận động hiến máu tình nguyện tỉnh Nghệ An phối hợp tổ chức Ngày "
        "Chủ nhật Đỏ năm nay. Hơn 1.400 đoàn viên, thanh niên và người dân đăng ký hiến máu, thu "
        "về hơn 1.200 đơn vị máu an toàn. Ban tổ chức cho biết phong trào hiến máu tình nguyện "
        "của tỉnh ngày càng lan rộng, nhiều người đã hiến máu trên 20 lần. Lượng máu thu được sẽ "
        "phục vụ cấp cứu và điều trị cho bệnh nhân dịp Tết.",
    )
    assert _ids(row["campaigns"]) == {"hien-mau-tinh-nguyen"}
