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
EXAMPLE_HEADLINE_ONLY = {
    "id": "bk-2025-0113",
    "title": "Tỉnh đoàn Bắc Kạn phát động Tháng Thanh niên năm 2025",
    "text": "",
}

# -- what the shipped bundle answers for EXAMPLE_ARTICLE (OpenAPI success examples) -----------
# Taken from a real /v1/tag, /v1/summarize and /v1/tag/batch call on the default bundle; ids and
# names are those of configs/taxonomy.yaml (tests/test_openapi_docs.py checks both).

EXAMPLE_MODEL = {"name": "tinbai-default", "version": "0.1.0", "kind": "classical"}
EXAMPLE_META = {"author": None, "source": None}

_TOPIC_NAMES = {
    "chinh-tri-xa-hoi": "Chính trị - Xã hội",
    "doi-song": "Đời sống",
    "khoa-hoc": "Khoa học",
    "kinh-doanh": "Kinh doanh",
    "phap-luat": "Pháp luật",
    "suc-khoe": "Sức khỏe",
    "the-gioi": "Thế giới",
    "the-thao": "Thể thao",
    "van-hoa": "Văn hóa",
    "vi-tinh": "Vi tính",
}


def _topic(scores: dict[str, float]) -> dict[str, object]:
    """``{"label", "name", "score", "ranking"}`` from a topic → score table, best first."""
    ranking = [
        {"label": t, "name": _TOPIC_NAMES[t], "score": s}
        for t, s in sorted(scores.items(), key=lambda kv: -kv[1])
    ]
    return {**ranking[0], "ranking": ranking}


# The body's sentences as the splitter cuts them (this text has no abbreviations or numbers
# with dots, so a full stop and a space end a sentence).
_SENTENCES = [s for p in EXAMPLE_TEXT.split("\n") for s in p.replace(". ", ".\n").split("\n")]

EXAMPLE_TAGS = {
    "topic": _topic(
        {
            "chinh-tri-xa-hoi": 0.8037,
            "suc-khoe": 0.1684,
            "phap-luat": 0.0133,
            "the-thao": 0.005,
            "the-gioi": 0.0025,
            "van-hoa": 0.0025,
            "khoa-hoc": 0.0016,
            "vi-tinh": 0.0011,
            "kinh-doanh": 0.001,
            "doi-song": 0.0008,
        }
    ),
    "campaigns": [
        {
            "id": "hien-mau-tinh-nguyen",
            "name": "Hiến máu tình nguyện",
            "score": 0.9995,
            "evidence": _SENTENCES[:3],
        }
    ],
    "mentions": [],
}

EXAMPLE_SUMMARY = {
    "summary": f"{_SENTENCES[0]} {_SENTENCES[3]}",
    "sentences": [
        {"index": 0, "text": _SENTENCES[0], "score": 0.3464},
        {"index": 3, "text": _SENTENCES[3], "score": 0.3873},
    ],
    "scorer": "ranker.v1",
}

EXAMPLE_TAG_OUT = {
    "id": EXAMPLE_ARTICLE["id"],
    **EXAMPLE_TAGS,
    "model": EXAMPLE_MODEL,
    "meta": EXAMPLE_META,
}
EXAMPLE_SUMMARY_OUT = {
    "id": EXAMPLE_ARTICLE["id"],
    **EXAMPLE_SUMMARY,
    "model": EXAMPLE_MODEL,
    "meta": EXAMPLE_META,
}
EXAMPLE_ANALYZE_OUT = {"id": EXAMPLE_ARTICLE["id"], **EXAMPLE_TAGS, **EXAMPLE_SUMMARY_OUT}

EXAMPLE_SPORTS_ARTICLE = {
    "id": "tt-0002",
    "title": "Đội tuyển giành chiến thắng",
    "text": "Đội tuyển Việt Nam thắng 2-0 trong trận đấu tối qua. "
    "Huấn luyện viên khen các cầu thủ.",
}
_OTHER_TOPICS = [t for t in _TOPIC_NAMES if t != "the-thao"]
EXAMPLE_BATCH_OUT = {
    "results": [
        {"id": EXAMPLE_ARTICLE["id"], **EXAMPLE_TAGS, "meta": EXAMPLE_META},
        {
            "id": "tt-0002",
            "topic": _topic({"the-thao": 1.0, **dict.fromkeys(_OTHER_TOPICS, 0.0)}),
            "campaigns": [],
            "mentions": [],
            "meta": EXAMPLE_META,
        },
        {"id": "tt-0003", "error": "field 'text': is empty or only whitespace"},
    ],
    "ok": 2,
    "failed": 1,
    "model": EXAMPLE_MODEL,
}

EXAMPLE_FEEDBACK_OUT = {
    "id": 17,
    "article_id": EXAMPLE_ARTICLE["id"],
    "text_hash": "sha256:5d41c3a8f0b2e7d94c6a1f08e3b9d2c7a4e6f1b0c8d3a5e9f2b7c4d1a6e8f3b0",
    "created_at": "2025-01-12T09:30:00+00:00",
}

# -- the error body, as each refusal really reads (messages copied from the code's answers) ---
ERROR_EXAMPLES: dict[int, dict[str, tuple[str, str]]] = {
    400: {
        "invalid_json": (
            "invalid_json",
            "body is not valid JSON: Expecting property name enclosed in double quotes "
            "(at character 13)",
        )
    },
    401: {
        "unauthorized": (
            "unauthorized",
            "missing or invalid API key (send it in the X-API-Key header)",
        )
    },
    413: {
        "text_too_long": (
            "payload_too_large",
            "field 'text': is 250000 characters, over the limit of 200000",
        ),
        "body_too_large": (
            "payload_too_large",
            "request body is 20000000 bytes, over the limit of 16777216",
        ),
        "too_many_articles": (
            "payload_too_large",
            "field 'articles': 100 articles, over the limit of 64 per call",
        ),
    },
    415: {
        "not_json": (
            "unsupported_media_type",
            "content type must be application/json, got text/plain",
        )
    },
    422: {
        "blank_text": ("invalid_input", "field 'text': is empty or only whitespace"),
        "missing_text": ("invalid_input", "field 'text': is missing"),
        "bad_budget": (
            "invalid_input",
            "field 'sentences': Input should be greater than or equal to 1",
        ),
        "unknown_topic": (
            "invalid_input",
            "field 'corrected.topic': unknown topic 'giao-duc' (known: chinh-tri-xa-hoi, "
            "doi-song, khoa-hoc, kinh-doanh, phap-luat, suc-khoe, the-gioi, the-thao, van-hoa, "
            "vi-tinh)",
        ),
    },
    503: {
        "overloaded": (
            "overloaded",
            "the service is at capacity (64 requests in flight); retry in 1 s",
        ),
        "storage_unavailable": (
            "storage_unavailable",
            "cannot record the correction now: the feedback database is unavailable; "
            "try again later",
        ),
    },
    504: {"timeout": ("timeout", "the request took longer than the limit of 30 s")},
}

# GET /v1/models, shortened: one topic and one campaign of the tag set, two metrics.
EXAMPLE_MODELS_OUT = {
    "model": {
        "format_version": 1,
        **EXAMPLE_MODEL,
        "created_at": "2026-12-01T12:07:40+00:00",
        "labels": {"topics": list(_TOPIC_NAMES), "campaigns": ["hien-mau-tinh-nguyen"]},
        "thresholds": {"hien-mau-tinh-nguyen": 0.289},
        "metrics": {"topics_dev": {"n": 5000, "accuracy": 0.9364, "macro_f1": 0.9198}},
    },
    "taxonomy": {
        "topics": [{"id": "suc-khoe", "name": "Sức khỏe", "description": None}],
        "campaigns": [
            {
                "id": "hien-mau-tinh-nguyen",
                "name": "Hiến máu tình nguyện",
                "description": "Voluntary blood donation drives and events.",
                "legal_basis": ["Ngày hội hiến máu", "Hành trình Đỏ", "Chủ nhật Đỏ"],
                "threshold": 0.289,
                "cross_validated": {
                    "precision": 0.8889,
                    "recall": 0.9231,
                    "f1": 0.9057,
                    "support": 26,
                },
            }
        ],
    },
    "summarizer": {"scorer": "ranker.v1", "bundled": True, "default_sentences": 3},
    "serving": {
        "micro_batching": False,
        "max_batch_size": 16,
        "max_wait_ms": 5.0,
        "micro_batch_workers": 1,
        "presegment": False,
        "max_text_chars": 200000,
        "max_batch_articles": 64,
    },
}
