"""Model results → response dicts (names from the taxonomy added to the CLI's shapes)."""

from __future__ import annotations

from typing import Any

from tinbai.model.summarize import Summary
from tinbai.model.tagging import TagResult
from tinbai.model.taxonomy import Taxonomy
from tinbai.model.text import Document
from tinbai.service.api.errors import ApiError


def campaign_name(taxonomy: Taxonomy, campaign_id: str) -> str:
    try:
        return taxonomy.campaign(campaign_id).name
    except KeyError:
        return campaign_id


def tag_dict(result: TagResult, taxonomy: Taxonomy) -> dict[str, Any]:
    out = result.to_dict(ranking=True)
    topic = out["topic"]
    topic["name"] = taxonomy.topic_name(topic["label"])
    for t in topic["ranking"]:
        t["name"] = taxonomy.topic_name(t["label"])
    for c in out["campaigns"] + out["mentions"]:
        c["name"] = campaign_name(taxonomy, c["id"])
    return out


def summary_dict(summary: Summary) -> dict[str, Any]:
    return summary.to_dict()


def document_dict(doc: Document) -> dict[str, Any]:
    return {
        "title": doc.title,
        "sentences": [
            {"index": s.index, "text": s.text, "paragraph": s.paragraph} for s in doc.sentences
        ],
    }


def check_batch_size(n: int, limit: int) -> None:
    """413 for a batch of more than ``limit`` articles."""
    if n > limit:
        raise ApiError(413, f"field 'articles': {n} articles, over the limit of {limit} per call")


def check_text_size(text: str, limit: int, field: str = "text") -> None:
    """413 for an article over the configured size (the CLI's words, the HTTP status for size)."""
    if len(text) > limit:
        raise ApiError(
            413, f"field '{field}': is {len(text)} characters, over the limit of {limit}"
        )
