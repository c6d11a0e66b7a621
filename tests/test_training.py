"""``tinbai train``: configs are validated, and training is reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from tinbai.service.cli import main
from tinbai.training.config import ConfigError, load_config

from tests.conftest import tiny_config_dict


def _tiny_config(tiny_corpus: dict, out: Path) -> dict:
    return tiny_config_dict(tiny_corpus, out)


def test_train_cli_is_reproducible(
    tiny_corpus: dict, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundles = []
    for name in ("a", "b"):
        cfg = tmp_path / f"{name}.yaml"
        cfg.write_text(yaml.safe_dump(_tiny_config(tiny_corpus, tmp_path / name)), encoding="utf-8")
        assert main(["train", "--config", str(cfg)]) == 0
        printed = json.loads(capsys.readouterr().out)
        assert printed["bundle"] == str(tmp_path / name)
        assert printed["metrics"]["topics_dev"]["accuracy"] > 0.9
        bundles.append(tmp_path / name)
    a, b = (np.load(p / "topic_weights.npz") for p in bundles)
    assert all(np.array_equal(a[k], b[k]) for k in ("idf", "coef", "intercept"))
    ca, cb = ((p / "campaigns.json").read_text() for p in bundles)
    assert ca == cb
    ma, mb = (json.loads((p / "bundle.json").read_text()) for p in bundles)
    assert ma["training"]["data_fingerprint"] == mb["training"]["data_fingerprint"]
    assert ma["thresholds"] == mb["thresholds"]


def test_config_errors_name_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: classical\ntopics: {ngram_max: 7}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topics\.ngram_max"):
        load_config(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_train_cli_reports_config_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: mystery\n", encoding="utf-8")
    assert main(["train", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "kind" in err and "Traceback" not in err


def test_shipped_default_config_is_valid() -> None:
    cfg = load_config(Path(__file__).resolve().parents[1] / "configs" / "default.yaml")
    assert cfg.kind == "classical" and cfg.seed == 13
