"""``tinbai report``: coverage numbers on a hand-made archive folder, counted by hand."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from tinbai.service.batch.plan import Plan, Shard, save_plan
from tinbai.service.batch.report import NO_DATE, coverage, parse_date, write_csv
from tinbai.service.batch.writer import finalize, write_shard
from tinbai.service.cli import main

LABELS = {
    "topics": {"the-thao": "Thể thao", "kinh-doanh": "Kinh doanh", "suc-khoe": "Sức khỏe"},
    "campaigns": {
        "nong-thon-moi": "Xây dựng nông thôn mới",
        "an-toan-giao-thong": "An toàn giao thông",
        "hien-mau-tinh-nguyen": "Hiến máu tình nguyện",
    },
}


def _row(i: int, day: str | None, topic: str, campaigns: list[str]) -> dict:
    return {
        "id": f"r{i}",
        "date": day,
        "topic": topic,
        "topic_score": 0.9,
        "campaigns": [{"id": c, "score": 0.8} for c in campaigns],
    }


PART0 = [
    _row(1, "2024-01-05", "the-thao", ["an-toan-giao-thong"]),
    _row(2, "2024-01-20T08:00:00+07:00", "kinh-doanh", ["nong-thon-moi", "an-toan-giao-thong"]),
    _row(3, "03/02/2024", "kinh-doanh", ["nong-thon-moi"]),  # day first: 3 February
    _row(4, "2024-02-28", "suc-khoe", []),
]
PART1 = [
    _row(5, None, "the-thao", ["nong-thon-moi"]),
    _row(6, "not a date", "suc-khoe", []),
    _row(7, "2024-03-31", "the-thao", []),
]


@pytest.fixture(params=["parquet", "jsonl"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """An output folder as label-archive leaves it: manifest, two parts, one error, _SUCCESS."""
    fmt = request.param
    out = tmp_path / "out"
    out.mkdir()
    shards = [Shard(0, "/in.jsonl", "jsonl", 0, 5), Shard(1, "/in.jsonl", "jsonl", 5, 8)]
    save_plan(out, Plan({"format": fmt, "summaries": False}, [], shards, LABELS))
    write_shard(out, 0, fmt, PART0, [{"id": "x", "error": "field 'text': is missing"}], False)
    write_shard(out, 1, fmt, PART1, [], False)
    finalize(out, 2, fmt, 8)
    return out


def _table(out: Path, by: str) -> list[list[str]]:
    buf = io.StringIO()
    write_csv(coverage(out, by), buf)
    return list(csv.reader(io.StringIO(buf.getvalue())))


def test_monthly_numbers(archive: Path) -> None:
    assert _table(archive, "month") == [
        [
            "period",
            "articles",
            "campaign:nong-thon-moi",
            "campaign:an-toan-giao-thong",
            "campaign:hien-mau-tinh-nguyen",
            "topic:the-thao",
            "topic:kinh-doanh",
            "topic:suc-khoe",
            "mention:nong-thon-moi",  # passing mentions, counted apart (none in these parts)
            "mention:an-toan-giao-thong",
            "mention:hien-mau-tinh-nguyen",
        ],
        ["2024-01", "2", "1", "2", "0", "1", "1", "0", "0", "0", "0"],
        ["2024-02", "2", "1", "0", "0", "0", "1", "1", "0", "0", "0"],
        ["2024-03", "1", "0", "0", "0", "1", "0", "0", "0", "0", "0"],
        [NO_DATE, "2", "1", "0", "0", "1", "0", "1", "0", "0", "0"],
    ]


def test_weekly_numbers(archive: Path) -> None:
    table = _table(archive, "week")
    assert [r[:4] for r in table[1:]] == [
        ["2024-W01", "1", "0", "1"],
        ["2024-W03", "1", "1", "1"],
        ["2024-W05", "1", "1", "0"],
        ["2024-W09", "1", "0", "0"],
        ["2024-W13", "1", "0", "0"],
        [NO_DATE, "2", "1", "0"],
    ]


def test_parse_date_never_guesses() -> None:
    assert parse_date("2024-03-05") == date(2024, 3, 5)
    assert parse_date("2024-03-05T23:30:00Z") == date(2024, 3, 5)
    assert parse_date("05/03/2024") == date(2024, 3, 5)
    assert parse_date("5.3.2024 08:00") == date(2024, 3, 5)
    assert parse_date("31/02/2024") is None
    assert parse_date("March 2024") is None and parse_date("") is None and parse_date(None) is None


def test_report_cli_writes_csv_and_png(
    archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png, table = tmp_path / "coverage.png", tmp_path / "coverage.csv"
    code = main(["report", str(archive), "--by", "month", "--plot", str(png), "-o", str(table)])
    assert code == 0
    assert table.read_text(encoding="utf-8").splitlines()[1] == "2024-01,2,1,2,0,1,1,0,0,0,0"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert "partial" not in capsys.readouterr().err
    (archive / "_SUCCESS").unlink()
    assert main(["report", str(archive)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("period,articles,") and "not finished" in err
    assert main(["report", str(tmp_path)]) == 2
    assert "not a label-archive output folder" in capsys.readouterr().err


def test_report_refuses_a_part_whose_bytes_changed(
    archive: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The checksums recorded in _parts/ are verified: a damaged part is named, exit 2."""
    part = next(archive.glob("part-00001.*"))
    data = bytearray(part.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit flipped, size unchanged
    part.write_bytes(bytes(data))
    assert main(["report", str(archive)]) == 2
    err = capsys.readouterr().err.strip()
    assert part.name in err and "checksum mismatch" in err and len(err.splitlines()) == 1
    (archive / "_parts" / "part-00000.json").unlink()  # a part without its record
    part.unlink()  # not labelled yet: reported as partial, not refused
    assert main(["report", str(archive)]) == 2
    assert "part-00000" in capsys.readouterr().err
