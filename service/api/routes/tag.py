"""``POST /v1/tag`` (one article) and ``POST /v1/tag/batch`` (up to a configured number)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from tinbai.model.article import ArticleError
from tinbai.model.predict import by_position, error_row, good_docs, meta_dict
from tinbai.model.summarize import Budget
from tinbai.service.api.body import OffLoopJSONRoute
from tinbai.service.api.deps import InferenceDep, MetricsDep, SettingsDep
from tinbai.service.api.errors import ApiError
from tinbai.service.api.inference import Analysis, Inference
from tinbai.service.api.responses import answer
from tinbai.service.api.results import check_batch_size, check_text_size, tag_dict
from tinbai.service.api.schemas import ArticleIn, BatchIn, BatchOut, TagOut

router = APIRouter(tags=["tagging"], route_class=OffLoopJSONRoute)


async def analyze_checked(
    inference: Inference,
    article: ArticleIn,
    limit: int,
    *,
    tag: bool = True,
    budget: Budget | None = None,
) -> Analysis:
    """Size check (413), then the one text pipeline and the models asked for, off the event
    loop; content problems are 422s naming the field."""
    check_text_size(article.text, limit)
    if article.title:
        check_text_size(article.title, limit, "title")
    record = {"id": article.id, "title": article.title, "text": article.text}
    try:
        return await inference.analyze(record, tag=tag, budget=budget)
    except ArticleError as exc:
        raise ApiError(422, str(exc)) from None


@router.post("/tag", response_model=TagOut)
async def tag(article: ArticleIn, inference: InferenceDep, settings: SettingsDep) -> Response:
    """Tag one article: its topic (with the full ranking) and the campaigns it covers, each
    with the body sentences that justify it."""
    done = await analyze_checked(inference, article, settings.max_text_chars)
    return answer(
        {
            "id": done.article.id,
            **tag_dict(done.tags, inference.bundle.taxonomy),  # type: ignore[arg-type]
            "model": inference.model_info,
            "meta": meta_dict(done.doc),
        }
    )


@router.post("/tag/batch", response_model=BatchOut)
async def tag_batch(
    body: BatchIn, inference: InferenceDep, settings: SettingsDep, metrics: MetricsDep
) -> Response:
    """Tag up to ``max_batch_articles`` articles in one call. Results come one per article, in
    order; an article that cannot be processed (blank text, over the size limit, nothing left
    after cleaning) gets ``{"id", "error"}`` in its place, as in ``tinbai tag``."""
    n = len(body.articles)
    check_batch_size(n, settings.max_batch_articles)
    metrics.batch_size.labels("request").observe(n)
    records = [a.model_dump() for a in body.articles]
    prepared = await inference.prepare_many(records, settings.max_text_chars)
    docs = good_docs(prepared)
    tagged = by_position(prepared, await inference.tag(docs))
    results: list[dict[str, Any]] = []
    for p, tags in zip(prepared, tagged, strict=True):
        if not p.ok or tags is None:
            results.append(error_row(p.record, p.error or ""))  # the id escaped if it must be
        else:
            row = {"id": p.article.id, **tag_dict(tags, inference.bundle.taxonomy)}
            results.append({**row, "meta": meta_dict(p.doc)})  # type: ignore[arg-type]
    ok = len(docs)
    return answer({"results": results, "ok": ok, "failed": n - ok, "model": inference.model_info})
