"""Degenerate input costs bounded work and bad characters get the same error everywhere
(issue 9: one request must not take tinbai down)."""

from __future__ import annotations

import json
import random
import re
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from tinbai.model.article import (
    ArticleError,
    check_id,
    check_text,
    parse_article,
    printable,
    record_id,
)
from tinbai.model.limits import LimitsError, SummarizerLimits, load_limits
from tinbai.model.summarize import Summarizer
from tinbai.model.summarize import features as features_module
from tinbai.model.summarize.base import bounded_prefix
from tinbai.model.text import prepare, split_sentences
from tinbai.service.api.app import create_app
from tinbai.service.cli import main

from tests.test_api import make_settings

# The splitter's boundary pattern before it was made linear: the oracle for equivalence.
_OLD_BOUNDARY = re.compile(r"([.!?…]+)([\"”’)\]]*)(\s+)(?=[\"“‘(\[\-–—]?\s?[0-9A-ZÀ-ỸĐ])")


def test_boundary_pattern_finds_what_the_backtracking_one_did() -> None:
    from tinbai.model.text.sentences import _BOUNDARY

    rng = random.Random(0)
    alphabet = list('.!?…"“”’)( ]-–AaBbĐ1 ') + ["  ", "Th.", "\t"]
    for _ in range(20_000):
        s = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        old = [m.span(0) + m.span(1) for m in _OLD_BOUNDARY.finditer(s)]
        assert [m.span(0) + m.span(1) for m in _BOUNDARY.finditer(s)] == old, repr(s)


@pytest.mark.parametrize(
    "text",
    [
        "." * 100_000,
        "!?…" * 30_000,
        "Mở đầu. " + "." * 50_000 + " Kết thúc.",
        "x" * 100_000 + ". Sau đó.",
        "1" * 100_000,
        ("“Trích dẫn. " + "Câu. " * 3) * 5_000,
        ("a" * 70 + ". B ") * 1_500,  # long tokens before each full stop
    ],
)
def test_splitter_finishes_on_degenerate_text(text: str) -> None:
    # Quadratic before (40,000 dots took 22 s); these would take minutes if it came back.
    sentences = split_sentences(text)
    assert "".join(sentences).replace(" ", "") == text.replace(" ", "")


def test_splitter_still_splits_after_a_run_of_dots() -> None:
    assert split_sentences("Mở đầu... Kết thúc.") == ["Mở đầu...", "Kết thúc."]
    assert split_sentences("Ông Ng. Văn A đến. TP. HCM mưa!!! Trời tạnh.") == [
        "Ông Ng. Văn A đến.",
        "TP. HCM mưa!!!",
        "Trời tạnh.",
    ]


def test_summariser_on_50000_tiny_sentences_is_memory_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doc = prepare("Ab. " * 50_000)
    assert len(doc.sentences) == 50_000
    widest: list[tuple[int, ...]] = []
    real_extract = features_module.extract

    def spy(doc, *args, **kwargs):
        x = real_extract(doc, *args, **kwargs)
        widest.append(x.shape)
        return x

    monkeypatch.setattr("tinbai.model.summarize.ranker.extract", spy)
    from tinbai.model.bundle import load_bundle
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR

    summarizer = load_bundle(DEFAULT_BUNDLE_DIR).summarizer
    tracemalloc.start()
    summary = summarizer.summarize(doc)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(summary.sentences) == 3
    limit = load_limits().summarizer.max_sentences
    assert widest and widest[0][0] <= limit  # the n × n matrix was 18 GiB for 49,750
    assert peak < 200 * 2**20, f"peak {peak / 2**20:.0f} MiB"


def test_prefix_is_the_document_itself_when_within_bounds() -> None:
    doc = prepare("Câu một về Hà Nội. Câu hai về Huế. Câu ba về Đà Nẵng.")
    assert bounded_prefix(doc, load_limits().summarizer) is doc


def test_prefix_respects_both_bounds() -> None:
    doc = prepare(" ".join(f"Từ{i} mới{i}." for i in range(500)))
    by_count = bounded_prefix(doc, SummarizerLimits(max_sentences=7, max_feature_cells=10**9))
    assert [s.index for s in by_count.sentences] == list(range(7))
    by_cells = bounded_prefix(doc, SummarizerLimits(max_sentences=1000, max_feature_cells=2_000))
    n = len(by_cells.sentences)
    assert 1 <= n < 500 and (n + 1) * 2 * n <= 2_000  # two new syllables a sentence
    one = bounded_prefix(doc, SummarizerLimits(max_sentences=1000, max_feature_cells=1))
    assert len(one.sentences) == 1  # never empty


def test_summary_comes_from_the_bounded_prefix() -> None:
    doc = prepare(" ".join(f"Câu số {i} của bài." for i in range(40)))
    summarizer = Summarizer.from_config({"scorer": "lead.v1"})
    summarizer.limits = SummarizerLimits(max_sentences=2)
    summary = summarizer.summarize(doc)
    assert [s.index for s in summary.sentences] == [0, 1]


def test_limits_file_is_validated(tmp_path: Path) -> None:
    bad = tmp_path / "limits.yaml"
    bad.write_text("summarizer:\n  max_sentences: 0\n", encoding="utf-8")
    with pytest.raises(LimitsError, match=r"field 'summarizer.max_sentences'"):
        load_limits(bad)
    bad.write_text("summarizer:\n  max_sentence: 10\n", encoding="utf-8")
    with pytest.raises(LimitsError, match=r"summarizer.max_sentence"):
        load_limits(bad)


def test_shipped_limits_are_far_above_ordinary_articles() -> None:
    limits = load_limits().summarizer
    assert limits.max_sentences >= 1000 and limits.max_feature_cells >= 2_000_000
    assert limits.max_sentences**2 <= limits.max_feature_cells  # n × n features fit too


# -- bad characters: one check for the CLI, the API and archive jobs ------------------------


def test_id_checks_agree_with_the_searches_on_random_strings() -> None:
    # The printable fast path must accept exactly what the surrogate / control searches do.
    pools = ["a", "ă", " ", "\t", "\n", "\x00", "\x7f", "\x85", "\u200d", "\u00a0", "\u2028"]
    pools += ["\ud800", "\udfff", "\U0001f600", "\ue000", "\U000e0001", "-", "9"]
    rng = random.Random(11)
    for _ in range(3000):
        value = "".join(rng.choice(pools) for _ in range(rng.randrange(6)))
        bad = re.search("[\ud800-\udfff\x00-\x1f\x7f-\x9f]", value) is not None
        if bad:
            with pytest.raises(ArticleError):
                check_id(value)
        else:
            assert check_id(value) == value
        assert (printable(value) == value) is not bad


def test_character_checks() -> None:
    with pytest.raises(ArticleError, match=r"field 'text': contains an unpaired surrogate U\+D800"):
        check_text("ab\ud800", "text")
    assert check_text("a\x00b\x08c\td\ne\rf\x7f\x85", "text") == "abc\td\ne\rf"
    with pytest.raises(ArticleError, match=r"field 'id': contains a control character U\+0009"):
        check_id("a\tb")
    assert check_id("vn-001") == "vn-001"
    assert printable("a\ud800\n") == "a\\ud800\\n"
    assert record_id({"id": "x\udfff"}) == "x\\udfff"
    with pytest.raises(ArticleError, match="field 'title'"):
        parse_article({"id": "1", "title": "\ud83d", "text": "Chữ."})
    with pytest.raises(ArticleError, match="field 'text': is empty"):
        parse_article({"id": "1", "text": "\x00\x01"})


def test_cli_writes_an_error_row_and_the_lines_after_it(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        '{"id": "a\\ud800", "text": "Bóng đá Việt Nam thắng."}',
        '{"id": "b", "text": "Bóng \\udc00 đá."}',
        '{"id": "c", "text": "Bóng\\u0007 đá Việt Nam thắng."}',
        '{"id": "d", "text": "Bóng đá Việt Nam thắng."}',
    ]
    inp = tmp_path / "in.jsonl"
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for command in ("tag", "summarize"):
        out = tmp_path / f"{command}.jsonl"
        code = main([command, str(inp), "-o", str(out), "--model", str(tiny_bundle)])
        assert code == 1
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in rows] == ["a\\ud800", "b", "c", "d"]
        assert rows[0]["error"].startswith("field 'id': contains an unpaired surrogate")
        assert rows[1]["error"].startswith("field 'text': contains an unpaired surrogate")
        assert "error" not in rows[2] and "error" not in rows[3]
    assert "4 lines, 2 ok, 2 failed" in capsys.readouterr().err


def test_api_answers_422_naming_the_field(tiny_bundle: Path, tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tiny_bundle, tmp_path))) as client:
        for path, body, field in [
            ("/v1/tag", '{"text": "Ab \\ud800"}', "text"),
            ("/v1/summarize", '{"id": "\\ud800", "text": "Ab."}', "id"),
            ("/v1/analyze", '{"title": "\\udfff", "text": "Ab."}', "title"),
        ]:
            resp = client.post(path, content=body, headers={"content-type": "application/json"})
            assert resp.status_code == 422, resp.text
            assert resp.json()["error"]["message"].startswith(f"field '{field}': contains an")
        resp = client.post(
            "/v1/tag/batch",
            content='{"articles": [{"id": "\\ud800", "text": "Ab."}, {"text": "Bóng đá."}]}',
            headers={"content-type": "application/json"},
        )
        assert resp.status_code == 200
        first, second = resp.json()["results"]
        assert first["id"] == "\\ud800" and "unpaired surrogate" in first["error"]
        assert "topic" in second


def test_archive_rows_with_bad_characters_go_to_errors(tiny_bundle: Path, tmp_path: Path) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text(
        '{"id": "x\\ud800", "text": "Bóng đá."}\n{"id": "y", "text": "Bóng đá Việt Nam."}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = main(["label-archive", str(inp), "-o", str(out), "--model", str(tiny_bundle),
                 "--workers", "1"])  # fmt: skip
    assert code == 1
    (error,) = [json.loads(x) for x in (out / "_errors.jsonl").read_text("utf-8").splitlines()]
    assert error["id"] == "x\\ud800" and error["row"] == 1
    assert error["error"].startswith("field 'id': contains an unpaired surrogate")


def test_feature_matrix_is_unchanged_by_the_bound() -> None:
    # An ordinary article goes through bounded_prefix untouched, so its features are the same.
    doc = prepare("Hà Nội mưa lớn. Nhiều tuyến phố ngập. Giao thông ùn tắc kéo dài.")
    from tinbai.model.summarize.features import Vocabulary, extract

    vocab = Vocabulary.empty()
    assert np.array_equal(
        extract(bounded_prefix(doc, load_limits().summarizer), vocab), extract(doc, vocab)
    )
