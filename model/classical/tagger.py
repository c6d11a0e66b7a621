"""The classical bundle's tagger: a topic component (TF-IDF, or TF-IDF + n-gram LMs),
campaigns from cue/theme scoring."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tinbai.model.campaigns import CampaignDetector
from tinbai.model.campaigns.detector import load_detector
from tinbai.model.classical.topic import TopicClassifier
from tinbai.model.classical.topic_ensemble import EnsembleTopicClassifier, load_topic_component
from tinbai.model.manifest import BundleError, BundleManifest, ComponentSpec
from tinbai.model.registry import topic_models
from tinbai.model.tagging import TagResult, rank_topics
from tinbai.model.taxonomy import Taxonomy
from tinbai.model.text import Document


class ClassicalTagger:
    def __init__(
        self, topics: TopicClassifier | EnsembleTopicClassifier, campaigns: CampaignDetector
    ) -> None:
        self.topics = topics
        self.campaigns = campaigns

    @property
    def campaign_thresholds(self) -> dict[str, float]:
        """The threshold each campaign is decided with (taxonomy override, tuned, or the
        YAML-only model's), which is what an editor's "near the threshold" must compare to."""
        return dict(self.campaigns.thresholds)

    def tag(self, docs: Sequence[Document]) -> list[TagResult]:
        if not docs:
            return []
        probs = self.topics.predict_docs(docs)
        out = []
        for doc, p in zip(docs, probs, strict=True):
            decision = self.campaigns.detect(
                doc, topic_probs=dict(zip(self.topics.labels, p.tolist(), strict=True))
            )
            out.append(
                TagResult(rank_topics(self.topics.labels, p), decision.campaigns, decision.mentions)
            )
        return out


def load_tagger(
    path: Path, manifest: BundleManifest, taxonomy: Taxonomy, **options: Any
) -> ClassicalTagger:
    if options:
        raise BundleError(f"{path}: classical bundles take no options, got {sorted(options)}")
    topics = load_topics(path, manifest.components.get("topics"))
    if topics.labels != manifest.labels.get("topics"):
        raise BundleError(f"{path}: topic weights and bundle.json disagree on the label order")
    return ClassicalTagger(topics, load_detector(path, manifest, taxonomy))


def load_topics(
    path: Path, spec: ComponentSpec | None
) -> TopicClassifier | EnsembleTopicClassifier:
    """The topic model the ``components`` map names (``spec``), through
    ``registry.topic_models``; a manifest without the entry goes by ``topic.json``."""
    if spec is None:
        return load_topic_component(path)
    return topic_models[spec.type].load(path / spec.path, spec.config or None)
