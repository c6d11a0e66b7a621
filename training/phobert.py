"""Fine-tuning the PhoBERT bundle: one encoder, a topic head and a campaign head.

Data. Topic rows come from VNTC (``config.topics.train`` / ``.dev``), loaded, segmented and
tokenised with ``datasets`` (``load_dataset("json")`` + ``map``), cached under
``~/.cache/tinbai/datasets`` (or ``phobert.cache_dir`` / ``$TINBAI_CACHE_DIR``), never in the
repository. Campaign rows are ``training/labels/*.jsonl`` (ids + labels) joined to the shared
texts by :func:`tinbai.training.campaigns.join_texts`; a VNTC article among them keeps its topic, a
VietNews one has none. The loss masks each head on rows that lack its labels.

Held-out data. Topics: early stopping and the best checkpoint on VNTC dev (a fixed subset each
epoch; the full dev set at the end). Campaigns: thresholds are tuned on a seeded split of the
*training* labels (``campaign_val_fraction``) that the model never trains on;
``dev_gold.jsonl`` is only evaluated, never tuned on.

The loop is plain PyTorch (AdamW, linear warm-up/decay, gradient clipping, class weights, tqdm)
rather than ``transformers.Trainer``: the Trainer needs ``accelerate`` and cannot aggregate the
windows of an article at evaluation time, which is the metric we select checkpoints on.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tinbai.model.bundle import BundleManifest, SavedFiles, reused_summarizer, save_bundle
from tinbai.model.campaigns import CampaignDetector
from tinbai.model.campaigns.matcher import CueMatcher
from tinbai.model.paths import DEFAULT_BUNDLE_DIR, SHARED_DIR
from tinbai.model.phobert.inputs import (
    MERGES_FILE,
    VOCAB_FILE,
    WindowSpec,
    install_tokenizer,
    load_tokenizer,
    model_text,
)
from tinbai.model.phobert.tagger import (
    COMPONENT,
    CONFIG_FILE,
    ENCODER_DIR,
    TOKENIZER_DIR,
    PhobertTagger,
    write_tagger_config,
)
from tinbai.model.reporting import progress_bar
from tinbai.model.taxonomy import Taxonomy, load_taxonomy
from tinbai.model.text import prepare
from tinbai.training.campaigns import (
    LabelledArticle,
    join_texts,
    read_label_files,
    train_campaign_detector,
    tune_thresholds,
)
from tinbai.training.config import (
    CampaignTrainConfig,
    ConfigError,
    PhobertConfig,
    PhobertTrainConfig,
    TrainConfig,
    resolve_data,
)
from tinbai.training.data import fingerprint_files, read_rows
from tinbai.training.metrics import campaign_metrics, topic_metrics

log = logging.getLogger(__name__)

DATA_FORMAT = "phobert-data.v1"  # bump when segmentation/tokenisation of cached rows changes


def phobert_config(config: TrainConfig) -> PhobertConfig:
    """The typed ``phobert:`` section (validated with the config: see :func:`parse_config`)."""
    if not isinstance(config, PhobertTrainConfig):
        raise ConfigError(f"a {config.kind} config has no phobert section")
    return config.resolved_phobert()


def cache_root(cfg: PhobertConfig) -> Path:
    root = cfg.cache_dir or os.environ.get("TINBAI_CACHE_DIR") or Path.home() / ".cache" / "tinbai"
    return Path(root).expanduser() / "datasets"


def seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


# ---------------------------------------------------------------- data


def _segment_batch(batch: dict[str, list], max_chars: int | None) -> dict[str, list]:
    texts = [
        model_text(prepare(text or "", title), max_chars)
        for title, text in zip(batch["title"], batch["text"], strict=True)
    ]
    return {"model_text": texts}


def _tokenize_batch(batch: dict[str, list], tokenizer: Any) -> dict[str, list]:
    return {"ids": tokenizer(batch["model_text"], add_special_tokens=False)["input_ids"]}


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def load_topic_split(
    path: Path,
    tokenizer: Any,
    tokenizer_id: str,
    *,
    max_chars: int | None,
    limit: int | None,
    seed: int,
    cache: Path,
    num_proc: int,
) -> Any:
    """VNTC rows → ``datasets.Dataset`` with ``id``, ``topic``, ``model_text`` and ``ids``
    (token ids without special tokens). Segmentation (~70 articles/s) dominates, so both
    ``map`` steps are cached under ``cache`` with fingerprints of exactly what they depend on:
    the file's bytes, the subset, the character budget, the segmenter and the tokenizer."""
    import datasets
    import underthesea

    ds = datasets.load_dataset(
        "json", data_files=str(path), split="train", cache_dir=str(cache / "hf")
    )
    ds = ds.select_columns([c for c in ("id", "title", "text", "topic") if c in ds.column_names])
    if limit is not None and limit < len(ds):
        ds = ds.shuffle(seed=seed).select(range(limit))
    base = (DATA_FORMAT, fingerprint_files([path]), limit, seed)
    seg_fp = _fingerprint(*base, max_chars, "underthesea", underthesea.__version__)
    ds = ds.map(
        _segment_batch,
        batched=True,
        batch_size=32,
        fn_kwargs={"max_chars": max_chars},
        remove_columns=[c for c in ("title", "text") if c in ds.column_names],
        new_fingerprint=seg_fp,
        num_proc=num_proc if num_proc > 1 else None,
        desc=f"segmenting {path.name}",
    )
    ds = ds.map(
        _tokenize_batch,
        batched=True,
        batch_size=256,
        fn_kwargs={"tokenizer": tokenizer},
        new_fingerprint=_fingerprint(seg_fp, tokenizer_id),
        desc=f"tokenising {path.name}",
    )
    return ds


@dataclass
class WindowExample:
    """One training window with its article's labels (``topic`` -1 / ``campaign_mask`` False
    where the article lacks that head's labels)."""

    ids: list[int]
    topic: int
    campaigns: np.ndarray
    campaign_mask: bool


def split_campaign_rows(
    articles: list[LabelledArticle], fraction: float, seed: int
) -> tuple[list[LabelledArticle], list[LabelledArticle]]:
    """Seeded split of the campaign training labels into train / threshold-validation,
    stratified on whether an article has any campaign."""
    rng = random.Random(seed)
    pos = [a for a in articles if a.campaigns]
    neg = [a for a in articles if not a.campaigns]
    train, val = [], []
    for group in (pos, neg):
        group = sorted(group, key=lambda a: a.id)
        rng.shuffle(group)
        k = round(len(group) * fraction)
        val += group[:k]
        train += group[k:]
    return train, val


def class_weights(counts: np.ndarray, how: str) -> np.ndarray:
    """Inverse-frequency topic weights (``balanced``), their square root (``sqrt``: gentler,
    better when the imbalance is mild as in VNTC) or ones, normalised to mean 1 over the
    classes present."""
    w = np.ones(len(counts))
    present = counts > 0
    if how != "none" and present.any():
        w[present] = counts[present].sum() / (present.sum() * counts[present])
        if how == "sqrt":
            w = np.sqrt(w)
        w[present] /= w[present].mean()
    return w


# ---------------------------------------------------------------- model


def build_model(cfg: PhobertConfig, tokenizer: Any, n_topics: int, n_campaigns: int) -> Any:
    from tinbai.model.phobert.modeling import TwoHeadModel, load_pretrained_encoder, random_encoder

    if cfg.base_model:
        encoder = load_pretrained_encoder(cfg.base_model)
        if encoder.config.vocab_size < len(tokenizer):
            raise ValueError(
                f"{cfg.base_model}: vocabulary ({encoder.config.vocab_size}) smaller "
                f"than the tokenizer's ({len(tokenizer)})"
            )
    else:
        scratch = {
            "vocab_size": len(tokenizer),
            "max_position_embeddings": cfg.max_length + 2,  # RoBERTa positions start at pad + 1
            "pad_token_id": tokenizer.pad_token_id,
            "bos_token_id": tokenizer.cls_token_id,
            "eos_token_id": tokenizer.sep_token_id,
            "type_vocab_size": 1,
            **(cfg.scratch.kwargs() if cfg.scratch is not None else {}),
        }
        encoder = random_encoder(scratch)
    if encoder.config.max_position_embeddings < cfg.max_length + 2:
        raise ValueError(
            f"the encoder reads at most {encoder.config.max_position_embeddings - 2} "
            f"tokens; max_length is {cfg.max_length}"
        )
    return TwoHeadModel(encoder, n_topics, n_campaigns, cfg.pooling, cfg.dropout)


def tokenizer_source(cfg: PhobertConfig) -> Path:
    """The base model's own tokenizer files when it is a local folder that has them, else
    ``phobert.tokenizer`` (PhoBERT's real files in ../shared by default)."""
    if cfg.base_model and (Path(cfg.base_model) / MERGES_FILE).is_file():
        return Path(cfg.base_model)
    p = Path(cfg.tokenizer)
    return p if p.is_absolute() or p.exists() else SHARED_DIR / p


def _collate(batch: list[WindowExample], pad_id: int, n_campaigns: int) -> dict[str, Any]:
    import torch

    width = max(len(e.ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for r, e in enumerate(batch):
        ids[r, : len(e.ids)] = torch.tensor(e.ids)
        mask[r, : len(e.ids)] = 1
    return {
        "input_ids": ids,
        "attention_mask": mask,
        "topic": torch.tensor([e.topic for e in batch], dtype=torch.long),
        "campaigns": torch.from_numpy(np.stack([e.campaigns for e in batch]).astype(np.float32))
        if n_campaigns
        else torch.zeros((len(batch), 0)),
        "campaign_mask": torch.tensor([e.campaign_mask for e in batch], dtype=torch.bool),
    }


def _bar(total: int, desc: str) -> Any:
    return progress_bar(total, desc, "step", when_piped="slow")


# ---------------------------------------------------------------- training


def train_phobert(config: TrainConfig, output: Path | None = None) -> Path:
    """Train a transformer bundle, in the steps setfit's ``Trainer.train`` takes: load the data,
    build the training windows, fit (best dev checkpoint), calibrate the campaign thresholds,
    write the bundle."""
    import torch

    cfg = phobert_config(config)
    torch.set_num_threads(cfg.threads)
    seed_everything(config.seed)
    t_start = time.time()
    out = Path(output or config.output_dir())
    tmp = out.with_name(out.name + ".tmp")  # the staging folder save_bundle moves in
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    taxonomy = load_taxonomy(config.taxonomy_path())

    install_tokenizer(tokenizer_source(cfg), tmp / TOKENIZER_DIR)
    tokenizer = load_tokenizer(tmp / TOKENIZER_DIR)
    # The model first: missing pre-trained weights fail before minutes of segmentation.
    model = build_model(cfg, tokenizer, len(taxonomy.topic_ids), len(taxonomy.campaign_ids))
    data = _load_data(config, cfg, tokenizer, tmp / TOKENIZER_DIR)
    examples = _build_examples(data, taxonomy, tokenizer, cfg)
    model, fit = _fit(model, tokenizer, examples, data, taxonomy, cfg, config.seed, tmp)
    metrics = _topic_report(model, tokenizer, data, taxonomy, cfg, fit.history)
    detector, campaign_metrics_ = _calibrate(model, tokenizer, data, taxonomy, cfg, config)
    metrics.update(campaign_metrics_)
    write_tagger_config(tmp, cfg.window_spec(), cfg.aggregate, cfg.eval_batch_size, cfg.base_model)
    manifest = BundleManifest(
        kind="phobert",
        name=config.name,
        version=config.version,
        taxonomy_fingerprint=taxonomy.fingerprint(),
        labels={"topics": taxonomy.topic_ids, "campaigns": taxonomy.campaign_ids},
        thresholds=detector.thresholds,
        metrics=metrics,
        training={
            "config": config.model_dump(),
            "data_fingerprint": fingerprint_files([data.train_path, *data.label_paths]),
            "seed": config.seed,
            "parameters": fit.parameters,
            "training_windows": len(examples),
            "data_seconds": data.seconds,
            "train_seconds": fit.seconds,
            "seconds": round(time.time() - t_start, 1),
        },
        base_model=cfg.base_model,
    )
    _write_bundle(out, tmp, manifest, taxonomy, detector)
    log.info("wrote %s in %.0fs", out, time.time() - t_start)
    return out


@dataclass
class _Data:
    """What training reads: the topic splits (tokenised, cached), the campaign labels split
    into training and threshold rows."""

    train_path: Path
    train_ds: Any
    dev_ds: Any
    label_paths: list[Path]
    labelled: list[LabelledArticle]
    camp_train: list[LabelledArticle]
    camp_val: list[LabelledArticle]
    seconds: float
    dev_texts: list[str] = field(default_factory=list)
    dev_gold: list[str] = field(default_factory=list)


def _load_data(config: TrainConfig, cfg: PhobertConfig, tokenizer: Any, tok_dir: Path) -> _Data:
    tok_id = fingerprint_files([tok_dir / VOCAB_FILE, tok_dir / MERGES_FILE])
    eval_spec, train_spec = cfg.window_spec(), cfg.window_spec(cfg.train_windows)
    cache = cache_root(cfg)
    train_path, dev_path = resolve_data(config.topics.train), resolve_data(config.topics.dev)
    t0 = time.time()
    train_ds = load_topic_split(
        train_path,
        tokenizer,
        tok_id,
        max_chars=train_spec.char_budget(),
        limit=cfg.max_train_articles,
        seed=config.seed,
        cache=cache,
        num_proc=cfg.num_proc,
    )
    dev_ds = load_topic_split(
        dev_path,
        tokenizer,
        tok_id,
        max_chars=eval_spec.char_budget(),
        limit=None,
        seed=config.seed,
        cache=cache,
        num_proc=cfg.num_proc,
    )
    label_paths = config.label_paths()
    labelled = join_texts(read_label_files(label_paths))
    camp_train, camp_val = split_campaign_rows(labelled, cfg.campaign_val_fraction, config.seed)
    data_seconds = round(time.time() - t0, 1)
    log.info(
        "data: %d topic rows, %d dev rows, %d/%d campaign rows (train/threshold split), %.0fs",
        len(train_ds),
        len(dev_ds),
        len(camp_train),
        len(camp_val),
        data_seconds,
    )
    return _Data(
        train_path,
        train_ds,
        dev_ds,
        label_paths,
        labelled,
        camp_train,
        camp_val,
        data_seconds,
        list(dev_ds["model_text"]),
        list(dev_ds["topic"]),
    )


def _build_examples(
    data: _Data, taxonomy: Taxonomy, tokenizer: Any, cfg: PhobertConfig
) -> list[WindowExample]:
    """Training windows: every topic row's, then the campaign-labelled articles' (once, with
    both labels where the article is also a VNTC row), oversampled."""
    from tinbai.model.phobert.inputs import make_windows

    topics, campaigns = taxonomy.topic_ids, taxonomy.campaign_ids
    train_spec = cfg.window_spec(cfg.train_windows)
    train_ds = data.train_ds
    unknown = sorted(set(train_ds["topic"]) - set(topics))
    if unknown:
        raise ValueError(f"training data has topics not in the taxonomy: {unknown}")
    vntc_topics = _known_topics(data.train_path, {a.id for a in data.labelled})
    held_out = {a.id for a in data.labelled}
    examples: list[WindowExample] = []
    no_campaigns = np.zeros(len(campaigns), dtype=np.float32)
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    for row_id, topic, ids in zip(train_ds["id"], train_ds["topic"], train_ds["ids"], strict=True):
        if row_id in held_out:  # campaign-labelled articles enter once, with both labels
            continue
        for w in make_windows(ids, train_spec, cls_id, sep_id):
            examples.append(WindowExample(w, topics.index(topic), no_campaigns, False))
    camp_texts = [model_text(a.doc, train_spec.char_budget()) for a in data.camp_train]
    camp_ids = tokenizer(camp_texts, add_special_tokens=False)["input_ids"] if camp_texts else []
    for art, ids in zip(data.camp_train, camp_ids, strict=True):
        y = np.array([float(c in art.campaigns) for c in campaigns], dtype=np.float32)
        topic = vntc_topics.get(art.id)
        for w in make_windows(ids, train_spec, cls_id, sep_id):
            examples += [
                WindowExample(w, topics.index(topic) if topic else -1, y, True)
            ] * cfg.campaign_oversample
    return examples


def _loss_weights(
    examples: list[WindowExample], n_topics: int, n_campaigns: int, cfg: PhobertConfig
) -> tuple[Any, Any]:
    """Topic class weights and per-campaign positive weights (clipped) for the loss."""
    import torch

    counts = np.bincount([e.topic for e in examples if e.topic >= 0], minlength=n_topics)
    topic_w = torch.tensor(class_weights(counts, cfg.class_weighting), dtype=torch.float32)
    camp_y = np.array([e.campaigns for e in examples if e.campaign_mask]).reshape(-1, n_campaigns)
    pos = camp_y.sum(0)
    pos_w = np.where(pos > 0, (len(camp_y) - pos) / np.maximum(pos, 1), 1.0)
    pos_weight = torch.tensor(np.clip(pos_w, 1.0, cfg.max_campaign_pos_weight), dtype=torch.float32)
    return topic_w, pos_weight


def _optimizer(model: Any, cfg: PhobertConfig, total_steps: int) -> tuple[Any, Any]:
    """AdamW (no decay on biases and norms) with linear warm-up and decay."""
    import torch
    from transformers import get_linear_schedule_with_warmup

    no_decay = ("bias", "LayerNorm.weight", "layer_norm", "norm.weight")
    groups = [
        {
            "params": [p for n, p in model.named_parameters() if not any(k in n for k in no_decay)],
            "weight_decay": cfg.weight_decay,
        },
        {
            "params": [p for n, p in model.named_parameters() if any(k in n for k in no_decay)],
            "weight_decay": 0.0,
        },
    ]
    optimizer = torch.optim.AdamW(groups, lr=cfg.lr, fused=True)  # one kernel for all parameters
    scheduler = get_linear_schedule_with_warmup(
        optimizer, int(cfg.warmup_ratio * total_steps), total_steps
    )
    return optimizer, scheduler


def _evaluate_topics(
    model: Any,
    tokenizer: Any,
    data: _Data,
    idx: list[int],
    spec: WindowSpec,
    taxonomy: Taxonomy,
    cfg: PhobertConfig,
) -> dict:
    """Topic metrics of dev rows ``idx`` read through the tagger the bundle will serve."""
    from tinbai.model.phobert.runtime import TorchRunner

    topics = taxonomy.topic_ids
    tagger = PhobertTagger(
        TorchRunner(model),
        tokenizer,
        spec,
        topics,
        taxonomy.campaign_ids,
        detector=None,
        aggregate=cfg.aggregate,
        batch_size=cfg.eval_batch_size,
    )
    texts, gold = data.dev_texts, data.dev_gold
    logits, _ = tagger.logits([texts[i] for i in idx])
    model.train()
    return topic_metrics([gold[i] for i in idx], [topics[j] for j in logits.argmax(1)], topics)


@dataclass
class _Fit:
    history: list[dict]
    parameters: int
    seconds: float


def _fit(
    model: Any,
    tokenizer: Any,
    examples: list[WindowExample],
    data: _Data,
    taxonomy: Taxonomy,
    cfg: PhobertConfig,
    seed: int,
    tmp: Path,
) -> tuple[Any, _Fit]:
    """Train with early stopping on a dev sample; the best checkpoint becomes the bundle's
    ``encoder/`` and is returned, reloaded. (About 80 lines: the epoch loop keeps its
    history, best score and patience together, one step per epoch in :func:`_train_epoch`.)"""
    from tinbai.model.phobert.modeling import TwoHeadModel

    n_campaigns = len(taxonomy.campaign_ids)
    weights = _loss_weights(examples, len(taxonomy.topic_ids), n_campaigns, cfg)
    n_params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = (len(examples) + cfg.batch_size - 1) // cfg.batch_size
    if cfg.steps_per_epoch:
        steps_per_epoch = min(steps_per_epoch, cfg.steps_per_epoch)
    optimizer, scheduler = _optimizer(model, cfg, steps_per_epoch * cfg.epochs)
    log.info(
        "model: %.1fM parameters; %d training windows, %d steps/epoch, up to %d epochs",
        n_params / 1e6,
        len(examples),
        steps_per_epoch,
        cfg.epochs,
    )
    n_dev = len(data.dev_texts)
    eval_n = min(cfg.dev_eval_articles or n_dev, n_dev)
    eval_idx = sorted(random.Random(seed).sample(range(n_dev), eval_n))
    eval_spec = cfg.window_spec()
    work = tmp / "checkpoint-best"
    history: list[dict] = []
    best, bad_epochs = -1.0, 0
    rng = np.random.default_rng(seed)
    t_train = time.time()

    def batches(order: np.ndarray) -> Iterator[dict[str, Any]]:
        for start in range(0, len(order), cfg.batch_size):
            chosen = [examples[i] for i in order[start : start + cfg.batch_size]]
            yield _collate(chosen, tokenizer.pad_token_id, n_campaigns)

    model.train()
    for epoch in range(1, cfg.epochs + 1):
        order = rng.permutation(len(examples))[: steps_per_epoch * cfg.batch_size]
        running, seen = _train_epoch(
            model, batches(order), optimizer, scheduler, weights, cfg, (epoch, steps_per_epoch)
        )
        dev = _evaluate_topics(model, tokenizer, data, eval_idx, eval_spec, taxonomy, cfg)
        history.append(
            {
                "epoch": epoch,
                "train_loss": round(running / max(seen, 1), 4),
                "dev_accuracy": dev["accuracy"],
                "dev_macro_f1": dev["macro_f1"],
                "seconds": round(time.time() - t_train, 1),
            }
        )
        log.info(
            "epoch %d: train loss %.4f, dev (%d articles) accuracy %.4f macro-F1 %.4f",
            epoch,
            history[-1]["train_loss"],
            eval_n,
            dev["accuracy"],
            dev["macro_f1"],
        )
        if dev["accuracy"] > best:
            best, bad_epochs = dev["accuracy"], 0
            model.save(work)  # the best checkpoint so far; the bundle ships this one
        else:
            bad_epochs += 1
            if bad_epochs > cfg.patience:
                log.info("early stopping: no dev improvement for %d epochs", bad_epochs)
                break
    train_seconds = round(time.time() - t_train, 1)
    model = TwoHeadModel.load(work)
    shutil.move(str(work), str(tmp / ENCODER_DIR))
    return model, _Fit(history, n_params, train_seconds)


def _train_epoch(
    model: Any,
    batches: Iterator[dict[str, Any]],
    optimizer: Any,
    scheduler: Any,
    weights: tuple[Any, Any],
    cfg: PhobertConfig,
    progress: tuple[int, int],
) -> tuple[float, int]:
    """One pass over ``batches``; the summed loss and the number of steps."""
    import torch
    from tinbai.model.phobert.modeling import masked_multitask_loss

    topic_w, pos_weight = weights
    epoch, steps = progress
    running, seen = 0.0, 0
    with _bar(steps, f"epoch {epoch}/{cfg.epochs}") as bar:
        for batch in batches:
            topic_logits, camp_logits = model(batch["input_ids"], batch["attention_mask"])
            loss = masked_multitask_loss(
                topic_logits,
                camp_logits,
                batch["topic"],
                batch["campaigns"],
                batch["campaign_mask"],
                topic_weight=topic_w,
                campaign_pos_weight=pos_weight,
                campaign_loss_weight=cfg.campaign_loss_weight,
            )
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            scheduler.step()
            running += float(loss.detach())
            seen += 1
            bar.update(1)
            bar.set_postfix(loss=f"{running / seen:.4f}")
    return running, seen


def _topic_report(
    model: Any,
    tokenizer: Any,
    data: _Data,
    taxonomy: Taxonomy,
    cfg: PhobertConfig,
    history: list[dict],
) -> dict[str, Any]:
    """The best checkpoint on the whole dev split (and head-only, when asked)."""
    eval_spec = cfg.window_spec()
    metrics: dict[str, Any] = {
        "history": history,
        "best_epoch": max(history, key=lambda h: h["dev_accuracy"])["epoch"],
    }
    all_dev = list(range(len(data.dev_texts)))
    metrics["topics_dev"] = _evaluate_topics(
        model, tokenizer, data, all_dev, eval_spec, taxonomy, cfg
    )
    metrics["topics_dev"]["windows"] = eval_spec.max_windows
    log.info(
        "topics dev (%d articles, up to %s windows): accuracy %.4f macro-F1 %.4f",
        len(all_dev),
        eval_spec.max_windows,
        metrics["topics_dev"]["accuracy"],
        metrics["topics_dev"]["macro_f1"],
    )
    if cfg.compare_head_only and eval_spec.max_windows != 1:
        head = _evaluate_topics(model, tokenizer, data, all_dev, cfg.window_spec(1), taxonomy, cfg)
        metrics["topics_dev_head_only"] = {k: head[k] for k in ("n", "accuracy", "macro_f1")}
        log.info(
            "topics dev head-only (1 window): accuracy %.4f macro-F1 %.4f",
            head["accuracy"],
            head["macro_f1"],
        )
    return metrics


def _calibrate(
    model: Any,
    tokenizer: Any,
    data: _Data,
    taxonomy: Taxonomy,
    cfg: PhobertConfig,
    config: TrainConfig,
) -> tuple[CampaignDetector, dict[str, Any]]:
    """Campaigns: the theme model (fallback / new campaigns) on the train split, thresholds
    for the transformer's probabilities on the held-out split of the training labels."""
    from tinbai.model.phobert.runtime import TorchRunner

    topics, campaigns = taxonomy.topic_ids, taxonomy.campaign_ids
    tagger = PhobertTagger(
        TorchRunner(model),
        tokenizer,
        cfg.window_spec(),
        topics,
        campaigns,
        None,
        cfg.aggregate,
        cfg.eval_batch_size,
    )

    def topic_probs(docs):  # the theme model reads the topic head it will be served with
        return [dict(zip(topics, p.tolist(), strict=True)) for p in tagger.probabilities(docs)[0]]

    theme, _ = train_campaign_detector(
        config.campaigns, data.camp_train, taxonomy, config.seed, topic_probs
    )
    tagger.detector = theme
    thresholds, report = tune_phobert_thresholds(tagger, data.camp_val, taxonomy, config.campaigns)
    detector = CampaignDetector(
        taxonomy, theme.model, thresholds, default_threshold=report["global_threshold"]
    )
    tagger.detector = detector
    metrics: dict[str, Any] = {"campaigns_threshold_split": report}
    gold_path = resolve_data(config.campaigns.dev)
    if gold_path.exists():
        metrics["campaigns_dev"] = evaluate_campaigns(tagger, gold_path, campaigns)
        log.info(
            "campaigns dev_gold (evaluation only): micro-F1 %.4f",
            metrics["campaigns_dev"]["micro_f1"],
        )
    return detector, metrics


def _write_bundle(
    out: Path,
    tmp: Path,
    manifest: BundleManifest,
    taxonomy: Taxonomy,
    detector: CampaignDetector,
) -> None:
    """The staging folder (tokenizer, encoder, tagger config) as the tagger part, the
    detector, and the default bundle's summariser, through save_bundle."""
    tagger_config = json.loads((tmp / CONFIG_FILE).read_text(encoding="utf-8"))
    parts: dict = {
        "tagger": (".", SavedFiles(COMPONENT, tmp, tagger_config, move=True)),
        "campaigns": (".", detector),
    }
    summarizer = reused_summarizer(DEFAULT_BUNDLE_DIR)
    if summarizer is not None:
        parts["summarizer"] = summarizer
    save_bundle(out, manifest, taxonomy, parts)
    shutil.rmtree(tmp, ignore_errors=True)


def _known_topics(path: Path, ids: set[str]) -> dict[str, str]:
    """Topics of the campaign-labelled articles that are VNTC training rows."""
    if not ids:
        return {}
    return {r["id"]: r["topic"] for r in read_rows(path) if r.get("id") in ids and r.get("topic")}


def tune_phobert_thresholds(
    tagger: PhobertTagger,
    articles: list[LabelledArticle],
    taxonomy: Taxonomy,
    cfg: CampaignTrainConfig,
) -> tuple[dict[str, float], dict]:
    """Per-campaign thresholds on the transformer's probabilities, over the candidates the
    detector will see (campaigns with a cue hit); the same shrunk tuning as the classical
    detector (``tinbai.training.campaigns.tune_thresholds``)."""
    campaigns = taxonomy.campaign_ids
    matcher = CueMatcher(taxonomy)
    if not articles:
        return {c: 0.5 for c in campaigns}, {"articles": 0, "global_threshold": 0.5}
    _, probs = tagger.probabilities([a.doc for a in articles])
    scores, ys, cids, uncovered = [], [], [], 0
    for art, p in zip(articles, probs, strict=True):
        hits = matcher.match(art.doc)
        uncovered += len(art.campaigns - set(hits))
        for cid in hits:
            if cid in campaigns:
                scores.append(float(p[campaigns.index(cid)]))
                ys.append(int(cid in art.campaigns))
                cids.append(cid)
    s, y, c = np.array(scores), np.array(ys, dtype=int), np.array(cids, dtype=object)
    thresholds, global_t = tune_thresholds(s, y, c, uncovered, campaigns, cfg)
    return thresholds, {
        "articles": len(articles),
        "candidates": int(len(y)),
        "positive_candidates": int(y.sum()) if len(y) else 0,
        "gold_tags_without_cue": uncovered,
        "global_threshold": global_t,
    }


def evaluate_campaigns(tagger: PhobertTagger, path: Path, campaigns: list[str]) -> dict:
    rows = list(read_rows(path))
    docs = [prepare(r["text"], r.get("title")) for r in rows]
    pred = [{c.id for c in res.campaigns} for res in tagger.tag(docs)]
    return campaign_metrics([set(r["campaigns"]) for r in rows], pred, campaigns)
