"""Commands that must not create or overwrite what the user did not ask for."""

from __future__ import annotations

from pathlib import Path

import pytest
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.service.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_feedback_export_without_a_database_says_so_and_creates_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "none.db"
    out = tmp_path / "rows.jsonl"
    assert main(["feedback", "export", "-o", str(out), "--database", f"sqlite:///{db}"]) == 0
    err = capsys.readouterr().err
    assert f"no feedback database at {db}" in err
    assert "0 corrections, 0 articles written" in err
    assert not db.exists()
    assert out.read_text() == ""


def test_train_refuses_to_overwrite_the_shipped_bundle(
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = (DEFAULT_BUNDLE_DIR / "bundle.json").stat().st_mtime_ns
    assert main(["train", "--config", str(REPO / "configs" / "default.yaml")]) == 2
    err = capsys.readouterr().err
    assert "writes the shipped default bundle" in err and "--force" in err
    assert (DEFAULT_BUNDLE_DIR / "bundle.json").stat().st_mtime_ns == before
