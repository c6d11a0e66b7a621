"""``GET /v1/models``: what is being served — the tag set and the bundle's metadata."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from tinbai.service.api.deps import InferenceDep, SettingsDep
from tinbai.service.api.examples import EXAMPLE_MODELS_OUT

router = APIRouter(tags=["models"])


def _campaign_cv(metrics: dict[str, Any], campaign_id: str) -> dict[str, Any] | None:
    """The campaign's cross-validated precision / recall / support on the training labels
    (None for a campaign the bundle was trained without: it is scored from its cues alone)."""
    per = (metrics.get("campaigns_train_cv") or {}).get("cv", {}).get("per_campaign", {})
    got = per.get(campaign_id)
    if got is None:
        return None
    return {k: got[k] for k in ("precision", "recall", "f1", "support") if k in got}


@router.get(
    "/models",
    responses={200: {"content": {"application/json": {"example": EXAMPLE_MODELS_OUT}}}},
)
async def models(inference: InferenceDep, settings: SettingsDep) -> dict[str, Any]:
    """The taxonomy (topics and campaigns with names and descriptions), the bundle's manifest
    (kind, version, metrics, components, library versions) and how it is served."""
    bundle = inference.bundle
    thresholds = bundle.tagger.campaign_thresholds
    manifest = bundle.manifest.model_dump(exclude={"training"})
    training = bundle.manifest.training
    manifest["training"] = {
        k: training[k] for k in ("data_fingerprint", "seed", "seconds") if k in training
    }
    return {
        "model": manifest,
        "taxonomy": {
            "topics": [
                t.model_dump(include={"id", "name", "description"}) for t in bundle.taxonomy.topics
            ],
            "campaigns": [
                {
                    **c.model_dump(
                        include={"id", "name", "description", "description_vi", "legal_basis"}
                    ),
                    "threshold": thresholds.get(c.id),
                    "cross_validated": _campaign_cv(bundle.manifest.metrics, c.id),
                }
                for c in bundle.taxonomy.campaigns
            ],
        },
        "summarizer": {
            "scorer": inference.summarizer.scorer_name,
            "bundled": bundle.summarizer is not None,
            "default_sentences": inference.summarizer.limits.default_sentences,
        },
        "serving": {
            "micro_batching": inference.micro_batching,
            "max_batch_size": settings.max_batch_size,
            "max_wait_ms": settings.max_wait_ms,
            "micro_batch_workers": settings.micro_batch_workers,
            "presegment": inference.segment,
            "max_text_chars": settings.max_text_chars,
            "max_batch_articles": settings.max_batch_articles,
        },
    }
