"""The two-head network: one RoBERTa encoder, a topic head (softmax) and a campaign head
(sigmoid, multi-label), plus the masked multi-task loss and per-article aggregation.

The encoder is either PhoBERT's pre-trained weights (a hub id or a local directory, loaded by
``transformers`` without ever downloading) or a randomly initialised RoBERTa of any size (the
CPU-sized recipe and the tests). Weights are saved as safetensors beside a ``config.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from tinbai.extras import require

require("phobert", "PhoBERT bundles")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from tinbai.model.phobert import MissingWeightsError  # noqa: E402
from torch import nn  # noqa: E402

__all__ = [
    "MissingWeightsError",
    "TwoHeadModel",
    "aggregate",
    "load_pretrained_encoder",
    "masked_multitask_loss",
    "random_encoder",
]

ENCODER_CONFIG = "config.json"
WEIGHTS = "model.safetensors"
Pooling = Literal["cls", "mean"]
Aggregate = Literal["mean", "max"]


def missing_weights_message(name: str) -> str:
    return (
        f"pre-trained encoder {name!r} is not available locally and tinbai never downloads "
        f"(HF_HUB_OFFLINE=1). Either copy the model folder (config.json + model.safetensors or "
        f"pytorch_model.bin) to a local directory and set `phobert.base_model` to that path, "
        f"e.g. `huggingface-cli download {name} --local-dir models/phobert-base` on a machine "
        f"with internet access, then base_model: models/phobert-base; or place it in the "
        f"Hugging Face cache (HF_HOME, default ~/.cache/huggingface/hub)."
    )


def load_pretrained_encoder(name_or_path: str) -> nn.Module:
    """PhoBERT's encoder from a local directory or the local Hugging Face cache — never the
    network. Raises :class:`MissingWeightsError` with instructions when it is not there."""
    from transformers import RobertaModel

    path = Path(name_or_path).expanduser()
    if path.exists() and not (path / ENCODER_CONFIG).is_file():
        raise MissingWeightsError(
            f"{path}: no {ENCODER_CONFIG} there. " + missing_weights_message(name_or_path)
        )
    try:
        return RobertaModel.from_pretrained(
            str(path) if path.exists() else name_or_path,
            add_pooling_layer=False,
            local_files_only=True,
        )
    except OSError as exc:
        raise MissingWeightsError(missing_weights_message(name_or_path)) from exc


def random_encoder(config: dict[str, Any]) -> nn.Module:
    """A randomly initialised RoBERTa built from ``RobertaConfig`` keyword arguments."""
    from transformers import RobertaConfig, RobertaModel

    return RobertaModel(RobertaConfig(**config), add_pooling_layer=False)


class TwoHeadModel(nn.Module):
    """Encoder → pooled window vector → (topic logits, campaign logits), one row per window.

    ``pooling="cls"`` reads ``<s>`` as PhoBERT's fine-tuning recipe does; ``"mean"`` averages
    the non-padding positions, which a small encoder trained from scratch learns much faster.
    """

    def __init__(
        self,
        encoder: nn.Module,
        n_topics: int,
        n_campaigns: int,
        pooling: Pooling = "cls",
        dropout: float = 0.1,
    ) -> None:
        super().__init__()
        if pooling not in ("cls", "mean"):
            raise ValueError(f"unknown pooling {pooling!r}")
        self.encoder = encoder
        self.pooling = pooling
        hidden = encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.topic_head = nn.Linear(hidden, n_topics)
        # A campaign taxonomy may be empty; keep a real (zero-width) head so shapes stay uniform.
        self.campaign_head = nn.Linear(hidden, n_campaigns)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        if self.pooling == "cls":
            pooled = hidden[:, 0]
        else:
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = self.dropout(pooled)
        return self.topic_head(pooled), self.campaign_head(pooled)

    def head_config(self) -> dict[str, Any]:
        return {
            "n_topics": self.topic_head.out_features,
            "n_campaigns": self.campaign_head.out_features,
            "pooling": self.pooling,
        }

    def save(self, directory: Path) -> None:
        """``config.json`` (the encoder's RobertaConfig) + ``model.safetensors`` (everything)."""
        from safetensors.torch import save_file

        directory.mkdir(parents=True, exist_ok=True)
        self.encoder.config.to_json_file(str(directory / ENCODER_CONFIG))
        state = {k: v.detach().contiguous().cpu() for k, v in self.state_dict().items()}
        save_file(
            state, str(directory / WEIGHTS), metadata={"heads": json.dumps(self.head_config())}
        )

    @classmethod
    def load(cls, directory: Path) -> TwoHeadModel:
        """Rebuild from :meth:`save`. Tensors are copied into the freshly built model one at a
        time, so peak memory is the model plus one tensor, not two copies of the weights."""
        from tinbai.model.bundle import read_file, read_json
        from transformers import RobertaConfig

        config = RobertaConfig.from_dict(read_json(directory / ENCODER_CONFIG))
        return read_file(directory / WEIGHTS, lambda p: cls._load_weights(p, config))

    @classmethod
    def _load_weights(cls, path: Path, config: Any) -> TwoHeadModel:
        from safetensors import safe_open
        from transformers import RobertaModel

        directory = path.parent
        with safe_open(str(path), framework="pt") as fh:
            heads = json.loads(fh.metadata()["heads"])
            model = cls(
                RobertaModel(config, add_pooling_layer=False),
                heads["n_topics"],
                heads["n_campaigns"],
                heads["pooling"],
            )
            state = model.state_dict()
            stored = set(fh.keys())
            if stored != set(state):
                missing, extra = sorted(set(state) - stored), sorted(stored - set(state))
                raise ValueError(
                    f"{directory}: weights do not match the model "
                    f"(missing {missing[:3]}, unexpected {extra[:3]})"
                )
            with torch.no_grad():
                for name, tensor in state.items():
                    tensor.copy_(fh.get_tensor(name))
        return model.eval()


def masked_multitask_loss(
    topic_logits: torch.Tensor,
    campaign_logits: torch.Tensor,
    topic_labels: torch.Tensor,
    campaign_labels: torch.Tensor,
    campaign_mask: torch.Tensor,
    *,
    topic_weight: torch.Tensor | None = None,
    campaign_pos_weight: torch.Tensor | None = None,
    campaign_loss_weight: float = 1.0,
) -> torch.Tensor:
    """Cross-entropy on rows with a topic (``topic_labels >= 0``) plus ``campaign_loss_weight``
    × binary cross-entropy on rows whose campaigns were labelled (``campaign_mask``). A row
    without a head's labels contributes nothing to that head — not "no campaign", not a
    guessed topic — and a batch with no row for a head adds exactly 0 for it."""
    loss = topic_logits.new_zeros(())
    has_topic = topic_labels >= 0
    if has_topic.any():
        loss = loss + F.cross_entropy(
            topic_logits[has_topic], topic_labels[has_topic], weight=topic_weight
        )
    has_campaigns = campaign_mask.bool()
    if has_campaigns.any() and campaign_logits.shape[1] > 0:
        bce = F.binary_cross_entropy_with_logits(
            campaign_logits[has_campaigns],
            campaign_labels[has_campaigns].float(),
            pos_weight=campaign_pos_weight,
        )
        loss = loss + campaign_loss_weight * bce
    return loss


def aggregate(
    window_logits: torch.Tensor | Any, doc_index: list[int], n_docs: int, how: Aggregate = "mean"
) -> Any:
    """Per-article logits from per-window logits (``doc_index[i]`` = article of window i).
    Mean pooling lets every part of a long article vote; max keeps the strongest window.
    Works on torch tensors and numpy arrays alike."""
    import numpy as np

    is_torch = isinstance(window_logits, torch.Tensor)
    x = window_logits.detach().cpu().numpy() if is_torch else np.asarray(window_logits)
    idx = np.asarray(doc_index, dtype=np.int64)
    counts = np.bincount(idx, minlength=n_docs)
    if (counts == 0).any():
        raise ValueError("every article needs at least one window")
    if how == "mean":
        out = np.zeros((n_docs, x.shape[1]), dtype=np.float64)
        np.add.at(out, idx, x)
        out /= counts[:, None]
    elif how == "max":
        out = np.full((n_docs, x.shape[1]), -np.inf, dtype=np.float64)
        np.maximum.at(out, idx, x)
    else:
        raise ValueError(f"unknown aggregation {how!r}")
    return torch.from_numpy(out) if is_torch else out
