"""Request and response bodies of the HTTP API (fields match the CLI's JSONL contract)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ArticleIn(BaseModel):
    id: str | None = Field(None, description="the caller's article id, echoed back")
    title: str | None = None
    text: str


class TopicOut(BaseModel):
    label: str
    score: float
    ranking: list[dict] | None = None


class CampaignOut(BaseModel):
    id: str
    name: str | None = None
    score: float
    evidence: list[str]


class TagOut(BaseModel):
    id: str | None = None
    topic: TopicOut
    campaigns: list[CampaignOut]
    model: dict[str, str]
