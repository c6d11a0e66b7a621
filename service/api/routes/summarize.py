"""``POST /v1/summarize`` and ``POST /v1/analyze`` (tags and summary from one pipeline pass)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from tinbai.model.predict import meta_dict
from tinbai.model.summarize import Budget
from tinbai.service.api.body import OffLoopJSONRoute
from tinbai.service.api.deps import InferenceDep, SettingsDep
from tinbai.service.api.responses import answer
from tinbai.service.api.results import document_dict, summary_dict, tag_dict
from tinbai.service.api.routes.tag import analyze_checked
from tinbai.service.api.schemas import AnalyzeIn, AnalyzeOut, SummarizeIn, SummaryOut

router = APIRouter(tags=["summaries"], route_class=OffLoopJSONRoute)


def budget_of(body: SummarizeIn) -> Budget:
    return Budget(sentences=body.sentences, max_chars=body.max_chars, ratio=body.ratio)


@router.post("/summarize", response_model=SummaryOut)
async def summarize(body: SummarizeIn, inference: InferenceDep, settings: SettingsDep) -> Response:
    """Extractive summary: the article's key body sentences in document order. Give at most one
    budget (``sentences``, ``max_chars`` or ``ratio``); the default is
    ``summarizer.default_sentences`` in configs/limits.yaml (3 as shipped)."""
    done = await analyze_checked(
        inference, body, settings.max_text_chars, tag=False, budget=budget_of(body)
    )
    return answer(
        {
            "id": done.article.id,
            **summary_dict(done.summary),  # type: ignore[arg-type]
            "scorer": inference.summarizer.scorer_name,
            "model": inference.model_info,
            "meta": meta_dict(done.doc),
        }
    )


@router.post("/analyze", response_model=AnalyzeOut, response_model_exclude_none=True)
async def analyze(body: AnalyzeIn, inference: InferenceDep, settings: SettingsDep) -> Response:
    """Tags and summary in one call. The article is cleaned and split (and, with ``presegment``,
    segmented) once; the same prepared document goes to the tagger and the summariser."""
    done = await analyze_checked(inference, body, settings.max_text_chars, budget=budget_of(body))
    out: dict[str, Any] = {
        "id": done.article.id,
        **tag_dict(done.tags, inference.bundle.taxonomy),  # type: ignore[arg-type]
        **summary_dict(done.summary),  # type: ignore[arg-type]
        "scorer": inference.summarizer.scorer_name,
        "model": inference.model_info,
        "meta": meta_dict(done.doc),
    }
    if body.include_document:
        out["document"] = document_dict(done.doc)
    return answer(out, exclude_none=True)
