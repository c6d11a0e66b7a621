"""Deciding whether a campaign is a *theme* of an article, not a passing mention.

GUIDELINES.md tags a campaign when the article reports on it: named in the title or lead, or
at least a paragraph about it. Exact-phrase matching alone scores F1 0.37 on ``dev_gold``
because most mentions are in passing. So for every campaign with at least one cue hit we
compute *campaign-agnostic* theme features (where the cues are, how much of the text they
cover, whether related vocabulary surrounds them) and score them with a small logistic model.
Because the features do not depend on which campaign it is, a campaign a newsroom adds to the
taxonomy is scored sensibly before any article of it was ever labelled; per-campaign
thresholds, tuned where labels exist, refine the decision.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tinbai.model.campaigns.features import FeatureSpec, assemble, context_text
from tinbai.model.campaigns.lexical import LexicalModel, hash_texts
from tinbai.model.campaigns.matcher import CampaignHits, CueMatcher
from tinbai.model.tagging import CampaignPrediction
from tinbai.model.taxonomy import Taxonomy
from tinbai.model.text import Document

MAX_EVIDENCE = 3
LEXICAL_FILE = "campaigns_lexical.npz"
YAML_ONLY_PREFIX = "yaml-only:"


@dataclass
class ThemeModel:
    """Logistic regression over the :mod:`~model.campaigns.features` of a candidate, fed by the
    lexical models and per-campaign priors, then (optionally) an isotonic calibration so a score
    of 0.8 means about 80 % of such tags are right. Stored as JSON + one ``.npz``."""

    spec: FeatureSpec
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    scale: np.ndarray
    shared_lexical: LexicalModel | None = None
    campaign_lexical: dict[str, LexicalModel] = field(default_factory=dict)
    priors: dict[str, float] = field(default_factory=dict)  # campaign → log-odds of a theme
    default_prior: float = 0.0  # a campaign without labels (added to the taxonomy since)
    calibration: tuple[np.ndarray, np.ndarray] | None = None  # isotonic knots (x, y)
    # GUIDELINES' passing mention (see features.passing_pattern) scores the share of such
    # candidates that were themes in the training labels, whatever the model says
    passing_rate: float | None = None

    def lexical_inputs(self, contexts: list[str], campaign_ids: list[str]) -> np.ndarray:
        """(shared logit, campaign logit) per candidate; the campaign column falls back to the
        shared logit for a campaign without a model of its own."""
        out = np.zeros((len(contexts), 2))
        if not contexts or "lexical" not in self.spec.groups:
            return out
        x = hash_texts(contexts)
        if self.shared_lexical is not None:
            out[:, 0] = self.shared_lexical.logits(x)
        out[:, 1] = out[:, 0]
        for i, cid in enumerate(campaign_ids):
            model = self.campaign_lexical.get(cid)
            if model is not None:
                out[i, 1] = model.logits(x[i])[0]
        return out

    def features(
        self,
        doc: Document,
        hits: dict[str, CampaignHits],
        topic_probs: Mapping[str, float] | None = None,
    ) -> np.ndarray:
        ids = list(hits)
        lexical = self.lexical_inputs([context_text(doc, hits[c]) for c in ids], ids)
        rows = [
            assemble(
                self.spec,
                doc,
                hits[c],
                hits,
                topic_probs=topic_probs,
                lexical=lexical[i],
                prior=self.priors.get(c, self.default_prior),
            )
            for i, c in enumerate(ids)
        ]
        return np.stack(rows) if rows else np.zeros((0, len(self.spec.names)))

    def raw_score(self, features: np.ndarray) -> np.ndarray:
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))

    def score(self, features: np.ndarray) -> np.ndarray:
        p = self.raw_score(features)
        if self.calibration is not None:
            p = np.interp(p, *self.calibration)
        return self.apply_passing_rule(p, features)

    def apply_passing_rule(self, p: np.ndarray, features: np.ndarray) -> np.ndarray:
        names = self.spec.names
        if self.passing_rate is None or "passing_pattern" not in names:
            return p
        passing = features[:, names.index("passing_pattern")] > 0.5
        return np.where(passing, self.passing_rate, p)

    def to_dict(self) -> dict:
        return {
            "features": self.spec.names,
            "groups": list(self.spec.groups),
            "topics": list(self.spec.topics),
            "weights": self.weights.tolist(),
            "bias": self.bias,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "priors": self.priors,
            "default_prior": self.default_prior,
            "lexical_campaigns": sorted(self.campaign_lexical),
            "shared_lexical": self.shared_lexical is not None,
            "calibration": None
            if self.calibration is None
            else [self.calibration[0].tolist(), self.calibration[1].tolist()],
            "passing_rate": self.passing_rate,
        }

    def lexical_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        arrays: dict[str, np.ndarray] = {}
        if self.shared_lexical is not None:
            arrays.update(self.shared_lexical.to_arrays(f"{prefix}shared"))
        for cid, m in self.campaign_lexical.items():
            arrays.update(m.to_arrays(f"{prefix}campaign:{cid}"))
        return arrays

    @classmethod
    def from_dict(cls, raw: dict, arrays: Any = None, prefix: str = "") -> ThemeModel:
        spec = FeatureSpec(tuple(raw["groups"]), tuple(raw.get("topics", ())))
        if spec.names != list(raw["features"]):
            raise ValueError("theme model was trained on a different feature set")
        cal = raw.get("calibration")
        return cls(
            spec,
            np.asarray(raw["weights"], dtype=np.float64),
            float(raw["bias"]),
            np.asarray(raw["mean"], dtype=np.float64),
            np.asarray(raw["scale"], dtype=np.float64),
            LexicalModel.from_arrays(arrays, "shared") if raw.get("shared_lexical") else None,
            {
                c: LexicalModel.from_arrays(arrays, f"campaign:{c}")
                for c in raw["lexical_campaigns"]
            },
            {k: float(v) for k, v in raw.get("priors", {}).items()},
            float(raw.get("default_prior", 0.0)),
            None if cal is None else (np.asarray(cal[0]), np.asarray(cal[1])),
            raw.get("passing_rate"),
        )


@dataclass(frozen=True)
class CampaignDecision:
    """Campaigns that are a theme of the article, and those only named in passing."""

    campaigns: tuple[CampaignPrediction, ...]
    mentions: tuple[CampaignPrediction, ...]


class CampaignDetector:
    """Cue matching + theme scoring + thresholds → campaigns (themes) and mentions, each with
    a score and evidence sentences."""

    version = "cue-theme.v2"

    def __init__(
        self,
        taxonomy: Taxonomy,
        model: ThemeModel,
        thresholds: dict[str, float],
        default_threshold: float = 0.5,
        fallback: tuple[ThemeModel, float] | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.matcher = CueMatcher(taxonomy)
        self.model = model
        self.default_threshold = default_threshold
        # The YAML-only model and its threshold: for a campaign the labels never covered
        # (added to the taxonomy after training), which ``model`` has no prior or lexical
        # model for and would systematically under-score.
        self.fallback = fallback
        self.labelled = set(model.priors) if fallback is not None else set()
        # A threshold written in the taxonomy (an editor's override) beats the tuned one.
        self.thresholds = {
            c.id: c.threshold if c.threshold is not None else self._tuned(c.id, thresholds)
            for c in taxonomy.campaigns
        }

    def _tuned(self, campaign_id: str, thresholds: dict[str, float]) -> float:
        if self.fallback is not None and campaign_id not in self.labelled:
            return self.fallback[1]
        return thresholds.get(campaign_id, self.default_threshold)

    def scores(
        self, doc: Document, hits: dict[str, CampaignHits], topic_probs: Mapping[str, float] | None
    ) -> dict[str, float]:
        """Calibrated theme score of every campaign with a cue hit, each from the model that
        knows it (the YAML-only model for a campaign without labels)."""
        ids = list(hits)
        # features read every campaign's hits (shares, solo sentences), so each model scores
        # them all and keeps its own campaigns' scores
        probs = self.model.score(self.model.features(doc, hits, topic_probs))
        out = dict(zip(ids, probs.tolist(), strict=True))
        new = [c for c in ids if self.fallback is not None and c not in self.labelled]
        if new:
            model = self.fallback[0]  # type: ignore[index]
            yaml_only = model.score(model.features(doc, hits, topic_probs))
            out.update((c, p) for c, p in zip(ids, yaml_only.tolist(), strict=True) if c in new)
        return out

    def detect(
        self,
        doc: Document,
        extra_scores: dict[str, float] | None = None,
        topic_probs: Mapping[str, float] | None = None,
    ) -> CampaignDecision:
        """Every campaign whose cues occur, split by its threshold into themes and mentions,
        best first. ``extra_scores`` lets a transformer head replace the theme score while
        keeping the cue evidence; ``topic_probs`` (topic id → probability) feed the
        foreign-news features."""
        hits = self.matcher.match(doc)
        if not hits:
            return CampaignDecision((), ())
        scores = self.scores(doc, hits, topic_probs)
        themes, mentions = [], []
        for cid in hits:
            p = scores[cid]
            score = float(extra_scores.get(cid, p)) if extra_scores else float(p)
            pred = CampaignPrediction(cid, score, evidence_sentences(doc, hits[cid]))
            is_theme = score >= self.thresholds.get(cid, self.default_threshold)
            (themes if is_theme else mentions).append(pred)
        by_score = lambda c: -c.score  # noqa: E731
        return CampaignDecision(
            tuple(sorted(themes, key=by_score)), tuple(sorted(mentions, key=by_score))
        )

    def to_config(self) -> dict[str, Any]:
        """What the bundle's ``components`` map records: the thresholds that are not per
        campaign (those are the manifest's ``thresholds``); the models are files."""
        return {
            "default_threshold": self.default_threshold,
            "yaml_only_threshold": self.fallback[1] if self.fallback is not None else None,
        }

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        payload = {
            "version": self.version,
            "model": self.model.to_dict(),
            "default_threshold": self.default_threshold,
        }
        arrays = self.model.lexical_arrays()
        if self.fallback is not None:
            payload["yaml_only"] = {
                "model": self.fallback[0].to_dict(),
                "threshold": self.fallback[1],
            }
            arrays.update(self.fallback[0].lexical_arrays(YAML_ONLY_PREFIX))
        (directory / "campaigns.json").write_text(json.dumps(payload, indent=2), encoding="utf-8")
        np.savez(directory / LEXICAL_FILE, **arrays)

    @classmethod
    def load(
        cls,
        directory: Path,
        taxonomy: Taxonomy,
        thresholds: dict[str, float],
        config: dict[str, Any] | None = None,
    ) -> CampaignDetector:
        """Load from ``directory``; ``config`` (:meth:`to_config`, the manifest's
        ``components`` entry) gives the thresholds, ``campaigns.json`` without it."""
        from tinbai.model.manifest import read_arrays, read_json

        raw = read_json(directory / "campaigns.json")
        if raw.get("version") != cls.version:
            raise ValueError(
                f"unsupported campaign detector {raw.get('version')!r} (this tinbai reads "
                f"{cls.version}); retrain the bundle"
            )
        lexical_path = directory / LEXICAL_FILE
        # every array read now, so a damaged file is named at load (read_file), not mid-request
        arrays = read_arrays(lexical_path) if lexical_path.exists() else {}
        yo = raw.get("yaml_only")
        config = config or {
            "default_threshold": raw.get("default_threshold", 0.5),
            "yaml_only_threshold": yo["threshold"] if yo else None,
        }
        fallback = None
        if yo:
            if config.get("yaml_only_threshold") is None:
                raise ValueError("campaigns.json has a YAML-only model, its config no threshold")
            yaml_only = ThemeModel.from_dict(yo["model"], arrays, YAML_ONLY_PREFIX)
            fallback = (yaml_only, float(config["yaml_only_threshold"]))
        return cls(
            taxonomy,
            ThemeModel.from_dict(raw["model"], arrays),
            thresholds,
            float(config["default_threshold"]),
            fallback,
        )


def load_detector(path: Path, manifest: Any, taxonomy: Taxonomy) -> CampaignDetector:
    """A bundle's campaign detector (``manifest``: its :class:`BundleManifest`), the
    implementation and config its ``components`` map names, through
    ``registry.campaign_detectors``; a manifest without the entry reads ``campaigns.json``."""
    from tinbai.model.registry import campaign_detectors

    spec = manifest.components.get("campaigns")
    if spec is None:
        return CampaignDetector.load(path, taxonomy, manifest.thresholds)
    detector = campaign_detectors[spec.type]
    return detector.load(path / spec.path, taxonomy, manifest.thresholds, spec.config or None)


def evidence_sentences(
    doc: Document, hits: CampaignHits, limit: int = MAX_EVIDENCE
) -> tuple[str, ...]:
    """The sentences that mention the campaign most, returned in document order. The title
    is used only when no body sentence mentions it."""
    ranked = sorted(hits.sentence_cues, key=lambda i: (-hits.sentence_cues[i], i))[:limit]
    if not ranked:
        return (doc.title,) if doc.title else ()
    return tuple(doc.sentences[i].text for i in sorted(ranked))
