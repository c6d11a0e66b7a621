"""Issue #9, defect 5: the CLI never destroys data. Outputs appear whole or not at all, an
output that is the input is refused, I/O failures are one line and exit 2, a BOM is fine."""

from __future__ import annotations

import errno
import gzip
import json
import os
from pathlib import Path

import pytest
from tinbai.model import files
from tinbai.model.files import atomic_output, open_input
from tinbai.service.cli import main

GOOD = {"id": "a", "title": "Bóng đá", "text": "Cầu thủ ghi bàn thắng trong trận đấu."}


def _rows(n: int) -> list[dict]:
    return [{**GOOD, "id": f"a{i}"} for i in range(n)]


def _jsonl(rows: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err
    return code, err


def _one_error_line(err: str) -> str:
    lines = [x for x in err.splitlines() if "error" in x]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("command", ["tag", "summarize"])
def test_output_that_is_the_input_is_refused(
    command: str, tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "x.jsonl"
    inp.write_bytes(_jsonl(_rows(3)))
    before = inp.read_bytes()
    link = tmp_path / "link.jsonl"
    link.symlink_to(inp)
    hard = tmp_path / "hard.jsonl"
    os.link(inp, hard)
    for out in (inp, link, hard, tmp_path / "." / "x.jsonl"):
        code, err = _run([command, str(inp), "-o", str(out), "--model", str(tiny_bundle)], capsys)
        assert code == 2 and "is the input file" in _one_error_line(err)
        assert inp.read_bytes() == before


def test_missing_input_leaves_the_existing_output_alone(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "existing.jsonl"
    out.write_text("precious\n")
    code, err = _run(
        ["tag", str(tmp_path / "missing.jsonl"), "-o", str(out), "--model", str(tiny_bundle)],
        capsys,
    )
    assert code == 2 and "input file not found" in _one_error_line(err)
    assert out.read_text() == "precious\n"


def test_truncated_gzip_is_one_line_and_no_torn_output(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = gzip.compress(_jsonl(_rows(400)))
    inp = tmp_path / "in.jsonl.gz"
    inp.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    code, err = _run(
        ["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle), "--batch-size", "8"], capsys
    )
    line = _one_error_line(err)
    assert code == 2 and str(inp) in line and "truncated" in line
    assert out.read_text() == "old\n" and _leftovers(tmp_path) == []
    inp.write_bytes(b"not gzip at all\n")
    code, err = _run(["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle)], capsys)
    assert code == 2 and "gzip" in _one_error_line(err) and out.read_text() == "old\n"


def test_byte_order_mark_is_accepted(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "bom.jsonl"
    inp.write_bytes(b"\xef\xbb\xbf" + _jsonl(_rows(2)))
    out = tmp_path / "out.jsonl"
    code, err = _run(["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle)], capsys)
    assert code == 0, err
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a0", "a1"] and all("error" not in r for r in rows)
    with open_input(inp, text=True) as fh:  # the shared opener's text mode drops it too
        assert json.loads(fh.readline())["id"] == "a0"


def test_full_disk_on_a_device_is_one_line(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(_jsonl(_rows(50)))
    code, err = _run(["tag", str(inp), "-o", "/dev/full", "--model", str(tiny_bundle)], capsys)
    line = _one_error_line(err)
    assert code == 2 and "/dev/full" in line and "no space left" in line
    assert Path("/dev/full").is_char_device()  # written in place, never replaced by a rename


def _fail_writes(monkeypatch: pytest.MonkeyPatch, code: int, after: int = 0) -> None:
    """Make every write to an output temporary fail with ``code`` once ``after`` bytes went."""
    written = {"n": 0}
    real = files._OutputFile._raw_write

    def write(self: files._OutputFile, data: bytes) -> int:
        if written["n"] + len(data) > after:
            raise OSError(code, os.strerror(code))
        written["n"] += len(data)
        return real(self, data)

    monkeypatch.setattr(files._OutputFile, "_raw_write", write)


@pytest.mark.parametrize(
    ("code", "words"), [(errno.ENOSPC, "no space left"), (errno.EDQUOT, "quota")]
)
def test_full_disk_leaves_the_old_output_and_no_temporary(
    code: int,
    words: str,
    tiny_bundle: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(_jsonl(_rows(200)))
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    _fail_writes(monkeypatch, code, after=4096)
    code_, err = _run(
        ["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle), "--batch-size", "8"], capsys
    )
    line = _one_error_line(err)
    assert code_ == 2 and str(out) in line and words in line
    assert out.read_text() == "old\n" and _leftovers(tmp_path) == []


def test_unwritable_output_is_one_line(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch
) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(_jsonl(_rows(2)))
    base = ["tag", str(inp), "--model", str(tiny_bundle), "-o"]
    code, err = _run([*base, str(tmp_path)], capsys)  # a directory
    assert code == 2 and "is a directory" in _one_error_line(err)
    code, err = _run([*base, str(inp / "out.jsonl")], capsys)  # under a file
    assert code == 2 and "is not a directory" in _one_error_line(err)

    def denied(self: files._OutputFile, tmp: Path, shown: str) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp))

    monkeypatch.setattr(files._OutputFile, "__init__", denied)
    out = tmp_path / "out.jsonl"
    code, err = _run([*base, str(out)], capsys)
    line = _one_error_line(err)
    assert code == 2 and str(out) in line and "permission denied" in line
    assert not out.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_read_only_directory_is_one_line(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    inp.write_bytes(_jsonl(_rows(2)))
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        code, err = _run(
            ["tag", str(inp), "-o", str(ro / "o.jsonl"), "--model", str(tiny_bundle)], capsys
        )
    finally:
        ro.chmod(0o700)
    assert code == 2 and "permission denied" in _one_error_line(err)


def test_lone_surrogates_never_stop_the_output(
    tiny_bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inp = tmp_path / "in.jsonl"
    lines = [
        '{"id": "\\ud800", "text": "C\\u1ea7u th\\u1ee7 ghi b\\u00e0n."}',
        '{"id": "b", "text": "x \\udfff y"}',
        json.dumps(GOOD),
    ]
    inp.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.jsonl"
    code, err = _run(["tag", str(inp), "-o", str(out), "--model", str(tiny_bundle)], capsys)
    assert code in (0, 1) and "Traceback" not in err
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    # the bad id's error row carries it escaped (model.article), so the line is printable
    assert [r["id"] for r in rows] == ["\\ud800", "b", "a"]


def test_atomic_output_keeps_the_old_file_on_any_failure(tmp_path: Path) -> None:
    target = tmp_path / "t.jsonl.gz"
    with atomic_output(target) as fh:
        fh.write("one\n")
    with pytest.raises(RuntimeError), atomic_output(target) as fh:
        fh.write("two\n")
        raise RuntimeError("the command failed half-way")
    with open_input(target, text=True) as fh:
        assert fh.read() == "one\n"
    assert _leftovers(tmp_path) == []


def test_report_and_feedback_outputs_are_checked_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _run(["feedback", "export", "-o", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in _one_error_line(err)
    code, err = _run(["report", str(tmp_path), "--plot", str(tmp_path)], capsys)
    assert code == 2 and "is a directory" in _one_error_line(err)
