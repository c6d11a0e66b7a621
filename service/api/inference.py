"""Model calls for the routes, always off the event loop.

One request runs the text pipeline once (``prepare``, optionally pre-segmented) and hands the
same :class:`~model.text.Document` to the tagger and the summariser. Tagging goes through a
:class:`~service.api.batching.MicroBatcher` when enabled (transformer bundles by default),
otherwise straight to a worker thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.concurrency import run_in_threadpool

from model.article import Article, ArticleError
from model.bundle import Bundle
from model.predict import prepare_articles
from model.summarize import Budget, Summarizer, Summary
from model.tagging import TagResult
from model.text import Document
from service.api.batching import MicroBatcher

BASELINE_SCORER = "lead.v1"


class Inference:
    """The loaded bundle plus how to call it under load."""

    def __init__(
        self, bundle: Bundle, *, segment: bool, batcher: MicroBatcher[Document, TagResult] | None
    ) -> None:
        self.bundle = bundle
        self.segment = segment
        self.batcher = batcher
        # Bundles without a summariser of their own use the lead baseline (as summarize_records).
        self.summarizer: Summarizer = bundle.summarizer or Summarizer.from_config(
            {"scorer": BASELINE_SCORER}
        )

    @property
    def micro_batching(self) -> bool:
        return self.batcher is not None

    @property
    def model_info(self) -> dict[str, str]:
        return {
            "name": self.bundle.name,
            "version": self.bundle.version,
            "kind": self.bundle.manifest.kind,
        }

    # -- the pipeline, one document ------------------------------------------------------------
    def _prepare_one(
        self, record: dict[str, Any], max_chars: int | None
    ) -> tuple[Article, Document]:
        """Parse and prepare one record (the one vocabulary of input errors: ArticleError)."""
        articles, docs, errors = prepare_articles([record], max_chars=max_chars)
        if errors[0] is not None:
            raise ArticleError(None, errors[0])  # the message already names the field
        doc = docs[0]
        if self.segment:
            doc = doc.with_segmentation()  # type: ignore[union-attr]
        return articles[0], doc  # type: ignore[return-value]

    async def prepare(
        self, record: dict[str, Any], max_chars: int | None = None
    ) -> tuple[Article, Document]:
        return await run_in_threadpool(self._prepare_one, record, max_chars)

    def _prepare_many(
        self, records: Sequence[dict[str, Any]], max_chars: int | None
    ) -> tuple[list[Article | None], list[Document | None], list[str | None]]:
        articles, docs, errors = prepare_articles(records, max_chars=max_chars)
        if self.segment:
            docs = [d.with_segmentation() if d is not None else None for d in docs]
        return articles, docs, errors

    async def prepare_many(
        self, records: Sequence[dict[str, Any]], max_chars: int | None = None
    ) -> tuple[list[Article | None], list[Document | None], list[str | None]]:
        return await run_in_threadpool(self._prepare_many, records, max_chars)

    # -- models --------------------------------------------------------------------------------
    async def tag(self, docs: Sequence[Document]) -> list[TagResult]:
        if not docs:
            return []
        if self.batcher is not None:
            return await self.batcher.submit_many(docs)
        return await run_in_threadpool(self.bundle.tag, list(docs))

    async def summarize(self, doc: Document, budget: Budget | None) -> Summary:
        return await run_in_threadpool(self.summarizer.summarize, doc, budget)
