"""Model calls for the routes, always off the event loop.

One request runs the text pipeline once (``prepare``, optionally pre-segmented) and hands the
same :class:`~model.text.Document` to the tagger and the summariser. Tagging goes through a
:class:`~service.api.batching.MicroBatcher` when enabled (transformer bundles by default);
otherwise :meth:`Inference.analyze` runs preparing, tagging and summarising in one worker
thread call (each hop between the loop and a thread costs more than a small article's tagging).

Work goes to the service's own bounded thread pool through ``loop.run_in_executor``: when a
request is cancelled (deadline, client gone) a call that has not started yet is dropped from
the queue, and a running one finishes with its result discarded.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from tinbai.model.article import Article, ArticleError
from tinbai.model.bundle import Bundle
from tinbai.model.predict import Prepared, default_summarizer, prepare_records, summary_problem
from tinbai.model.summarize import Budget, Summarizer, Summary
from tinbai.model.tagging import TagResult
from tinbai.model.text import Document
from tinbai.service.api.batching import MicroBatcher

R = TypeVar("R")


@dataclass
class Analysis:
    """What one article's request needs: the parsed article, its document and the results asked
    for (``None`` when not asked)."""

    article: Article
    doc: Document
    tags: TagResult | None = None
    summary: Summary | None = None


class Inference:
    """The loaded bundle plus how to call it under load."""

    def __init__(
        self,
        bundle: Bundle,
        *,
        segment: bool,
        batcher: MicroBatcher[Document, TagResult] | None,
        threads: int = 4,
    ) -> None:
        self.bundle = bundle
        self.segment = segment
        self.batcher = batcher
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="inference")
        # Bundles without a summariser of their own use the lead baseline (as summarize_records).
        self.summarizer: Summarizer = default_summarizer(bundle)

    async def run(self, fn: Callable[..., R], *args: Any) -> R:
        """``fn(*args)`` in the pool; cancelling the caller drops it if it has not started.

        Two guards, because cancelling the awaiting task reaches the pool's future only on a
        later turn of the event loop: the pool future is cancelled, and the call itself
        checks a flag set as soon as the cancellation reaches this coroutine."""
        loop = asyncio.get_running_loop()
        gone = threading.Event()

        def call() -> R:
            if gone.is_set():
                raise concurrent.futures.CancelledError
            return fn(*args)

        try:
            return await loop.run_in_executor(self._executor, call)
        except asyncio.CancelledError:
            gone.set()
            raise

    def close(self) -> None:
        """Drop queued calls (shutdown); running ones finish in their threads."""
        self._executor.shutdown(wait=False, cancel_futures=True)

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
        self, record: dict[str, Any], max_chars: int | None, summary: bool = False
    ) -> tuple[Article, Document]:
        """Parse and prepare one record (the one vocabulary of input errors: ArticleError).
        A headline with no body is accepted for tagging, refused when a ``summary`` is wanted
        (:func:`~tinbai.model.predict.summary_problem`: the CLI's rule)."""
        (one,) = prepare_records([record], max_chars=max_chars, allow_title_only=not summary)
        if not one.ok:
            raise ArticleError(None, one.error or "")  # the message already names the field
        problem = summary_problem(one.article, one.doc) if summary else None
        if problem is not None:
            raise ArticleError(None, problem)
        return one.article, one.doc.with_segmentation() if self.segment else one.doc

    def _prepare_many(
        self, records: Sequence[dict[str, Any]], max_chars: int | None
    ) -> list[Prepared]:
        prepared = prepare_records(records, max_chars=max_chars, allow_title_only=True)  # tags only
        if self.segment:
            prepared = [
                replace(p, doc=p.doc.with_segmentation()) if p.doc is not None else p
                for p in prepared
            ]
        return prepared

    async def prepare_many(
        self, records: Sequence[dict[str, Any]], max_chars: int | None = None
    ) -> list[Prepared]:
        return await self.run(self._prepare_many, records, max_chars)

    # -- models --------------------------------------------------------------------------------
    async def tag(self, docs: Sequence[Document]) -> list[TagResult]:
        if not docs:
            return []
        if self.batcher is not None:
            return await self.batcher.submit_many(docs)
        return await self.run(self.bundle.tag, list(docs))

    async def summarize(self, doc: Document, budget: Budget | None) -> Summary:
        return await self.run(self.summarizer.summarize, doc, budget)

    # -- one request, as few thread hops as possible --------------------------------------------
    def _prepare_analysis(
        self, record: dict[str, Any], max_chars: int | None, summary: bool
    ) -> Analysis:
        return Analysis(*self._prepare_one(record, max_chars, summary))

    def _analyze_sync(
        self, record: dict[str, Any], max_chars: int | None, tag: bool, budget: Budget | None
    ) -> Analysis:
        article, doc = self._prepare_one(record, max_chars, budget is not None)
        out = Analysis(article, doc)
        if tag:
            (out.tags,) = self.bundle.tag([doc])
        if budget is not None:
            out.summary = self.summarizer.summarize(doc, budget)
        return out

    async def analyze(
        self,
        record: dict[str, Any],
        *,
        max_chars: int | None = None,
        tag: bool = True,
        budget: Budget | None = None,
    ) -> Analysis:
        """Prepare one record, then tag it (``tag``) and summarise it (a ``budget``): one worker
        call without micro-batching; with it, tagging waits for company in the batcher."""
        if self.batcher is None:
            return await self.run(self._analyze_sync, record, max_chars, tag, budget)
        out = await self.run(self._prepare_analysis, record, max_chars, budget is not None)
        if tag:
            (out.tags,) = await self.batcher.submit_many([out.doc])
        if budget is not None:
            out.summary = await self.summarize(out.doc, budget)
        return out
