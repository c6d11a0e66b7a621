"""What a tagger returns, and the interface every bundle kind's tagger implements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from tinbai.model.text import Document


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits (shifted by each row's maximum, so ``exp`` cannot overflow):
    the topic probabilities of every bundle kind."""
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class TopicScore:
    label: str
    score: float


@dataclass(frozen=True)
class TopicPrediction:
    label: str
    score: float
    ranking: tuple[TopicScore, ...]  # every topic, best first


@dataclass(frozen=True)
class CampaignPrediction:
    id: str
    score: float
    evidence: tuple[str, ...]  # body sentences quoting the campaign, in document order


@dataclass(frozen=True)
class TagResult:
    topic: TopicPrediction
    campaigns: tuple[CampaignPrediction, ...]  # campaigns that are a theme, best first
    mentions: tuple[CampaignPrediction, ...] = ()  # named, but not a theme, best first

    def to_dict(self, *, ranking: bool = False) -> dict[str, Any]:
        """The stable output shape of ``tinbai tag`` (and, with ``ranking``, of the API)."""
        topic: dict[str, Any] = {"label": self.topic.label, "score": round(self.topic.score, 4)}
        if ranking:
            topic["ranking"] = [
                {"label": t.label, "score": round(t.score, 4)} for t in self.topic.ranking
            ]
        return {
            "topic": topic,
            "campaigns": [_campaign_dict(c) for c in self.campaigns],
            "mentions": [_campaign_dict(c) for c in self.mentions],
        }


def _campaign_dict(c: CampaignPrediction) -> dict[str, Any]:
    return {"id": c.id, "score": round(c.score, 4), "evidence": list(c.evidence)}


class Tagger(Protocol):
    """Tags prepared documents. Implementations are loaded from bundles by ``load_bundle``."""

    def tag(self, docs: Sequence[Document]) -> list[TagResult]: ...

    @property
    def campaign_thresholds(self) -> dict[str, float]: ...


def rank_topics(labels: Sequence[str], probs: Sequence[float]) -> TopicPrediction:
    """Build a :class:`TopicPrediction` from one probability per label."""
    ranking = tuple(
        sorted(
            (TopicScore(lab, float(p)) for lab, p in zip(labels, probs, strict=True)),
            key=lambda t: -t.score,
        )
    )
    return TopicPrediction(label=ranking[0].label, score=ranking[0].score, ranking=ranking)
