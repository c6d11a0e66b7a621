"""``tinbai tag article.txt``: plain text in, ``--text``, ``-`` for stdin, stdout by default."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
import tinbai
from tinbai.service.cli import main

ARTICLE = (
    "Hôm nay cầu thủ và huấn luyện viên nói về trận đấu tại Hà Nội.\n"
    "Bàn thắng ở phút cuối giúp đội nhà vào chung kết giải vô địch.\n"
)


def _rows(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_a_plain_text_file_is_one_article_on_stdout(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "article.txt"
    path.write_text("\n" + ARTICLE, encoding="utf-8")  # a leading blank line does not matter
    assert main(["tag", str(path), "--model", str(tiny_bundle)]) == 0
    out, err = capsys.readouterr()
    (row,) = _rows(out)
    assert row["id"] is None and row["topic"]["label"] == "the-thao"
    assert f"{path} is not JSONL; reading it as one plain-text article" in err
    assert main(["summarize", str(path), "--model", str(tiny_bundle), "--sentences", "1"]) == 0
    (summary,) = _rows(capsys.readouterr().out)
    assert len(summary["sentences"]) == 1


def test_text_option_and_stdin(
    tiny_bundle: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tag", "--text", ARTICLE, "--model", str(tiny_bundle)]) == 0
    by_option = _rows(capsys.readouterr().out)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(ARTICLE.encode())))
    assert main(["tag", "-", "--model", str(tiny_bundle)]) == 0
    out, err = capsys.readouterr()
    assert _rows(out) == by_option
    assert "standard input is not JSONL" in err


def test_jsonl_is_still_jsonl(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n\n", encoding="utf-8")
    assert main(["tag", str(path), "--model", str(tiny_bundle)]) == 1  # the blank line fails
    out, err = capsys.readouterr()
    assert [r["id"] for r in _rows(out)] == ["a", None]
    assert "not JSONL" not in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tag"], "give an input file (- for standard input) or --text"),
        (["tag", "x.txt", "--text", "a"], "give an input file or --text, not both"),
    ],
)
def test_input_or_text_exactly_one(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"tinbai {tinbai.__version__}"


def test_seed_article_as_plain_text_with_its_byline(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's first command: the shipped bundle, the seed article file as it is."""
    from tests.conftest import SEED_ARTICLE

    assert main(["tag", str(SEED_ARTICLE)]) == 0
    (row,) = _rows(capsys.readouterr().out)
    assert row["topic"]["label"] == "chinh-tri-xa-hoi"
    assert [c["id"] for c in row["campaigns"]] == ["hoc-tap-lam-theo-bac"]
    assert row["meta"]["author"] == "Lý Dũng"
    assert not any("Lý Dũng" in s for c in row["campaigns"] for s in c["evidence"])


def test_count_lines_gives_progress_totals(tmp_path: Path) -> None:
    from tinbai.service.cli.common import count_lines

    jsonl = tmp_path / "a.jsonl"
    jsonl.write_text('{"text": "a"}\n{"text": "b"}\n{"text": "c"}')  # no final newline
    text = tmp_path / "a.txt"
    text.write_text(ARTICLE)
    assert count_lines(str(jsonl)) == 3
    assert count_lines(str(text)) == 1  # one plain-text article
    assert count_lines("-") is None and count_lines(str(tmp_path / "a.jsonl.gz")) is None
