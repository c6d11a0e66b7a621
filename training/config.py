"""Training configuration: one YAML file per recipe, validated with pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)
from tinbai.model.paths import CONFIG_DIR, DEFAULT_BUNDLE_DIR, SHARED_DIR
from tinbai.model.phobert.inputs import WindowSpec
from tinbai.model.reporting import describe_errors
from tinbai.model.yamlfile import ConfigError as ConfigFileError
from tinbai.model.yamlfile import load_yaml

TAXONOMY_PATH = CONFIG_DIR / "taxonomy.yaml"


class ConfigError(ConfigFileError):
    """A training config that cannot be used (one of the configs/ errors every command
    reports in one line)."""


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

    component: Literal["ranker.v1"] = "ranker.v1"  # the one summariser this recipe trains
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


class ScratchEncoderConfig(BaseModel):
    """``phobert.scratch``: the ``RobertaConfig`` of an encoder initialised at random (vocabulary,
    positions and special tokens come from the tokenizer). Typed, because ``RobertaConfig``
    itself keeps any misspelt keyword without a word; a field left out keeps its default."""

    model_config = ConfigDict(extra="forbid")

    hidden_size: int | None = Field(None, ge=1)
    num_hidden_layers: int | None = Field(None, ge=1)
    num_attention_heads: int | None = Field(None, ge=1)
    intermediate_size: int | None = Field(None, ge=1)
    hidden_act: str | None = None
    hidden_dropout_prob: float | None = Field(None, ge=0, lt=1)
    attention_probs_dropout_prob: float | None = Field(None, ge=0, lt=1)
    initializer_range: float | None = Field(None, gt=0)
    layer_norm_eps: float | None = Field(None, gt=0)

    def kwargs(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class PhobertConfig(BaseModel):
    """The ``phobert:`` section of a training config."""

    model_config = ConfigDict(extra="forbid")

    base_model: str | None = None  # hub id or local dir of pre-trained weights; None = random init
    scratch: ScratchEncoderConfig | None = None  # a random encoder, when base_model is None
    tokenizer: str = (
        "phobert-tokenizer"  # vocab.txt + bpe.codes; relative paths read from ../shared
    )
    max_length: int = Field(256, ge=8, le=512)
    overlap: int = Field(64, ge=0)
    max_windows: int | None = Field(4, ge=1)  # windows per article at evaluation / serving
    train_windows: int = Field(1, ge=1)  # windows per article used for training
    aggregate: Literal["mean", "max"] = "mean"
    pooling: Literal["cls", "mean"] = "cls"
    dropout: float = Field(0.1, ge=0, lt=1)
    lr: float = Field(3e-5, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.06, ge=0, lt=1)
    batch_size: int = Field(32, ge=1)
    eval_batch_size: int = Field(64, ge=1)
    epochs: int = Field(3, ge=1)
    # Batches between two dev evaluations; None = one pass over the training windows. Each
    # epoch draws a fresh permutation, so a short epoch still sees different articles.
    steps_per_epoch: int | None = Field(None, ge=1)
    patience: int = Field(1, ge=0)  # epochs without dev improvement before stopping
    grad_clip: float = Field(1.0, gt=0)
    class_weighting: Literal["none", "balanced", "sqrt"] = "sqrt"
    max_campaign_pos_weight: float = Field(20.0, ge=1)
    campaign_loss_weight: float = Field(1.0, ge=0)
    campaign_oversample: int = Field(1, ge=1)  # campaign-labelled rows repeated per epoch
    campaign_val_fraction: float = Field(0.25, gt=0, lt=1)
    max_train_articles: int | None = Field(None, ge=1)  # seeded subset of the topic training set
    dev_eval_articles: int | None = Field(None, ge=1)  # dev subset for per-epoch evaluation
    compare_head_only: bool = True  # also report dev accuracy with one (head) window
    threads: int = Field(2, ge=1)
    num_proc: int = Field(1, ge=1)  # processes for segmentation
    cache_dir: str | None = None

    @model_validator(mode="after")
    def _check(self) -> PhobertConfig:
        if self.overlap >= self.max_length - 2:
            raise ValueError("overlap must be smaller than max_length - 2")
        if self.base_model is None and (self.scratch is None or not self.scratch.kwargs()):
            raise ValueError("set base_model (pre-trained weights) or scratch (a RobertaConfig)")
        return self

    def window_spec(self, max_windows: int | None | Literal["config"] = "config") -> WindowSpec:
        n = self.max_windows if max_windows == "config" else max_windows
        return WindowSpec(self.max_length, self.overlap, n)


class _TrainConfigBase(BaseModel):
    """What every bundle kind's recipe has. Relative data paths (``topics.train``/``dev``,
    ``campaigns.dev``, ``summarizer.train``/``val``) are read from the shared data folder
    (``TINBAI_SHARED_DIR``, default ``../shared``) unless they exist as given. Relative
    ``output``, ``taxonomy`` and ``campaigns.labels`` paths are read from the directory of the
    config file (from the current directory for a config built in code): see :meth:`resolve`."""

    model_config = ConfigDict(extra="forbid")

    name: str = "tinbai-default"
    version: str = "0.1.0"
    seed: int = 13
    output: str | None = None  # None = the shipped default bundle (train refuses without --force)
    taxonomy: str | None = None  # None = the taxonomy tinbai ships (configs/taxonomy.yaml)
    topics: TopicTrainConfig = Field(default_factory=TopicTrainConfig)
    campaigns: CampaignTrainConfig = Field(default_factory=CampaignTrainConfig)
    _base_dir: Path | None = PrivateAttr(None)  # the config file's directory, set by load_config

    def resolve(self, path: str) -> Path:
        """``path`` from the config: as is when absolute, else under the config file's
        directory (the current directory for a config built in code)."""
        p = Path(path)
        return p if p.is_absolute() else (self._base_dir or Path.cwd()) / p

    def output_dir(self) -> Path:
        return self.resolve(self.output) if self.output is not None else DEFAULT_BUNDLE_DIR

    def taxonomy_path(self) -> Path:
        return self.resolve(self.taxonomy) if self.taxonomy is not None else TAXONOMY_PATH

    def label_paths(self) -> list[Path]:
        return [self.resolve(p) for p in self.campaigns.labels]


class ClassicalTrainConfig(_TrainConfigBase):
    """The ``classical`` bundle: TF-IDF topic model, campaign detector, ranked summaries."""

    kind: Literal["classical"] = "classical"
    summarizer: SummarizerTrainConfig | None = Field(default_factory=SummarizerTrainConfig)
    # OpenMP / BLAS threads while fitting. scikit-learn's LR sums its loss in per-thread
    # chunks, so the fitted weights depend on the thread count: with 1 thread instead of 2,
    # topic coefficients move by up to 0.43 and dev accuracy by 0.04 points. The recipe fixes it,
    # so a bundle is reproducible whatever the machine's cores.
    threads: int = Field(2, ge=1)


class PhobertTrainConfig(_TrainConfigBase):
    """The ``phobert`` bundle: one fine-tuned encoder with a topic and a campaign head; its
    summaries reuse the default bundle's summariser (``summarizer`` must stay null)."""

    kind: Literal["phobert"]
    phobert: PhobertConfig
    summarizer: None = None

    def resolved_phobert(self) -> PhobertConfig:
        """The ``phobert:`` section with its local paths read from the config file's folder,
        like ``output``: a relative ``cache_dir`` always, ``base_model`` only when that folder
        holds it (otherwise it is a hub id such as ``vinai/phobert-base``)."""
        section = self.phobert
        updates: dict[str, str] = {}
        if section.cache_dir is not None:
            updates["cache_dir"] = str(self.resolve(str(Path(section.cache_dir).expanduser())))
        if section.base_model is not None and self.resolve(section.base_model).exists():
            updates["base_model"] = str(self.resolve(section.base_model))
        return section.model_copy(update=updates)


def _kind(raw: Any) -> str | None:
    """The union's tag: ``kind``, which a recipe may leave out to mean ``classical``."""
    if isinstance(raw, dict):
        return raw.get("kind", "classical")
    return getattr(raw, "kind", None)


# A recipe for ``tinbai train``: one model per bundle kind, chosen by ``kind``.
AnyTrainConfig = ClassicalTrainConfig | PhobertTrainConfig
TrainConfig = Annotated[
    Annotated[ClassicalTrainConfig, Tag("classical")]
    | Annotated[PhobertTrainConfig, Tag("phobert")],
    Discriminator(
        _kind,
        custom_error_type="invalid_kind",
        custom_error_message="kind must be 'classical' or 'phobert'",
        custom_error_context={"discriminator": "kind"},
    ),
]
_TRAIN_CONFIG: TypeAdapter[AnyTrainConfig] = TypeAdapter(TrainConfig)


def parse_config(raw: Any, base_dir: Path | None = None) -> AnyTrainConfig:
    """``raw`` (a mapping) validated as a training config, or one :class:`ConfigError` naming
    every bad field (``topics.c: …``, ``phobert.lrr: Extra inputs are not permitted``)."""
    if not isinstance(raw, dict):
        raise ConfigError(f"expected a mapping of fields, got {type(raw).__name__}")
    try:
        config = _TRAIN_CONFIG.validate_python(raw)
    except ValidationError as exc:
        raise ConfigError(f"invalid training config: {describe_errors(exc, skip=1)}") from None
    config._base_dir = base_dir
    return config


def resolve_data(path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() or p.exists() else SHARED_DIR / p


def load_config(path: str | Path) -> AnyTrainConfig:
    """The recipe in the YAML file ``path``; its relative paths resolve against its folder."""
    try:
        with open(path, encoding="utf-8") as fh:
            raw = load_yaml(fh) or {}
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return parse_config(raw, Path(path).resolve().parent)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
