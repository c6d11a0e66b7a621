"""Issue #9, defect 6: archive jobs never accept a corrupt part, and an unreadable input file
is named in one line instead of a traceback."""

from __future__ import annotations

import gzip
import json
import logging
from pathlib import Path

import pytest
from tinbai.service.batch import JobConfig, run_job
from tinbai.service.batch import writer as archive_writer
from tinbai.service.batch.labeler import ShardLabeler
from tinbai.service.batch.plan import Shard
from tinbai.service.cli import main

from tests.test_archive import assert_exactly_once, make_rows, write_jsonl


def _job(tmp_path: Path, bundle: Path, fmt: str, n: int = 50) -> tuple[JobConfig, list[dict]]:
    rows = make_rows(n)
    inp = write_jsonl(tmp_path / "in.jsonl", [*rows[:7], "{broken", *rows[7:]])
    cfg = JobConfig(
        input=str(inp),
        output=tmp_path / "out",
        bundle_dir=bundle,
        workers=1,
        shard_size=10,
        format=fmt,
    )
    return cfg, rows


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_flipped_or_truncated_parts_are_redone_on_resume(
    fmt: str, tiny_bundle: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cfg, rows = _job(tmp_path, tiny_bundle, fmt)
    run_job(cfg)
    out = cfg.output
    good = {p.name: p.read_bytes() for p in out.glob("part-*")}
    flipped, cut = out / f"part-00001.{fmt}", out / f"part-00003.{fmt}"
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF  # the middle: a parquet footer stays intact
    flipped.write_bytes(bytes(data))
    cut.write_bytes(cut.read_bytes()[:-7])
    (out / "_SUCCESS").unlink()
    with caplog.at_level(logging.WARNING, logger="tinbai.service.batch.job"):
        summary = run_job(cfg)
    warned = "\n".join(r.getMessage() for r in caplog.records)
    assert f"{flipped}: checksum mismatch" in warned
    assert f"{cut}: truncated" in warned
    assert summary.done_before == 4 and summary.ok == 50 and summary.failed == 1
    assert_exactly_once(out, [r["id"] for r in rows], 1)
    assert {p.name: p.read_bytes() for p in out.glob("part-*")} == good  # redone, identical


def test_success_is_never_written_over_a_corrupt_part(tiny_bundle: Path, tmp_path: Path) -> None:
    cfg, _ = _job(tmp_path, tiny_bundle, "parquet")
    run_job(cfg)
    part = cfg.output / "part-00002.parquet"
    data = bytearray(part.read_bytes())
    data[40] ^= 0x01
    part.write_bytes(bytes(data))
    run_job(cfg)  # a finished job run again re-verifies its parts
    assert archive_writer.part_problem(cfg.output, 2, "parquet") is None


def test_a_part_without_its_record_or_errors_is_redone(tiny_bundle: Path, tmp_path: Path) -> None:
    cfg, rows = _job(tmp_path, tiny_bundle, "jsonl")
    run_job(cfg)
    out = cfg.output
    (out / "_parts" / "part-00002.json").unlink()  # e.g. a folder from an older tinbai
    (out / "_errors" / "part-00000.jsonl").write_text("")  # shard 0 holds the broken line
    (out / "_SUCCESS").unlink()
    summary = run_job(cfg)
    assert summary.done_before == 4  # 6 parts, 2 redone
    assert_exactly_once(out, [r["id"] for r in rows], 1)


def test_killed_between_record_and_part_resumes_exactly_once(
    tiny_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record is committed before its part: a crash between the two leaves a shard to do."""
    cfg, rows = _job(tmp_path, tiny_bundle, "parquet")
    real = archive_writer.atomic_write_bytes

    def crash_on_part_3(path: Path, data: bytes) -> None:
        if path.name == "part-00003.parquet":
            raise KeyboardInterrupt  # the process dies here
        real(path, data)

    monkeypatch.setattr(archive_writer, "atomic_write_bytes", crash_on_part_3)
    with pytest.raises(KeyboardInterrupt):
        run_job(cfg)
    assert (cfg.output / "_parts" / "part-00003.json").is_file()
    assert not (cfg.output / "part-00003.parquet").exists()
    monkeypatch.setattr(archive_writer, "atomic_write_bytes", real)
    summary = run_job(cfg)
    assert summary.done_before == 3
    assert_exactly_once(cfg.output, [r["id"] for r in rows], 1)


def test_unreadable_input_files_are_named_up_front(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    write_jsonl(src / "a.jsonl", make_rows(5))
    (src / "b.parquet").write_text("just text, named .parquet\n")
    full = gzip.compress(json.dumps(make_rows(1)[0]).encode() * 50)
    (src / "c.jsonl.gz").write_bytes(full[: len(full) // 2])
    out = tmp_path / "out"
    args = ["label-archive", str(src), "-o", str(out), "--model", str(tiny_bundle)]
    code = main([*args, "--workers", "1"])
    err = capsys.readouterr().err
    lines = [x for x in err.splitlines() if x.strip()]
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert "2 input file(s) cannot be read" in lines[0]
    assert f"{(src / 'b.parquet').resolve()}: not a readable parquet file" in lines[0]
    assert f"{(src / 'c.jsonl.gz').resolve()}: truncated" in lines[0]
    assert not (out / "_manifest.json").exists()  # nothing planned: the same OUT can be reused
    (src / "b.parquet").unlink()
    (src / "c.jsonl.gz").unlink()
    assert main([*args, "--workers", "1"]) == 0


def test_a_file_damaged_after_planning_turns_its_rows_into_errors(
    tiny_bundle: Path, tmp_path: Path
) -> None:
    inp = tmp_path / "in.jsonl.gz"
    full = gzip.compress(write_jsonl(tmp_path / "rows.jsonl", make_rows(40)).read_bytes())
    inp.write_bytes(full[: len(full) // 3])  # planned whole, cut well before its rows 31-33
    labeler = ShardLabeler(
        str(tiny_bundle),
        {"id": "id", "text": "text", "title": "title", "date": ["date"]},
        summaries=False,
    )
    result = labeler.label(Shard(4, str(inp), "jsonl.gz", 30, 33))
    assert result.rows == [] and [e["row"] for e in result.errors] == [31, 32, 33]
    assert all(e["error"].startswith("input file unreadable: truncated") for e in result.errors)
