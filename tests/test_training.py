"""``tinbai train``: configs are validated, and training is reproducible."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
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


def test_classical_fits_run_with_the_recipe_thread_count(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fitted weights depend on the thread count, so training must not take the machine's
    (or the caller's) but the recipe's."""
    from threadpoolctl import threadpool_info, threadpool_limits
    from tinbai.training import build
    from tinbai.training.config import parse_config

    seen: list[set[int]] = []
    monkeypatch.setattr(
        build,
        "train_classical",
        lambda config, output=None: seen.append({p["num_threads"] for p in threadpool_info()}),
    )
    with threadpool_limits(1):
        build.train(parse_config({"threads": 3}))
    assert seen == [{3}]


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


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("kind: classical\nepochs: 3\n", r"^\S+: invalid training config: epochs: Extra inputs"),
        ("topics: {c: 1.0, cc: 2.0}\n", r"topics\.cc: Extra inputs"),
        (
            "kind: phobert\nphobert: {scratch: {hidden_size: 8}, lrr: 0.1}\n",
            r"phobert\.lrr: Extra inputs",
        ),
        ("kind: classical\nphobert: {scratch: {hidden_size: 8}}\n", r"phobert: Extra inputs"),
        ("kind: phobert\n", r"phobert: Field required"),
    ],
)
def test_unknown_or_misplaced_keys_are_rejected_by_name(
    tmp_path: Path, text: str, named: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=named):
        load_config(bad)


def test_wrong_kind_is_rejected() -> None:
    from tinbai.training.config import parse_config

    for kind in ("mystery", "Classical", 3):
        with pytest.raises(ConfigError, match="kind must be 'classical' or 'phobert'"):
            parse_config({"kind": kind})


def test_kind_picks_the_typed_recipe(tmp_path: Path) -> None:
    from tinbai.training.config import ClassicalTrainConfig, PhobertTrainConfig, parse_config

    assert isinstance(parse_config({}), ClassicalTrainConfig)  # no kind: classical
    config = parse_config({"kind": "phobert", "phobert": {"scratch": {"hidden_size": 8}}})
    assert isinstance(config, PhobertTrainConfig) and config.phobert.max_length == 256


def test_relative_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    recipe = tmp_path / "recipes" / "r.yaml"
    recipe.parent.mkdir()
    recipe.write_text(
        "output: ../out/b\ntaxonomy: tax.yaml\ncampaigns: {labels: [l.jsonl, /abs/l.jsonl]}\n",
        encoding="utf-8",
    )
    cfg = load_config(recipe)
    base = recipe.parent.resolve()
    assert cfg.output_dir() == base / "../out/b" and cfg.taxonomy_path() == base / "tax.yaml"
    assert cfg.label_paths() == [base / "l.jsonl", Path("/abs/l.jsonl")]
    shipped = load_config(Path(__file__).resolve().parents[1] / "configs" / "default.yaml")
    assert shipped.taxonomy_path().is_file() and all(p.is_file() for p in shipped.label_paths())
    assert shipped.output_dir().resolve() == DEFAULT_BUNDLE_DIR.resolve()


def test_phobert_local_paths_resolve_against_the_config_file(tmp_path: Path) -> None:
    from tinbai.training.phobert import cache_root, phobert_config

    recipe = tmp_path / "recipes" / "p.yaml"
    (recipe.parent / "weights").mkdir(parents=True)
    recipe.write_text(
        "kind: phobert\nphobert: {base_model: weights, cache_dir: cache}\n", encoding="utf-8"
    )
    cfg = phobert_config(load_config(recipe))
    base = recipe.parent.resolve()
    assert cfg.base_model == str(base / "weights") and cache_root(cfg) == base / "cache/datasets"
    recipe.write_text("kind: phobert\nphobert: {base_model: vinai/phobert-base}\n", "utf-8")
    assert phobert_config(load_config(recipe)).base_model == "vinai/phobert-base"  # a hub id


def test_a_misspelt_scratch_encoder_key_is_rejected() -> None:
    """RobertaConfig would keep ``hiden_size`` silently and build a full-size encoder."""
    from tinbai.training.config import parse_config

    with pytest.raises(ConfigError, match=r"phobert\.scratch\.hiden_size: Extra inputs"):
        parse_config({"kind": "phobert", "phobert": {"scratch": {"hiden_size": 8}}})
    with pytest.raises(ConfigError, match="set base_model"):
        parse_config({"kind": "phobert", "phobert": {"scratch": {}}})
    small = parse_config({"kind": "phobert", "phobert": {"scratch": {"hidden_size": 8}}})
    assert small.phobert.scratch is not None and small.phobert.scratch.kwargs() == {
        "hidden_size": 8
    }
