"""``tinbai label-archive``: every input row exactly once in OUT: formats, errors, resumes."""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tinbai.service.batch import JobConfig, run_job
from tinbai.service.batch.reader import Columns, file_kind, read_shard, scan_file
from tinbai.service.cli import main

from tests.conftest import REPO, TOPIC_WORDS, make_article

THEME = (
    "Huyện tổ chức hiến máu tình nguyện. Ngày hội hiến máu thu được 300 đơn vị máu. "
    "Phong trào hiến máu tình nguyện lan rộng."
)


def make_rows(n: int, seed: int = 1, prefix: str = "a") -> list[dict]:
    """Generated articles with ids, dates and a known topic; every 10th is about blood donation."""
    rng = random.Random(seed)
    topics = list(TOPIC_WORDS)
    rows = []
    for i in range(n):
        topic = topics[i % len(topics)]
        art = make_article(topic, rng, THEME if i % 10 == 0 else "")
        rows.append(
            {
                "id": f"{prefix}-{i}",
                "title": art["title"],
                "text": art["text"],
                "date": f"2024-{1 + i % 6:02d}-{1 + i % 28:02d}",
                "topic": topic,
            }
        )
    return rows


def write_jsonl(path: Path, rows: list, gz: bool = False) -> Path:
    data = "".join(
        (r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows
    ).encode()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def read_out(out: Path) -> tuple[list[dict], list[dict]]:
    """All labelled rows (every part, in part order) and all error rows of an output folder."""
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    fmt = manifest["options"]["format"]
    rows: list[dict] = []
    for i in range(len(manifest["shards"])):
        part = out / f"part-{i:05d}.{fmt}"
        if fmt == "parquet":
            rows.extend(pq.read_table(part).to_pylist())
        else:
            rows.extend(json.loads(x) for x in part.read_text(encoding="utf-8").splitlines())
    lines = (out / "_errors.jsonl").read_text(encoding="utf-8").splitlines()
    errors = [json.loads(x) for x in lines]
    return rows, errors


def assert_exactly_once(out: Path, good_ids: list[str], n_errors: int) -> list[dict]:
    rows, errors = read_out(out)
    ids = [r["id"] for r in rows]
    assert sorted(ids) == sorted(good_ids), "every good row exactly once, nothing else"
    assert len(errors) == n_errors
    success = json.loads((out / "_SUCCESS").read_text())
    assert success["ok"] == len(good_ids) and success["failed"] == n_errors
    assert not list(out.glob(".*.tmp")), "no temporary file left behind"
    return rows


def test_local_engine_end_to_end_mixed_formats(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = make_rows(300)
    inp = tmp_path / "archive"
    (inp / "2024").mkdir(parents=True)
    write_jsonl(inp / "a.jsonl", rows[:120])
    write_jsonl(inp / "2024" / "b.jsonl.gz", rows[120:200], gz=True)
    with open(inp / "c.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "title", "text", "date", "topic"])
        w.writeheader()
        w.writerows(rows[200:250])
    renamed = [
        {**{k: v for k, v in r.items() if k != "date"}, "published": r["date"]} for r in rows[250:]
    ]
    table = pa.Table.from_pylist(renamed)
    pq.write_table(table, inp / "d.parquet", row_group_size=7)  # shards cut across row groups
    (inp / "notes.txt").write_text("not an input file")
    out = tmp_path / "out"
    code = main(
        [
            "label-archive",
            str(inp),
            "-o",
            str(out),
            "--model",
            str(tiny_bundle),
            "--workers",
            "2",
            "--shard-size",
            "40",
        ]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert "300 rows, 300 ok, 0 failed" in err
    manifest = json.loads((out / "_manifest.json").read_text(encoding="utf-8"))
    # files in path order, each cut into 40-row shards: 120 → 3, 80 → 2, 50 → 2, 50 → 2
    assert [Path(s["path"]).name for s in manifest["shards"]] == ["b.jsonl.gz"] * 2 + [
        "a.jsonl"
    ] * 3 + ["c.csv"] * 2 + ["d.parquet"] * 2
    got = assert_exactly_once(out, [r["id"] for r in rows], 0)
    by_id = {r["id"]: r for r in got}
    truth = {r["id"]: r for r in rows}
    assert list(got[0]) == [
        *("id", "date", "topic", "topic_score", "campaigns", "mentions"),
        *("title", "meta", "campaign_evidence"),  # appended after the original columns
    ]
    accuracy = sum(by_id[i]["topic"] == truth[i]["topic"] for i in truth) / len(truth)
    assert accuracy > 0.9
    assert by_id["a-30"]["date"] == "2024-01-03" and by_id["a-290"]["date"] == "2024-03-11"
    tagged = {
        i
        for i, r in by_id.items()
        if any(c["id"] == "hien-mau-tinh-nguyen" for c in r["campaigns"])
    }
    themed = {f"a-{i}" for i in range(0, 300, 10)}
    assert tagged <= themed and len(tagged) >= 0.9 * len(themed)
    assert all(0 < r["topic_score"] <= 1 for r in got)


def test_errors_file_and_the_job_goes_on(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = make_rows(20)
    lines: list = [
        *good[:5],
        "{not json",
        {"id": "e", "text": "   "},
        {"id": "m"},
        {"text": "no id here"},
        "",
        ["a", "list"],
        {"id": " ", "text": "Có chữ."},
        *good[5:],
    ]
    inp = write_jsonl(tmp_path / "in.jsonl", lines)
    with open(inp, "ab") as fh:
        fh.write(b'{"id": "u", "text": "\xff\xfe"}\n')
    out = tmp_path / "out"
    code = main(
        [
            "label-archive",
            str(inp),
            "-o",
            str(out),
            "--model",
            str(tiny_bundle),
            "--workers",
            "1",
            "--shard-size",
            "8",
            "--format",
            "jsonl",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "28 rows, 20 ok, 8 failed" in err and "_errors.jsonl" in err
    _, errors = read_out(out)
    assert_exactly_once(out, [r["id"] for r in good], 8)
    by_row = {e["row"]: e for e in errors}
    assert set(errors[0]) == {"id", "error", "file", "row"}
    assert errors[0]["file"] == str(inp.resolve())
    assert "invalid JSON" in by_row[6]["error"] and by_row[6]["id"] is None
    assert by_row[7] == {
        "id": "e",
        "error": "field 'text': is empty or only whitespace",
        "file": str(inp.resolve()),
        "row": 7,
    }
    assert by_row[8]["error"] == "field 'text': is missing"
    assert by_row[9]["error"] == "field 'id': is missing"
    assert "empty line" in by_row[10]["error"]
    assert "expected a JSON object" in by_row[11]["error"]
    assert by_row[12]["error"] == "field 'id': is empty or only whitespace"
    assert "not valid UTF-8" in by_row[28]["error"]


def test_column_mapping_and_summaries(tiny_bundle: Path, tmp_path: Path) -> None:
    rows = make_rows(12)
    inp = tmp_path / "in.csv"
    with open(inp, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["article_id", "headline", "body", "pub"])
        w.writerows([[r["id"], r["title"], r["text"], r["date"]] for r in rows])
    out = tmp_path / "out"
    args = [
        "label-archive",
        str(inp),
        "-o",
        str(out),
        "--model",
        str(tiny_bundle),
        "--workers",
        "1",
        "--id-column",
        "article_id",
        "--text-column",
        "body",
        "--title-column",
        "headline",
        "--date-column",
        "pub",
        "--summaries",
    ]
    assert main(args) == 0
    got = assert_exactly_once(out, [r["id"] for r in rows], 0)
    assert got[0]["date"] == rows[0]["date"]
    # lead baseline (the tiny bundle has no summariser): the first body sentences
    assert got[0]["summary"] and rows[0]["text"].startswith(got[0]["summary"][:30])
    unmapped = ["label-archive", str(inp), "-o", str(tmp_path / "o2"), "--model", str(tiny_bundle)]
    assert main(unmapped) == 2


def test_resume_refuses_changed_input_or_options(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", make_rows(30))
    out = tmp_path / "out"
    base = [
        "label-archive",
        str(inp),
        "-o",
        str(out),
        "--model",
        str(tiny_bundle),
        "--workers",
        "1",
        "--shard-size",
        "10",
    ]
    assert main(base) == 0
    first = {p.name: p.stat().st_mtime_ns for p in out.glob("part-*")}
    capsys.readouterr()
    # the same command on a finished job redoes nothing
    assert main(base) == 0
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("part-*")} == first
    assert "3 done by an earlier run" in capsys.readouterr().err
    assert main(base + ["--summaries"]) == 2
    assert "option 'summaries'" in capsys.readouterr().err
    write_jsonl(inp, make_rows(31))
    assert main(base) == 2
    err = capsys.readouterr().err
    assert "different input" in err and "Traceback" not in err
    from tinbai.service.batch.writer import lock

    held = lock(out)  # as a job still running on OUT would
    assert main(base) == 2
    assert "another label-archive job is writing" in capsys.readouterr().err
    held.close()
    fresh = tmp_path / "fresh"  # a run killed while writing its manifest leaves only a temporary
    fresh.mkdir()
    (fresh / "._manifest.json.999.tmp").write_text("{")
    assert (
        main(
            [
                "label-archive",
                str(inp),
                "-o",
                str(fresh),
                "--model",
                str(tiny_bundle),
                "--workers",
                "1",
            ]
        )
        == 0
    )
    assert not (fresh / "._manifest.json.999.tmp").exists()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    other = ["label-archive", str(inp), "-o", str(tmp_path / "other"), "--model", str(tiny_bundle)]
    assert main(other) == 2
    assert "not a label-archive output folder" in capsys.readouterr().err


def test_partial_parts_are_never_taken_for_finished_ones(tiny_bundle: Path, tmp_path: Path) -> None:
    rows = make_rows(50)
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out"
    cfg = JobConfig(input=str(inp), output=out, bundle_dir=tiny_bundle, workers=1, shard_size=10)
    run_job(cfg)
    # what a run killed mid-write leaves: a missing part, its half-written temporary, no _SUCCESS
    (out / "part-00003.parquet").unlink()
    (out / ".part-00003.parquet.4242.tmp").write_bytes(b"PAR1 half a part")
    (out / "_SUCCESS").unlink()
    summary = run_job(cfg)
    assert summary.done_before == 4 and summary.ok == 50
    assert_exactly_once(out, [r["id"] for r in rows], 0)


def test_killed_with_sigkill_then_resumed_exactly_once(tiny_bundle: Path, tmp_path: Path) -> None:
    rows = make_rows(1000, seed=3)
    inp = write_jsonl(tmp_path / "in.jsonl", [*rows[:500], "{broken", *rows[500:]])
    out = tmp_path / "out"
    cmd = [
        sys.executable,
        "-m",
        "tinbai.service.cli",
        "label-archive",
        str(inp),
        "-o",
        str(out),
        "--model",
        str(tiny_bundle),
        "--workers",
        "1",
        "--shard-size",
        "10",
        "--format",
        "jsonl",
    ]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while len(list(out.glob("part-*"))) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # mid-job, perhaps mid-write
    proc.wait()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.returncode == -signal.SIGKILL, stderr
    done = sorted(p.name for p in out.glob("part-*"))
    assert 3 <= len(done) < 101, "killed part-way"
    assert not (out / "_SUCCESS").exists()
    before = {name: (out / name).stat().st_ino for name in done}
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 1, res.stderr  # the broken line
    assert "1001 rows, 1000 ok, 1 failed" in res.stderr
    assert_exactly_once(out, [r["id"] for r in rows], 1)
    # finished parts were kept, not redone
    assert {name: (out / name).stat().st_ino for name in done} == before


@pytest.mark.parametrize("kind_name", ["a.jsonl", "a.jsonl.gz", "a.csv", "a.parquet"])
def test_reading_any_shard_equals_reading_the_file(tmp_path: Path, kind_name: str) -> None:
    rows = [{"id": f"r{i}", "text": f"Dòng {i}\ncó hai dòng", "title": "t"} for i in range(23)]
    path = tmp_path / kind_name
    kind = file_kind(path)
    assert kind is not None
    if kind.startswith("jsonl"):
        write_jsonl(path, rows, gz=kind.endswith(".gz"))
    elif kind == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=["id", "text", "title"])
            w.writeheader()
            w.writerows(rows)
    else:
        pq.write_table(pa.Table.from_pylist(rows), path, row_group_size=4)
    scan = scan_file(path, kind, 5, Columns())
    assert scan.rows == 23
    got = []
    for k, start in enumerate(range(0, 23, 5)):
        offset = scan.offsets[k] if scan.offsets else None
        got.extend(read_shard(path, kind, start, min(start + 5, 23), offset))
    assert got == rows
    assert scan_file(path, kind, 5, Columns(), limit=7).rows == 7


@pytest.mark.slow
def test_ray_engine_gives_the_same_rows_as_local(tiny_bundle: Path, tmp_path: Path) -> None:
    pytest.importorskip("ray")
    rows = make_rows(40, seed=5)
    inp = write_jsonl(tmp_path / "in.jsonl", [*rows[:7], {"id": "bad", "text": ""}, *rows[7:]])
    outs = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        cfg = JobConfig(
            input=str(inp),
            output=out,
            bundle_dir=tiny_bundle,
            engine=engine,
            workers=2,
            shard_size=10,
            summaries=True,
            ray_init={
                "num_cpus": 2,
                "object_store_memory": 80 * 1024**2,
                "include_dashboard": False,
            },
        )
        summary = run_job(cfg)
        assert (summary.ok, summary.failed) == (40, 1)
        outs[engine] = read_out(out)
    assert outs["ray"] == outs["local"]
    assert len(outs["ray"][0]) == 40 and outs["ray"][1][0]["id"] == "bad"


@pytest.mark.parametrize("workers", ["1", pytest.param("2", marks=pytest.mark.slow)])
def test_a_bundle_that_fails_to_load_is_a_message(
    tiny_bundle: Path, tmp_path: Path, workers: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(tiny_bundle, broken)
    (broken / "topic_weights.npz").unlink()
    inp = write_jsonl(tmp_path / "in.jsonl", make_rows(30))
    code = main(
        [
            "label-archive",
            str(inp),
            "-o",
            str(tmp_path / "out"),
            "--model",
            str(broken),
            "--workers",
            workers,
            "--shard-size",
            "10",
        ]
    )
    err = capsys.readouterr().err
    # the bundle's checksums list the deleted file: the message names it
    assert code == 2 and "topic_weights.npz: missing from the bundle" in err
    assert "Traceback" not in err
