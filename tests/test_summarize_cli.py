"""``tinbai summarize`` / ``tinbai evaluate summaries`` contracts, and the learned ranker
trained for real on a small VietNews slice (slow)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tinbai.model.bundle import load_bundle
from tinbai.model.summarize import Budget
from tinbai.model.text import prepare
from tinbai.service.cli import main

from tests.conftest import SEED_ARTICLE, SHARED
from tests.test_summarize import ARTICLE, _tiny_ranker

VIETNEWS = SHARED / "data" / "vietnews"


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture()
def ranker_bundle(tiny_bundle: Path, tmp_path: Path) -> Path:
    """The tiny bundle with a (random-weight) ranker.v1 summariser dropped in."""
    from tinbai.model.summarize import Summarizer
    from tinbai.model.summarize.features import FEATURE_NAMES

    bundle = tmp_path / "bundle"
    shutil.copytree(tiny_bundle, bundle)
    ranker = _tiny_ranker()
    Summarizer("ranker.v1", ranker, {"features": list(FEATURE_NAMES)}).save(bundle / "summarizer")
    ranker.save(bundle / "summarizer")
    return bundle


def test_summarize_good_and_bad_lines(
    ranker_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    lines = [
        json.dumps({"id": "a", "title": "Khởi tố vụ án", "text": ARTICLE}),
        "{not json",
        json.dumps({"id": "b", "text": "  "}),
        json.dumps({"id": 3, "text": "Một câu duy nhất"}),
    ]
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code = main(
        ["summarize", str(inp), "-o", str(out), "--model", str(ranker_bundle), "--sentences", "2"]
    )
    err = capsys.readouterr().err
    rows = _lines(out)
    assert code == 1 and len(rows) == 4
    assert "4 lines, 2 ok, 2 failed" in err
    assert set(rows[0]) == {"id", "summary", "sentences", "meta"}
    assert len(rows[0]["sentences"]) == 2
    assert all(set(s) == {"index", "text", "score"} for s in rows[0]["sentences"])
    indices = [s["index"] for s in rows[0]["sentences"]]
    assert indices == sorted(indices)
    doc = prepare(ARTICLE, "Khởi tố vụ án")
    assert rows[0]["summary"] == " ".join(doc.sentences[i].text for i in indices)
    assert "invalid JSON" in rows[1]["error"] and rows[1]["id"] is None
    assert rows[2] == {"id": "b", "error": "field 'text': is empty or only whitespace"}
    assert rows[3]["id"] == "3" and rows[3]["summary"] == "Một câu duy nhất"
    # The bundle's summariser is the one used (same as loading it directly).
    expected = load_bundle(ranker_bundle).summarizer.summarize(doc, Budget(sentences=2))
    assert indices == [s.index for s in expected.sentences]


def test_summarize_budgets_from_the_command_line(
    ranker_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert (
        main(
            [
                "summarize",
                str(inp),
                "-o",
                str(out),
                "--model",
                str(ranker_bundle),
                "--max-chars",
                "120",
            ]
        )
        == 0
    )
    assert 0 < len(_lines(out)[0]["summary"]) <= 120
    assert (
        main(
            ["summarize", str(inp), "-o", str(out), "--model", str(ranker_bundle), "--ratio", "0.6"]
        )
        == 0
    )
    assert len(_lines(out)[0]["sentences"]) == 3
    assert (
        main(["summarize", str(inp), "-o", str(out), "--model", str(ranker_bundle), "--ratio", "2"])
        == 2
    )
    assert "ratio must be in (0, 1]" in capsys.readouterr().err
    with pytest.raises(SystemExit):  # one budget at a time
        main(["summarize", str(inp), "-o", str(out), "--sentences", "2", "--ratio", "0.5"])


def test_evaluate_summaries_reports_three_systems(
    ranker_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {
            "id": "1",
            "title": "Khởi tố",
            "summary": "Công an thị xã Phú Mỹ khởi tố vụ án gây rối trật tự công cộng.",
            "text": ARTICLE,
        },
        {
            "id": "2",
            "title": "Bão",
            "summary": "Bão số 3 gây mưa lớn ở Hà Nội.",
            "text": "Giá vàng giảm nhẹ. Bão số 3 đổ bộ vào Quảng Ninh. Bão gây mưa lớn ở Hà Nội. "
            "Trời nắng.",
        },
        {
            "id": "3",
            "title": "Chỉ tiêu đề",
            "summary": "Không có thân bài.",
            "text": "Ý kiến bạn đọc",
        },
    ]
    data = tmp_path / "val.jsonl"
    data.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    code = main(
        [
            "evaluate",
            "summaries",
            "--data",
            str(data),
            "--model",
            str(ranker_bundle),
            "--sentences",
            "1",
        ]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (
        result["articles"] == 2 and result["skipped_without_body"] == 1 and result["sentences"] == 1
    )
    assert result["scorer"] == "ranker.v1"
    for system in ("summarizer", "lead", "oracle"):
        assert set(result[system]) == {"rouge1", "rouge2", "rougeL", "mean_syllables"}
    assert result["oracle"]["rouge1"] >= max(
        result["lead"]["rouge1"], result["summarizer"]["rouge1"]
    )
    assert result["oracle"]["rouge1"] > result["lead"]["rouge1"]  # article 2's lead is off-topic
    assert result["summarizer_minus_lead"]["rouge1"] == pytest.approx(
        result["summarizer"]["rouge1"] - result["lead"]["rouge1"], abs=0.011
    )
    # --limit
    main(
        [
            "evaluate",
            "summaries",
            "--data",
            str(data),
            "--model",
            str(ranker_bundle),
            "--limit",
            "1",
        ]
    )
    assert json.loads(capsys.readouterr().out)["articles"] == 1


def test_evaluate_summaries_by_block_with_standalone_share(
    ranker_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = "Bão số 3 đổ bộ vào Quảng Ninh chiều nay."
    rows = [
        # Lead-1 is a connective whose antecedent no summary can hold: 100 % not standalone.
        {"summary": good, "text": f"Tuy nhiên, mưa vẫn còn kéo dài nhiều ngày. {good}"},
        {"summary": good, "text": f"{good} Nhiều chuyến bay bị hủy."},
        {"summary": good, "text": f"{good} Hà Nội có mưa to."},
    ]
    data = tmp_path / "val.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    args = ["evaluate", "summaries", "--data", str(data), "--model", str(ranker_bundle)]
    assert main([*args, "--sentences", "1", "--block-size", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["not_standalone_percent"]["lead"] == pytest.approx(100 / 3, abs=0.01)
    assert [b["rows"] for b in result["blocks"]] == [[0, 2], [2, 3]]  # the file ends at 3
    assert [b["articles"] for b in result["blocks"]] == [2, 1]
    assert result["blocks"][0]["not_standalone_percent"]["lead"] == 50.0
    assert result["blocks"][1]["lead"]["rouge1"] == 100.0
    # --skip with --limit: row range [1, 2)
    assert main([*args, "--sentences", "1", "--skip", "1", "--limit", "1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["articles"] == 1 and result["first_row"] == 1
    assert result["not_standalone_percent"]["lead"] == 0.0
    assert main([*args, "--skip", "-1"]) == 2
    assert "--skip must not be negative" in capsys.readouterr().err


@pytest.fixture(scope="module")
def vietnews_summarizer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """ranker.v1 trained for real by train_summarizer on a few hundred VietNews articles."""
    if not (VIETNEWS / "train.jsonl.gz").is_file():
        pytest.skip("../shared/data/vietnews not available")
    from tinbai.training.config import SummarizerTrainConfig
    from tinbai.training.summarizer import train_summarizer

    cfg = SummarizerTrainConfig(
        train=str(VIETNEWS / "train.jsonl.gz"),
        val=str(VIETNEWS / "val.jsonl.gz"),
        lexicon_articles=150,
        train_articles=250,
        vocabulary_size=5000,
        min_count=2,
        n_trees=40,
        max_leaf_nodes=15,
        tune_skip=1000,
        tune_articles=60,
        max_trigram_overlap_grid=[1.0, 0.5],
        orphan_penalty_grid=[0.0, 0.1],
        max_orphan_share=0.02,
        report_articles=60,
    )
    out = tmp_path_factory.mktemp("summarizer")
    metrics, files = train_summarizer(cfg, out, seed=13)
    assert [f.name for f in files] == ["train.jsonl.gz", "val.jsonl.gz"]
    return out, metrics


@pytest.mark.slow
def test_trained_ranker_metrics_and_files(vietnews_summarizer: tuple[Path, dict]) -> None:
    out, metrics = vietnews_summarizer
    assert sorted(p.name for p in out.iterdir()) == [
        "ranker.npz",
        "summarizer.json",
        "vocabulary.json",
    ]
    assert metrics["train_articles"] == 250 and metrics["val_articles"] == 60
    assert metrics["val_rows"] == [0, 60] and metrics["tuning_val_rows"] == [1000, 1060]
    assert set(metrics["ranker"]) == {"rouge1", "rouge2", "rougeL"}
    assert 10 < metrics["lead"]["rouge1"] < 60 and 10 < metrics["ranker"]["rouge1"] < 60
    config = json.loads((out / "summarizer.json").read_text())
    assert config["max_trigram_overlap"] in (1.0, 0.5)
    # The orphan penalty is the best-R1 one whose summaries hold ≤ 2 % non-standalone
    # sentences, and without it they hold more.
    tuning = metrics["tuning_by_orphan_penalty"]
    assert set(tuning) == {"0.0", "0.1"}
    assert tuning["0.1"]["orphan_share"] <= 0.02 < tuning["0.0"]["orphan_share"]
    assert config["orphan_penalty"] == metrics["orphan_penalty"] == 0.1


@pytest.mark.slow
def test_seed_article_summary_starts_with_its_first_sentence(
    vietnews_summarizer: tuple[Path, dict],
) -> None:
    from tinbai.model.summarize import load_summarizer

    doc = prepare(SEED_ARTICLE.read_text(encoding="utf-8"))
    summary = load_summarizer(vietnews_summarizer[0]).summarize(doc, Budget(sentences=3))
    assert summary.sentences[0].index == 0
    assert summary.text.startswith("Qua 5 năm thực hiện Chỉ thị 05-CT/TW")
    for chrome in ("Ý kiến bạn đọc", "Những tin", "Tác giả", "Nguồn tin", "Như Cố", "|", "./."):
        assert chrome not in summary.text


def test_seed_article_with_the_shipped_bundle() -> None:
    from tinbai.model.paths import DEFAULT_BUNDLE_DIR

    if not (DEFAULT_BUNDLE_DIR / "bundle.json").is_file():
        pytest.skip("the default bundle is not built in this checkout")
    bundle = load_bundle(DEFAULT_BUNDLE_DIR)
    if bundle.summarizer is None:
        pytest.skip("the default bundle ships no summariser")
    doc = prepare(SEED_ARTICLE.read_text(encoding="utf-8"))
    summary = bundle.summarizer.summarize(doc, Budget(sentences=3))
    assert summary.sentences[0].index == 0
    for chrome in ("Ý kiến bạn đọc", "Những tin", "Tác giả", "Nguồn tin", "Như Cố"):
        assert chrome not in summary.text
