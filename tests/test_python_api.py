"""The Python API (``tinbai.load()``): results whose ``to_dict()`` is the CLI's row."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tinbai
from tinbai.model import predict
from tinbai.model.article import ArticleError
from tinbai.service.cli import main

from tests.conftest import SEED_ARTICLE


@pytest.fixture(scope="module")
def nlp() -> tinbai.Tinbai:
    return tinbai.load()


def _cli_rows(command: str, records: list[dict], tmp_path: Path) -> list[dict]:
    inp, out = tmp_path / "in.jsonl", tmp_path / f"{command}.jsonl"
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    main([command, str(inp), "-o", str(out)])
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_tag_is_the_cli_row(nlp: tinbai.Tinbai, tmp_path: Path) -> None:
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    tags = nlp.tag(text, id="seed")
    assert tags.topic == "chinh-tri-xa-hoi"
    assert [c["id"] for c in tags.campaigns] == ["hoc-tap-lam-theo-bac"]
    assert {m["id"] for m in tags.mentions} >= {"nong-thon-moi"}
    assert tags.to_dict() == _cli_rows("tag", [{"id": "seed", "text": text}], tmp_path)[0]
    tags.to_dict()["topic"] = "changed"  # a copy: the result stays as it was
    assert tags.topic == "chinh-tri-xa-hoi"


def test_summarize_is_the_cli_row(nlp: tinbai.Tinbai, tmp_path: Path) -> None:
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    summary = nlp.summarize(text, sentences=2, id="seed")
    assert len(summary.sentences) == 2
    assert summary.summary == " ".join(s["text"] for s in summary.sentences)
    cli = _cli_rows("summarize", [{"id": "seed", "text": text}], tmp_path)[0]
    assert nlp.summarize(text, id="seed").to_dict() == cli  # the CLI's default: 3 sentences


def test_analyze_is_tags_plus_summary(nlp: tinbai.Tinbai) -> None:
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    analysis = nlp.analyze(text, sentences=1)
    assert analysis.topic == nlp.tag(text).topic
    assert analysis.to_dict() == {**nlp.tag(text).to_dict(), **nlp.summarize(text, 1).to_dict()}


def test_analyze_cleans_and_splits_the_article_once(
    nlp: tinbai.Tinbai, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = predict.prepare
    monkeypatch.setattr(predict, "prepare", lambda *a, **k: calls.append(1) or real(*a, **k))
    nlp.analyze(SEED_ARTICLE.read_text(encoding="utf-8"))
    assert len(calls) == 1
    with pytest.raises(ArticleError, match="field 'text'"):  # and still refuses a headline
        nlp.analyze("", title="Huyện ủy tổ chức hội nghị")


def test_headline_only_is_tagged_but_not_summarised(nlp: tinbai.Tinbai) -> None:
    assert nlp.tag("", title="Huyện ủy tổ chức hội nghị học tập Chỉ thị 05").topic
    with pytest.raises(ArticleError, match="field 'text'"):
        nlp.summarize("   ", title="Huyện ủy tổ chức hội nghị")


def test_tag_many_keeps_order_and_reports_bad_records(nlp: tinbai.Tinbai) -> None:
    text = SEED_ARTICLE.read_text(encoding="utf-8")
    records = [{"id": "a", "text": text}, {"id": "b"}, {"id": "c", "text": text}]
    results = nlp.tag_many(records, batch_size=2)
    assert [r.id for r in results] == ["a", "b", "c"]
    assert results[1].error == "field 'text': is missing"
    assert results[0].to_dict() == results[2].to_dict() | {"id": "a"}


def test_load_a_bundle_directory(tiny_bundle: Path) -> None:
    nlp = tinbai.load(tiny_bundle)
    assert nlp.tag("Hôm nay cầu thủ ghi bàn thắng trong trận đấu tại Hà Nội.").topic
