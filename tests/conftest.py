"""Shared fixtures: a tiny generated corpus and a tiny classical bundle trained from it."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TINBAI_SHARED_DIR", REPO.parent / "shared"))
SEED_ARTICLE = SHARED / "data" / "campaigns" / "seed-article.txt"

# Topic vocabularies for generated articles: distinct enough for a tiny model to separate.
TOPIC_WORDS = {
    "the-thao": ["bóng đá", "cầu thủ", "trận đấu", "huấn luyện viên", "bàn thắng", "giải vô địch"],
    "kinh-doanh": ["doanh nghiệp", "lợi nhuận", "cổ phiếu", "thị trường", "xuất khẩu", "ngân hàng"],
    "suc-khoe": ["bệnh viện", "bác sĩ", "bệnh nhân", "điều trị", "vắc xin", "sức khỏe"],
    "chinh-tri-xa-hoi": ["huyện ủy", "cán bộ", "đảng viên", "nhân dân", "chính quyền", "hội nghị"],
}


def make_article(topic: str, rng: random.Random, extra: str = "") -> dict:
    words = TOPIC_WORDS[topic]
    sentences = []
    for _ in range(rng.randint(4, 7)):
        picked = rng.sample(words, 3)
        sentences.append(f"Hôm nay {picked[0]} và {picked[1]} nói về {picked[2]} tại Hà Nội.")
    title = f"Tin {rng.choice(words)} mới"
    return {
        "title": title,
        "text": " ".join(sentences) + (" " + extra if extra else ""),
        "topic": topic,
    }


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Generated topic train/dev files and campaign labels (rows carrying their own text)."""
    rng = random.Random(0)
    d = tmp_path_factory.mktemp("corpus")
    train = [dict(make_article(t, rng), id=f"tr-{t}-{i}") for t in TOPIC_WORDS for i in range(15)]
    dev = [dict(make_article(t, rng), id=f"dv-{t}-{i}") for t in TOPIC_WORDS for i in range(5)]
    theme = (
        "Huyện tổ chức hiến máu tình nguyện. Ngày hội hiến máu thu được 300 đơn vị máu. "
        "Phong trào hiến máu tình nguyện lan rộng."
    )
    passing = "Ông cũng nhắc tới phong trào hiến máu trong một câu."
    labels = []
    topics = list(TOPIC_WORDS)
    for i in range(12):
        # themes and passing mentions in every topic, the title naming the campaign or not:
        # the theme model must learn the campaign's place in the text, not the topic
        a = make_article(topics[i % len(topics)], rng, theme)
        labels.append(
            {
                "id": f"c-pos-{i}",
                "title": "Ngày hội hiến máu tình nguyện" if i % 2 else a["title"],
                "text": a["text"],
                "campaigns": ["hien-mau-tinh-nguyen"],
            }
        )
        b = make_article(topics[(i + 1) % len(topics)], rng, passing)
        labels.append({"id": f"c-neg-{i}", "title": b["title"], "text": b["text"], "campaigns": []})
    return {
        "train": write_jsonl(d / "train.jsonl", train),
        "dev": write_jsonl(d / "dev.jsonl", dev),
        "labels": write_jsonl(d / "labels.jsonl", labels),
        "dir": d,
    }


def tiny_config_dict(
    corpus: dict[str, Path],
    out: Path,
    *,
    topics: dict[str, Any] | None = None,
    labels: list[str] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """The one tiny training config every test trains from (a bundle in a second or two);
    ``topics`` / ``labels`` / top-level keys change what a test needs changed."""
    return {
        "name": "tiny",
        "output": str(out),
        "topics": {
            "train": str(corpus["train"]),
            "dev": str(corpus["dev"]),
            "min_df": 1,
            "max_df": 1.0,
            "max_features": 5000,
            **(topics or {}),
        },
        "campaigns": {
            "labels": labels or [str(corpus["labels"])],
            "dev": str(corpus["dir"] / "none.jsonl"),
            "cv_folds": 3,
        },
        "summarizer": None,
        **top,
    }


@pytest.fixture(scope="session")
def tiny_bundle(tiny_corpus: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A classical bundle trained in a second or two from the generated corpus."""
    from tinbai.training.build import train_classical
    from tinbai.training.config import parse_config

    out = tmp_path_factory.mktemp("bundles") / "tiny"
    config = parse_config(tiny_config_dict(tiny_corpus, out, topics={"c": 10.0}))
    return train_classical(config, out)
