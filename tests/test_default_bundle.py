"""The shipped default bundle on the canonical seed article, end to end through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tinbai.model.limits import default_summary_sentences
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.model.text import normalize
from tinbai.service.cli import main

from tests.conftest import SEED_ARTICLE

CHROME = (
    "Ý kiến bạn đọc",
    "Những tin mới hơn",
    "Những tin cũ hơn",
    "Tác giả",
    "Nguồn tin",
    "HTX Nông nghiệp Thanh niên Như Cố",
)

pytestmark = pytest.mark.skipif(
    not (DEFAULT_BUNDLE_DIR / "bundle.json").exists(),
    reason="default bundle not built (tinbai train --config configs/default.yaml)",
)


def test_seed_article_tags_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inp = tmp_path / "seed.jsonl"
    inp.write_text(
        json.dumps(
            {"id": "seed", "text": SEED_ARTICLE.read_text(encoding="utf-8")}, ensure_ascii=False
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    assert main(["tag", str(inp), "-o", str(out)]) == 0
    row = json.loads(out.read_text(encoding="utf-8"))
    assert row["id"] == "seed"
    assert row["topic"]["label"] == "chinh-tri-xa-hoi"
    assert [c["id"] for c in row["campaigns"]] == ["hoc-tap-lam-theo-bac"]
    # GUIDELINES.md: Resolution TW4, the emulation movements and the new-rural-area movement
    # are each named once, in passing: mentions, each with its sentence
    mentions = {m["id"]: m for m in row["mentions"]}
    assert {"xay-dung-chinh-don-dang", "thi-dua-yeu-nuoc", "nong-thon-moi"} <= set(mentions)
    assert "hoc-tap-lam-theo-bac" not in mentions
    for m in mentions.values():
        assert m["evidence"] and m["score"] < 1
    evidence = row["campaigns"][0]["evidence"]
    assert evidence
    article = normalize(SEED_ARTICLE.read_text(encoding="utf-8"))
    for sentence in evidence:
        assert sentence in article  # quoted verbatim from the (normalised) article
        assert not any(c in sentence for c in CHROME)


@pytest.mark.parametrize("sentences", [None, 5])
def test_seed_article_summary_exact_length_and_lead(
    tmp_path: Path, sentences: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shipped summariser gives exactly the sentences asked for (the configured default
    when none is asked) and keeps the seed article's first sentence, which states what the
    article is about."""
    inp = tmp_path / "seed.jsonl"
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    inp.write_text(json.dumps({"id": "seed", "text": text}, ensure_ascii=False) + "\n", "utf-8")
    out = tmp_path / "out.jsonl"
    extra = [] if sentences is None else ["--sentences", str(sentences)]
    assert main(["summarize", str(inp), "-o", str(out), *extra]) == 0
    row = json.loads(out.read_text(encoding="utf-8"))
    indexes = [s["index"] for s in row["sentences"]]
    assert len(indexes) == (sentences or default_summary_sentences()) == len(set(indexes))
    assert indexes[0] == 0 and indexes == sorted(indexes)
    assert row["sentences"][0]["text"].startswith("Qua 5 năm thực hiện Chỉ thị 05-CT/TW")
