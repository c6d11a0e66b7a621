"""The example article of the OpenAPI docs (and the start-up warm-up call).

Written for this project in the style of a provincial newspaper report (no corpus text is
copied into the repository); it names a campaign so the docs show campaign evidence.
"""

from __future__ import annotations

EXAMPLE_TITLE = "Bắc Kạn: Hơn 500 đơn vị máu được tiếp nhận trong ngày hội Chủ nhật Đỏ"

EXAMPLE_TEXT = (
    "Sáng 12/1, tại Nhà văn hóa tỉnh, Tỉnh đoàn Bắc Kạn phối hợp với Bệnh viện Đa khoa tỉnh tổ "
    "chức ngày hội hiến máu tình nguyện Chủ nhật Đỏ năm 2025.\n"
    "Ngay từ sáng sớm, đông đảo đoàn viên, thanh niên, cán bộ, công chức và người dân trên địa "
    "bàn đã có mặt để đăng ký hiến máu. Trước khi hiến máu, các tình nguyện viên được kiểm tra "
    "sức khỏe, xét nghiệm nhóm máu và tư vấn về quy trình hiến máu an toàn.\n"
    "Kết thúc ngày hội, Ban tổ chức đã tiếp nhận 512 đơn vị máu, vượt chỉ tiêu đề ra. Toàn bộ số "
    "máu sẽ được chuyển về ngân hàng máu của bệnh viện để phục vụ công tác cấp cứu và điều trị "
    "cho người bệnh.\n"
    "Phát biểu tại ngày hội, đại diện Tỉnh đoàn cho biết phong trào hiến máu tình nguyện đã trở "
    "thành hoạt động thường niên, lan tỏa tinh thần tương thân tương ái trong cộng đồng."
)

EXAMPLE_ARTICLE = {"id": "bk-2025-0112", "title": EXAMPLE_TITLE, "text": EXAMPLE_TEXT}
