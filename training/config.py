"""Training configuration: one YAML file per recipe, validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from tinbai.model.paths import CONFIG_DIR, SHARED_DIR
from tinbai.model.reporting import describe_errors


class ConfigError(ValueError):
    pass


class TopicTrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    train: str = "data/vntc/train.jsonl.gz"
    dev: str = "data/vntc/dev.jsonl.gz"
    ngram_max: int = Field(2, ge=1, le=3)
    title_weight: int = Field(2, ge=1, le=5)
    min_df: int = Field(2, ge=1)
    max_df: float = Field(0.8, gt=0, le=1)
    max_features: int | None = Field(300_000, ge=1000)
    classifier: Literal["logreg", "linear-svm"] = "logreg"
    c: float = Field(20.0, gt=0)
    max_iter: int = 300
    # "lr-lm-ensemble.v1" adds per-topic Kneser-Ney syllable LMs stacked with the LR
    # (measured no better on VNTC dev; see README "Topic model")
    component: Literal["tfidf-linear.v1", "lr-lm-ensemble.v1"] = "tfidf-linear.v1"
    lm_order: int = Field(2, ge=1, le=5)
    lm_min_count: int = Field(1, ge=1)  # drop n-grams (order >= 2) seen fewer times
    lm_vocab_min_count: int = Field(2, ge=1)  # rarer syllables are "unknown" to the LMs
    cv_folds: int = Field(5, ge=2)  # out-of-fold scores fit the stacking weights
    # tfidf-linear.v1: fit a softmax temperature on this many folds' out-of-fold logits (0 = none)
    temperature_folds: int = Field(0, ge=0)

    @field_validator("temperature_folds")
    @classmethod
    def _folds_or_none(cls, v: int) -> int:
        if v == 1:
            raise ValueError("0 (no temperature) or at least 2 folds")
        return v


class CampaignTrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    labels: list[str] = Field(default_factory=lambda: ["training/labels/campaigns_train.jsonl"])
    dev: str = "data/campaigns/dev_gold.jsonl"
    c: float = Field(1.0, gt=0)
    min_positives_for_own_threshold: int = Field(5, ge=1)
    cv_folds: int = Field(5, ge=2)
    stack_folds: int = Field(3, ge=2)  # inner folds giving the stacked model its lexical inputs
    # the theme model's feature groups (model/campaigns/features.py); chosen by CV
    features: list[Literal["base", "structure", "topics", "lexical", "prior"]] = Field(
        default_factory=lambda: ["base", "structure", "topics", "lexical", "prior"]
    )
    lexical_c: float = Field(4.0, gt=0)  # the lexical models' inverse regularisation
    min_labels_for_lexical: int = Field(15, ge=2)  # positives and negatives a campaign needs
    prior_strength: float = Field(10.0, ge=0)  # pseudo-candidates pulling priors to the mean
    calibrate: bool = True  # isotonic calibration of the theme score (cross-fitted)
    passing_rule: bool = True  # GUIDELINES' passing pattern scores its training theme rate
    yaml_only_model: bool = True  # a second model scores campaigns without labels of their own
    threshold_grid: list[float] = Field(
        default_factory=lambda: [round(0.1 + 0.025 * i, 3) for i in range(35)]
    )
    threshold_beta: float = Field(1.0, gt=0)  # F-beta the thresholds maximise; < 1: precision
    threshold_min_precision: float | None = Field(None, ge=0, le=1)  # CV precision to reach
    threshold_shrinkage: float = Field(10.0, ge=0)  # pseudo-positives pulling to the global one


class SummarizerTrainConfig(BaseModel):
    """The ``ranker.v1`` recipe (see training/summarizer.py). Val rows ``[tune_skip,
    tune_skip + tune_articles)`` tune the selection; rows ``[0, report_articles)`` are reported."""

    model_config = ConfigDict(extra="forbid")

    component: str = "ranker.v1"
    train: str = "data/vietnews/train.jsonl.gz"
    val: str = "data/vietnews/val.jsonl.gz"
    lexicon_articles: int = Field(15_000, ge=1)  # build IDF + lexical cues only
    train_articles: int = Field(45_000, ge=1)  # the ranker's training articles (the rest)
    oracle_sentences: int = Field(3, ge=1)
    vocabulary_size: int = Field(40_000, ge=100)
    min_count: int = Field(5, ge=1)
    smoothing: float = Field(20.0, gt=0)
    target: Literal["precision", "oracle"] = "precision"  # what each sentence is fitted to
    model: Literal["trees", "mlp"] = "trees"
    n_trees: int = Field(300, ge=1)
    max_leaf_nodes: int = Field(31, ge=2)
    max_depth: int = Field(6, ge=1)  # prediction walks this many levels: keep it small
    learning_rate: float = Field(0.1, gt=0)
    hidden: int = Field(32, ge=0)  # mlp only; 0 = logistic regression (use target: oracle)
    alpha: float = Field(1e-4, gt=0)
    max_iter: int = Field(60, ge=1)
    tune_skip: int = Field(2_000, ge=0)
    tune_articles: int = Field(1_000, ge=0)
    max_trigram_overlap_grid: list[float] = Field(default_factory=lambda: [1.0, 0.6, 0.4, 0.2])
    # expected-F1 subset selection: reference lengths (syllables) to try; empty = top-k only
    length_target_grid: list[float] = Field(default_factory=lambda: [20.0, 25.0, 30.0])
    length_candidates: int = Field(10, ge=1)  # subsets are drawn from this many best sentences
    overlap_discount: float = Field(1.0, ge=0)  # repeated syllables between chosen sentences
    # expected-F1 cost of a dependent sentence chosen without its antecedent; empty = none
    orphan_penalty_grid: list[float] = Field(default_factory=list)
    max_orphan_share: float = Field(0.02, ge=0, le=1)  # ... the bound the tuned penalty meets
    report_articles: int = Field(2_000, ge=0)
    summary_sentences: int = Field(3, ge=1)
    anchor_lead_paragraph: bool = True  # keep a short opening paragraph's first sentence


class TrainConfig(BaseModel):
    """A recipe for ``tinbai train``. Relative data paths are read from the shared data folder
    (``TINBAI_SHARED_DIR``, default ``../shared``); ``output`` is relative to the repository."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["classical", "phobert"] = "classical"
    name: str = "tinbai-default"
    version: str = "0.1.0"
    seed: int = 13
    output: str = "model/assets/default-bundle"
    taxonomy: str = "configs/taxonomy.yaml"
    topics: TopicTrainConfig = Field(default_factory=TopicTrainConfig)
    campaigns: CampaignTrainConfig = Field(default_factory=CampaignTrainConfig)
    summarizer: SummarizerTrainConfig | None = Field(default_factory=SummarizerTrainConfig)
    phobert: dict[str, Any] | None = None  # the transformer recipe, validated by its trainer


def resolve_data(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() or p.exists() else SHARED_DIR / p


def resolve_repo(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else CONFIG_DIR.parent / p


def load_config(path: str | Path) -> TrainConfig:
    try:
        with open(path, encoding="utf-8") as fh:
            raw = yaml.safe_load(fh) or {}
        return TrainConfig.model_validate(raw)
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid training config: {describe_errors(exc)}") from None
