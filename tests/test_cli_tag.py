"""The ``tinbai tag`` / ``tinbai evaluate`` contract: one output line per input line, in order."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from tinbai.service.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_tag_good_and_bad_lines(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    lines = [
        json.dumps(
            {"id": "a", "title": "Bóng đá", "text": "Cầu thủ ghi bàn thắng trong trận đấu."}
        ),
        "{not json",
        json.dumps({"id": "b", "text": "   "}),
        json.dumps({"id": "c", "text": 42}),
        json.dumps({"id": "d"}),
        json.dumps(["a", "list"]),
        "",
        json.dumps({"id": 7, "text": "Bệnh viện điều trị cho bệnh nhân. Bác sĩ tiêm vắc xin."}),
    ]
    inp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    code, _, err = _run(["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle)], capsys)
    rows = _lines(out)
    assert len(rows) == len(lines)
    assert code == 1
    assert "8 lines, 2 ok, 6 failed" in err
    assert rows[0]["id"] == "a" and rows[0]["topic"]["label"] == "the-thao"
    assert set(rows[0]) == {"id", "topic", "campaigns", "mentions", "meta"}
    assert rows[0]["meta"] == {"author": None, "source": None}
    assert set(rows[0]["topic"]) == {"label", "score"}
    assert "invalid JSON" in rows[1]["error"] and rows[1]["id"] is None
    assert rows[2] == {"id": "b", "error": "field 'text': is empty or only whitespace"}
    assert rows[3] == {"id": "c", "error": "field 'text': must be a string, got int"}
    assert rows[4] == {"id": "d", "error": "field 'text': is missing"}
    assert "expected a JSON object" in rows[5]["error"]
    assert "empty line" in rows[6]["error"]
    assert rows[7]["id"] == "7" and rows[7]["topic"]["label"] == "suc-khoe"


def test_headline_only_rows_are_tagged_from_the_title(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    rows_in = [
        {"id": "h", "title": "Cầu thủ ghi bàn thắng trong trận đấu bóng đá", "text": ""},
        {"id": "n", "title": "   ", "text": ""},
    ]
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows_in), "utf-8")
    out = tmp_path / "out.jsonl"
    _run(["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle)], capsys)
    rows = _lines(out)
    assert rows[0]["topic"]["label"] == "the-thao"
    assert rows[1] == {"id": "n", "error": "field 'text': is empty or only whitespace"}


def test_tag_reads_gzip_and_invalid_utf8(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl.gz"
    with gzip.open(inp, "wb") as fh:
        fh.write(json.dumps({"id": "x", "text": "Trận đấu có nhiều bàn thắng."}).encode() + b"\n")
        fh.write(b'{"id": "y", "text": "\xff\xfe"}\n')
    out = tmp_path / "out.jsonl"
    code, _, _ = _run(["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle)], capsys)
    rows = _lines(out)
    assert code == 1
    assert rows[0]["id"] == "x" and "topic" in rows[0]
    assert "not valid UTF-8" in rows[1]["error"]


def test_all_good_lines_exit_zero(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_text(
        json.dumps({"id": "a", "text": "Ngân hàng báo lợi nhuận cao."}) + "\n", encoding="utf-8"
    )
    code, _, err = _run(
        ["tag", str(inp), "-o", str(tmp_path / "o.jsonl"), "--model", str(tiny_bundle)], capsys
    )
    assert code == 0 and "0 failed" in err


def test_missing_input_and_bad_model_are_user_errors(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["tag", str(tmp_path / "nope.jsonl"), "-o", "-", "--model", str(tiny_bundle)], capsys
    )
    assert code == 2 and "input file not found" in err and "Traceback" not in err
    code, _, err = _run(["tag", "-", "-o", "-", "--model", str(tmp_path)], capsys)
    assert code == 2 and "not a model bundle" in err


def test_evaluate_topics_and_campaigns(
    tiny_bundle: Path, tiny_corpus: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run(
        ["evaluate", "topics", "--data", str(tiny_corpus["dev"]), "--model", str(tiny_bundle)],
        capsys,
    )
    res = json.loads(out)
    assert code == 0
    assert {"accuracy", "macro_f1", "per_class_f1", "confusion", "ece"} <= set(res)
    assert res["accuracy"] > 0.9 and res["n"] == 20
    assert sum(sum(row.values()) for row in res["confusion"].values()) == 20
    assert res["confusion"]["the-thao"]["the-thao"] == 5 and 0 <= res["ece"] <= 1
    code, out, _ = _run(
        [
            "evaluate",
            "campaigns",
            "--data",
            str(tiny_corpus["labels"]),
            "--model",
            str(tiny_bundle),
        ],
        capsys,
    )
    res = json.loads(out)
    assert {"micro_f1", "macro_f1", "precision", "recall"} <= set(res)
    assert res["micro_f1"] > 0.9
