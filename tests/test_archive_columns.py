"""Archive parts carry what the CLI row carries (title, meta, campaign evidence), and follow the
one rule for headline-only rows: tagged from the title, never summarised, the reason visible."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient
from tinbai.model.bundle import load_bundle
from tinbai.model.predict import tag_records
from tinbai.service.api import create_app
from tinbai.service.batch.writer import part_columns
from tinbai.service.cli import main
from tinbai.service.settings import Settings

from tests.test_archive import make_rows, write_jsonl

HEADLINE_ONLY = {"id": "h-1", "title": "Ngày hội hiến máu tình nguyện", "text": "", "date": ""}
CHROME_ONLY = {"id": "h-2", "title": "Bóng đá: cầu thủ ghi bàn", "text": "Tác giả: Lý Dũng"}


def read_parts(out: Path, fmt: str) -> list[dict]:
    rows: list[dict] = []
    for part in sorted(out.glob(f"part-*.{fmt}")):
        if fmt == "parquet":
            rows += pq.read_table(part).to_pylist()
        else:
            rows += [json.loads(x) for x in part.read_text(encoding="utf-8").splitlines()]
    return rows


def input_rows() -> list[dict]:
    rows = make_rows(20)
    rows[3]["text"] += "\nTác giả: Lý Dũng\nNguồn: baobackan.org.vn"  # by-line → meta
    return rows


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parts_carry_title_meta_and_the_cli_rows_evidence(
    tiny_bundle: Path, tmp_path: Path, fmt: str
) -> None:
    rows = input_rows()
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out"
    base = ["label-archive", str(inp), "-o", str(out), "--model", str(tiny_bundle)]
    assert main([*base, "--workers", "1", "--shard-size", "8", "--format", fmt]) == 0
    got = read_parts(out, fmt)
    assert [r["id"] for r in got] == [r["id"] for r in rows]
    for r in got:
        assert list(r) == part_columns(summaries=False)
    cli = tag_records(load_bundle(tiny_bundle), rows)  # what `tinbai tag` writes for them
    for row, src, line in zip(got, rows, cli, strict=True):
        assert row["title"] == src["title"]
        assert row["meta"] == line["meta"]
        assert row["campaign_evidence"] == line["campaigns"]
        assert [c["id"] for c in row["campaigns"]] == [c["id"] for c in line["campaigns"]]
    assert got[3]["meta"] == {"author": "Lý Dũng", "source": "baobackan.org.vn"}
    assert got[0]["campaign_evidence"] and all(
        "hiến máu" in s for s in got[0]["campaign_evidence"][0]["evidence"]
    )
    report = tmp_path / "coverage.csv"
    assert main(["report", str(out), "-o", str(report)]) == 0
    table = list(csv.DictReader(report.open(encoding="utf-8")))
    assert sum(int(r["articles"]) for r in table) == len(rows)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_headline_only_rows_are_tagged_not_summarised_and_say_why(
    tiny_bundle: Path, tmp_path: Path, fmt: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{k: v for k, v in r.items() if k != "topic"} for r in make_rows(4)]
    rows = [rows[0], HEADLINE_ONLY, CHROME_ONLY, rows[1]]
    # the body column renamed: the reason names the input's own field
    renamed = [{("body" if k == "text" else k): v for k, v in r.items()} for r in rows]
    inp = write_jsonl(tmp_path / "in.jsonl", renamed)
    out = tmp_path / "out"
    args = ["label-archive", str(inp), "-o", str(out), "--model", str(tiny_bundle)]
    args += ["--workers", "1", "--format", fmt, "--summaries", "--text-column", "body"]
    assert main(args) == 0  # tagged rows are not failures
    err = capsys.readouterr().err
    assert "4 rows, 4 ok, 0 failed" in err
    assert "2 rows have a headline but no body to summarise" in err
    got = {r["id"]: r for r in read_parts(out, fmt)}
    assert all(list(r) == part_columns(summaries=True) for r in got.values())
    for i in ("h-1", "h-2"):
        assert got[i]["summary"] is None and got[i]["topic"], got[i]  # tagged from the title
    assert got["h-1"]["summary_error"] == "field 'body': is empty or only whitespace"
    assert got["h-2"]["summary_error"] == (
        "field 'body': has no article text left after removing page chrome"
    )
    assert got["h-2"]["meta"]["author"] == "Lý Dũng"
    for r in (rows[0], rows[3]):
        assert got[r["id"]]["summary"] and got[r["id"]]["summary_error"] is None
    record = json.loads((out / "_parts" / "part-00000.json").read_text(encoding="utf-8"))
    assert record["unsummarised"] == 2
    assert main(["report", str(out), "-o", str(tmp_path / "c.csv")]) == 0


def test_summarize_and_the_api_follow_the_same_rule(tiny_bundle: Path, tmp_path: Path) -> None:
    """`tinbai summarize` gives the error row the archive's summary_error holds; the HTTP API
    tags a headline alone (as `tinbai tag` does) and refuses to summarise it, with that message."""
    articles = [HEADLINE_ONLY, CHROME_ONLY]
    reasons = [
        "field 'text': is empty or only whitespace",
        "field 'text': has no article text left after removing page chrome",
    ]
    inp = write_jsonl(tmp_path / "in.jsonl", articles)
    out = tmp_path / "out.jsonl"
    assert main(["summarize", str(inp), "-o", str(out), "--model", str(tiny_bundle)]) == 1
    lines = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert lines == [{"id": a["id"], "error": r} for a, r in zip(articles, reasons, strict=True)]
    tagged = {r["id"]: r for r in tag_records(load_bundle(tiny_bundle), articles)}
    settings = Settings(bundle=tiny_bundle, database_url=f"sqlite:///{tmp_path / 'f.db'}")
    with TestClient(create_app(settings)) as client:
        for art, reason in zip(articles, reasons, strict=True):
            body = {k: art[k] for k in ("id", "title", "text")}
            got = client.post("/v1/tag", json=body)
            assert got.status_code == 200, got.text
            assert got.json()["topic"]["label"] == tagged[art["id"]]["topic"]["label"]
            for path in ("/v1/summarize", "/v1/analyze"):
                refused = client.post(path, json=body)
                assert refused.status_code == 422
                assert refused.json()["error"]["message"] == reason, path
        batch = client.post("/v1/tag/batch", json={"articles": [HEADLINE_ONLY, {"text": " "}]})
        results = batch.json()["results"]
        assert batch.json()["ok"] == 1 and "topic" in results[0]
        assert results[1] == {"id": None, "error": reasons[0]}  # nothing to read at all
        assert client.post("/v1/tag", json={"title": " ", "text": ""}).status_code == 422


def test_a_job_written_with_other_columns_is_not_resumed_into_mixed_parts(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", make_rows(6))
    out = tmp_path / "out"
    args = ["label-archive", str(inp), "-o", str(out), "--model", str(tiny_bundle)]
    assert main([*args, "--workers", "1"]) == 0
    manifest = out / "_manifest.json"
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    del doc["options"]["part_columns"]  # as a job started by an older tinbai records it
    manifest.write_text(json.dumps(doc), encoding="utf-8")
    capsys.readouterr()
    assert main([*args, "--workers", "1"]) == 2
    assert "option 'part_columns'" in capsys.readouterr().err
