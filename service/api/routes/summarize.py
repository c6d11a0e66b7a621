"""``POST /v1/summarize`` and ``POST /v1/analyze`` (tags and summary from one pipeline pass)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from model.summarize import Budget
from service.api.deps import InferenceDep, SettingsDep
from service.api.results import document_dict, summary_dict, tag_dict
from service.api.routes.tag import prepare_checked
from service.api.schemas import AnalyzeIn, AnalyzeOut, SummarizeIn, SummaryOut

router = APIRouter(tags=["summaries"])


def budget_of(body: SummarizeIn) -> Budget:
    return Budget(sentences=body.sentences, max_chars=body.max_chars, ratio=body.ratio)


@router.post("/summarize", response_model=SummaryOut)
async def summarize(
    body: SummarizeIn, inference: InferenceDep, settings: SettingsDep
) -> dict[str, Any]:
    """Extractive summary: the article's key body sentences in document order. Give at most one
    budget (``sentences``, ``max_chars`` or ``ratio``); the default is 3 sentences."""
    art, doc = await prepare_checked(inference, body, settings.max_text_chars)
    summary = await inference.summarize(doc, budget_of(body))
    return {
        "id": art.id,
        **summary_dict(summary),
        "scorer": inference.summarizer.scorer_name,
        "model": inference.model_info,
    }


@router.post("/analyze", response_model=AnalyzeOut, response_model_exclude_none=True)
async def analyze(
    body: AnalyzeIn, inference: InferenceDep, settings: SettingsDep
) -> dict[str, Any]:
    """Tags and summary in one call. The article is cleaned and split (and, with ``presegment``,
    segmented) once; the same prepared document goes to the tagger and the summariser."""
    art, doc = await prepare_checked(inference, body, settings.max_text_chars)
    (result,) = await inference.tag([doc])
    summary = await inference.summarize(doc, budget_of(body))
    out: dict[str, Any] = {
        "id": art.id,
        **tag_dict(result, inference.bundle.taxonomy),
        **summary_dict(summary),
        "scorer": inference.summarizer.scorer_name,
        "model": inference.model_info,
    }
    if body.include_document:
        out["document"] = document_dict(doc)
    return out
