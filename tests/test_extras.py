"""A missing extra is one clear line naming the pip command, never an ImportError trace."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from tinbai import extras
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.service.cli import main

from tests.conftest import REPO, SEED_ARTICLE


@pytest.fixture
def no_phobert(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(extras.EXTRAS, "phobert", ("torch", "tinbai_absent_module"))


def test_require_names_the_extra_and_the_missing_modules(no_phobert: None) -> None:
    assert extras.missing("phobert") == ["tinbai_absent_module"]
    with pytest.raises(extras.MissingExtra) as err:
        extras.require("phobert", "PhoBERT bundles")
    assert str(err.value) == (
        "PhoBERT bundles need `pip install 'tinbai[phobert]'` (not installed: tinbai_absent_module)"
    )


def test_require_passes_when_installed() -> None:
    extras.require("phobert", "PhoBERT bundles")  # the dev environment has every extra


def test_cli_on_a_phobert_bundle_without_the_extra_says_one_line(
    no_phobert: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(DEFAULT_BUNDLE_DIR, bundle)
    manifest = json.loads((bundle / "bundle.json").read_text(encoding="utf-8"))
    manifest["kind"] = "phobert"
    (bundle / "bundle.json").write_text(json.dumps(manifest), encoding="utf-8")
    inp = tmp_path / "in.jsonl"
    inp.write_text(json.dumps({"id": "a", "text": SEED_ARTICLE.read_text(encoding="utf-8")}))
    code = main(["tag", str(inp), "-o", str(tmp_path / "out.jsonl"), "--model", str(bundle)])
    err = capsys.readouterr().err
    assert code == 2
    assert "PhoBERT bundles need `pip install 'tinbai[phobert]'`" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["train", "--config", "configs/default.yaml"],
        ["evaluate", "topics", "--data", "gold.jsonl"],
        ["campaigns", "suggest-cues", "--labels", "labels.jsonl"],
    ],
)
def test_training_without_the_train_extra_says_one_line(args: list[str]) -> None:
    """scikit-learn and SciPy hidden (an import of either fails, as where they are absent)."""
    code = (
        "import sys; sys.modules['sklearn'] = sys.modules['scipy'] = None;"
        "from tinbai.service.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip() == (
        f"tinbai {args[0]}: error: Training and evaluation need `pip install 'tinbai[train]'` "
        "(not installed: sklearn, scipy)"
    )
