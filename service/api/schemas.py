"""Request and response bodies of the HTTP API.

Response fields are a superset of the CLI's JSONL contracts — ``{"id", "topic": {"label",
"score"}, "campaigns": [{"id", "score", "evidence"}]}`` for tagging and ``{"summary",
"sentences": [{"index", "text", "score"}]}`` for summaries — so a client can switch between
the batch CLI and the service without remapping fields. Input checks use the CLI's words
("is empty or only whitespace"); the size limit is a setting, so routes check it (413).
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from tinbai.model.article import ArticleError, check_id, check_text
from tinbai.service.api.examples import (
    ERROR_EXAMPLES,
    EXAMPLE_ANALYZE_OUT,
    EXAMPLE_ARTICLE,
    EXAMPLE_BATCH_OUT,
    EXAMPLE_FEEDBACK_OUT,
    EXAMPLE_HEADLINE_ONLY,
    EXAMPLE_SPORTS_ARTICLE,
    EXAMPLE_SUMMARY_OUT,
    EXAMPLE_TAG_OUT,
)


@dataclass(frozen=True)
class BodyLimits:
    """The settings' size limits, for the body validators: validation runs on the event loop
    before any route code, so what is over a limit is refused there at once instead of being
    checked item by item first (a 5-million-character text took 90 ms to scan, a batch of
    1.1 million tiny articles 4 s to validate, each only to be refused by its size)."""

    max_text_chars: int
    max_batch_articles: int


# Set by the guard middleware for each /v1/* body; None outside a request (no early refusal).
body_limits: ContextVar[BodyLimits | None] = ContextVar("body_limits", default=None)


def _examples(*values: Any) -> ConfigDict:
    """A schema's examples (Swagger UI shows the first instead of ``"string"`` placeholders)."""
    return ConfigDict(json_schema_extra={"examples": list(values)})


def _not_blank(text: str) -> str:
    """Same words as the CLI's ``field 'text': is empty or only whitespace``."""
    if not text.strip():
        raise ValueError("is empty or only whitespace")
    return text


def _text_or_headline(cls: type[ArticleIn], text: str, info: ValidationInfo) -> str:
    """A blank body beside a headline is accepted where the route only tags (the title is read;
    the one rule of ``model.predict.summary_problem``); routes that summarise set
    ``headline_only = False``. Otherwise the CLI's words: "is empty or only whitespace"."""
    title = info.data.get("title") or ""
    if not text.strip() and not (cls.headline_only and title.strip()):
        raise ValueError("is empty or only whitespace")
    return text


def _valid_text(value: str | None, info: ValidationInfo) -> str | None:
    """The CLI's and archive jobs' check (model.article.check_text): unpaired surrogates are
    rejected (422 naming the field), control characters other than tab/newline removed."""
    if value is None:
        return None
    limits = body_limits.get()
    if limits is not None and len(value) > limits.max_text_chars:
        return value  # over the size limit: the route answers 413, the size comes first
    try:
        return check_text(value, info.field_name or "text")
    except ArticleError as exc:
        raise ValueError(exc.problem) from None


def _valid_id(value: str | None, info: ValidationInfo) -> str | None:
    """The CLI's id check (model.article.check_id): no surrogates or control characters."""
    if value is None:
        return None
    try:
        return check_id(value, info.field_name or "id")
    except ArticleError as exc:
        raise ValueError(exc.problem) from None


def _id_to_str(value: Any) -> Any:
    # The CLI accepts integer ids and echoes them as strings; so does the API.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class ArticleIn(BaseModel):
    # the second: a headline alone, tagged from the title (summaries refuse it)
    model_config = _examples(EXAMPLE_ARTICLE, EXAMPLE_HEADLINE_ONLY)

    id: str | None = Field(None, description="the caller's article id, echoed back")
    title: str | None = Field(None, description="headline (read by the models, never summarised)")
    text: str = Field(
        description="article body; page chrome (menus, by-lines, captions) is removed. May be "
        "empty beside a title for tagging (tagged from the title), never for a summary"
    )

    _id = field_validator("id", mode="before")(_id_to_str)
    _id_chars = field_validator("id")(_valid_id)
    _chars = field_validator("title", "text")(_valid_text)  # before the blank check
    _text = field_validator("text")(_text_or_headline)

    headline_only: ClassVar[bool] = True  # tagging reads a headline alone


class SummarizeIn(ArticleIn):
    """Give at most one budget; with none the summary has ``summarizer.default_sentences``
    sentences (configs/limits.yaml; 3 as shipped)."""

    headline_only: ClassVar[bool] = False  # a summary is body sentences

    model_config = ConfigDict(json_schema_extra={"examples": [{**EXAMPLE_ARTICLE, "sentences": 2}]})

    sentences: int | None = Field(None, ge=1, le=100, description="number of sentences")
    max_chars: int | None = Field(None, ge=1, description="longest summary in characters")
    ratio: float | None = Field(None, gt=0, le=1, description="share of the body's sentences")

    @model_validator(mode="after")
    def _one_budget(self) -> SummarizeIn:
        given = [n for n in ("sentences", "max_chars", "ratio") if getattr(self, n) is not None]
        if len(given) > 1:
            raise ValueError(
                f"give only one of sentences, max_chars, ratio (got {', '.join(given)})"
            )
        return self


class AnalyzeIn(SummarizeIn):
    model_config = ConfigDict(json_schema_extra={"examples": [{**EXAMPLE_ARTICLE, "sentences": 2}]})

    include_document: bool = Field(
        False, description="also return the cleaned body sentences (the editor page shows them)"
    )


class BatchArticleIn(BaseModel):
    """One article of a batch. Content problems (blank text, over the size limit) become an
    ``{"id", "error"}`` item in the results, as in ``tinbai tag``, instead of failing the batch."""

    id: str | None = None
    title: str | None = None
    text: str

    _id = field_validator("id", mode="before")(_id_to_str)


class BatchIn(BaseModel):
    model_config = _examples(
        {"articles": [EXAMPLE_ARTICLE, EXAMPLE_SPORTS_ARTICLE, {"id": "tt-0003", "text": " "}]}
    )

    articles: list[BatchArticleIn] = Field(min_length=1)

    @field_validator("articles", mode="before")
    @classmethod
    def _not_too_many(cls, value: Any) -> Any:
        """More articles than a call may hold is a 413 before any of them is validated."""
        limits = body_limits.get()
        if limits is not None and isinstance(value, list):
            # here, not at the top: results imports the error types, which import the schemas
            from tinbai.service.api.results import check_batch_size

            check_batch_size(len(value), limits.max_batch_articles)  # an ApiError: not wrapped
        return value


class ModelOut(BaseModel):
    model_config = _examples(EXAMPLE_TAG_OUT["model"])

    name: str
    version: str
    kind: str


class TopicScoreOut(BaseModel):
    label: str
    name: str
    score: float


class TopicOut(BaseModel):
    label: str
    name: str
    score: float
    ranking: list[TopicScoreOut] = Field(description="every topic, best first")


class CampaignOut(BaseModel):
    id: str
    name: str
    score: float
    evidence: list[str] = Field(
        description="body sentences quoting the campaign, in document order"
    )


class MetaOut(BaseModel):
    """Byline and source lines taken out of the body by cleaning; null when absent."""

    author: str | None = Field(None, examples=["Lý Dũng"])
    source: str | None = Field(None, examples=["http://baobackan.org.vn"])


class TagItemOut(BaseModel):
    id: str | None = None
    topic: TopicOut
    campaigns: list[CampaignOut] = Field(description="campaigns the article reports on (themes)")
    mentions: list[CampaignOut] = Field(
        default_factory=list, description="campaigns named in passing, not a theme"
    )
    meta: MetaOut | None = None


class TagOut(TagItemOut):
    model_config = _examples(EXAMPLE_TAG_OUT)

    model: ModelOut


class ItemErrorOut(BaseModel):
    id: str | None = None
    error: str


class BatchOut(BaseModel):
    model_config = _examples(EXAMPLE_BATCH_OUT)

    results: list[TagItemOut | ItemErrorOut] = Field(description="one per article, in order")
    ok: int
    failed: int
    model: ModelOut


class SummarySentenceOut(BaseModel):
    index: int = Field(description="position among the article's body sentences")
    text: str
    score: float


class SummaryOut(BaseModel):
    model_config = _examples(EXAMPLE_SUMMARY_OUT)

    id: str | None = None
    summary: str
    sentences: list[SummarySentenceOut] = Field(description="document order")
    scorer: str
    model: ModelOut
    meta: MetaOut | None = None


class DocumentSentenceOut(BaseModel):
    index: int
    text: str
    paragraph: int


class DocumentOut(BaseModel):
    title: str
    sentences: list[DocumentSentenceOut]


class AnalyzeOut(BaseModel):
    model_config = _examples(EXAMPLE_ANALYZE_OUT)

    id: str | None = None
    topic: TopicOut
    campaigns: list[CampaignOut]
    mentions: list[CampaignOut] = Field(default_factory=list)
    summary: str
    sentences: list[SummarySentenceOut]
    scorer: str
    model: ModelOut
    meta: MetaOut | None = None
    document: DocumentOut | None = None


class TagsIn(BaseModel):
    topic: str | None = Field(None, description="topic id")
    campaigns: list[str] = Field(default_factory=list, description="campaign ids")


class CorrectedTagsIn(BaseModel):
    topic: str = Field(description="the right topic id")
    campaigns: list[str] = Field(
        default_factory=list, description="the right campaign ids (may be empty)"
    )


class FeedbackIn(BaseModel):
    """An editor's correction. The text is stored so the correction can become a training row;
    ``predicted`` defaults to what the served bundle predicts for it now."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "article_id": EXAMPLE_ARTICLE["id"],
                    "title": EXAMPLE_ARTICLE["title"],
                    "text": EXAMPLE_ARTICLE["text"],
                    "predicted": {"topic": "suc-khoe", "campaigns": ["hien-mau-tinh-nguyen"]},
                    "corrected": {
                        "topic": "chinh-tri-xa-hoi",
                        "campaigns": ["hien-mau-tinh-nguyen"],
                    },
                    "note": "tin hoạt động đoàn thể",
                }
            ]
        }
    )

    article_id: str | None = None
    title: str | None = None
    text: str
    predicted: TagsIn | None = None
    corrected: CorrectedTagsIn
    note: str | None = Field(None, max_length=2000)

    _id = field_validator("article_id", mode="before")(_id_to_str)
    _id_chars = field_validator("article_id")(_valid_id)
    _chars = field_validator("title", "text", "note")(_valid_text)  # before the blank check
    _text = field_validator("text")(_not_blank)


class FeedbackOut(BaseModel):
    model_config = _examples(EXAMPLE_FEEDBACK_OUT)

    id: int
    article_id: str | None
    text_hash: str
    created_at: str


class ErrorDetail(BaseModel):
    code: str = Field(
        description="stable machine-readable reason: invalid_json, unauthorized, "
        "payload_too_large, unsupported_media_type, invalid_input, overloaded, "
        "storage_unavailable, not_ready, timeout, internal_error"
    )
    message: str = Field(description="what is wrong, naming the field at fault")


class ErrorBody(BaseModel):
    """The one shape of every error answer (routes, validation, middleware)."""

    model_config = _examples(
        *({"error": {"code": c, "message": m}} for c, m in ERROR_EXAMPLES[422].values())
    )

    error: ErrorDetail
