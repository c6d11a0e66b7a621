"""``POST /v1/feedback``: record an editor's correction of the predicted tags."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from tinbai.model.taxonomy import Taxonomy
from tinbai.service.api.body import OffLoopJSONRoute
from tinbai.service.api.deps import InferenceDep, MetricsDep, SettingsDep, StoreDep
from tinbai.service.api.errors import ApiError
from tinbai.service.api.results import check_text_size
from tinbai.service.api.routes.tag import analyze_checked
from tinbai.service.api.schemas import ArticleIn, FeedbackIn, FeedbackOut
from tinbai.service.feedback.store import FeedbackStoreError

router = APIRouter(tags=["feedback"], route_class=OffLoopJSONRoute)


SHOWN_IDS = 5  # an error message echoes at most this many unknown ids ...
SHOWN_CHARS = 60  # ... each cut to this many characters: a 4 MB "topic" is not sent back


def _clipped(value: str) -> str:
    return value if len(value) <= SHOWN_CHARS else value[: SHOWN_CHARS - 1] + "…"


def check_ids(taxonomy: Taxonomy, where: str, topic: str | None, campaigns: list[str]) -> None:
    if topic is not None and topic not in taxonomy.topic_ids:
        raise ApiError(
            422,
            f"field '{where}.topic': unknown topic {_clipped(topic)!r} "
            f"(known: {', '.join(taxonomy.topic_ids)})",
        )
    known = set(taxonomy.campaign_ids)  # a property that builds a list: read it once
    unknown = [c for c in campaigns if c not in known]
    if unknown:
        shown = [_clipped(c) for c in unknown[:SHOWN_IDS]]
        more = f" and {len(unknown) - SHOWN_IDS} more" if len(unknown) > SHOWN_IDS else ""
        raise ApiError(422, f"field '{where}.campaigns': unknown campaign ids {shown}{more}")


@router.post("/feedback", response_model=FeedbackOut, status_code=201)
async def feedback(
    body: FeedbackIn,
    inference: InferenceDep,
    settings: SettingsDep,
    store: StoreDep,
    metrics: MetricsDep,
) -> dict[str, Any]:
    """Store a correction (the corrected topic and campaigns, what was predicted, an optional
    note, and the article text so the correction can be trained on). Without ``predicted`` the
    served bundle's current prediction is recorded. ``tinbai feedback export`` turns the
    corrections into training rows."""
    check_text_size(body.text, settings.max_text_chars)
    taxonomy = inference.bundle.taxonomy
    check_ids(taxonomy, "corrected", body.corrected.topic, body.corrected.campaigns)
    if body.predicted is not None:
        check_ids(taxonomy, "predicted", body.predicted.topic, body.predicted.campaigns)
        predicted_topic, predicted_campaigns = body.predicted.topic, body.predicted.campaigns
    else:
        article = ArticleIn(id=body.article_id, title=body.title, text=body.text)
        result = (await analyze_checked(inference, article, settings.max_text_chars)).tags
        assert result is not None
        predicted_topic, predicted_campaigns = result.topic.label, [c.id for c in result.campaigns]
    try:
        row = await run_in_threadpool(
            store.add,
            text=body.text,
            title=body.title,
            article_id=body.article_id,
            topic=body.corrected.topic,
            campaigns=list(dict.fromkeys(body.corrected.campaigns)),
            predicted_topic=predicted_topic,
            predicted_campaigns=predicted_campaigns,
            note=body.note,
            model_name=inference.bundle.name,
            model_version=inference.bundle.version,
        )
    except FeedbackStoreError:
        # The store has logged the full error; the caller learns nothing of SQL, rows or paths.
        raise ApiError(
            503,
            "cannot record the correction now: the feedback database is unavailable; "
            "try again later",
            "storage_unavailable",
        ) from None
    metrics.feedback.inc()
    return {
        "id": row.id,
        "article_id": row.article_id,
        "text_hash": row.text_hash,
        "created_at": row.created_at.isoformat(timespec="seconds"),
    }
