"""The Python API: ``nlp = tinbai.load()`` then ``nlp.tag(text)``, ``nlp.summarize(text)``.

A thin face over :mod:`tinbai.model.predict`, the functions the CLI, the service and archive
jobs call, so a result's ``to_dict()`` is exactly the row ``tinbai tag`` / ``tinbai summarize``
writes for the same article: one code path, one set of rules (headline-only articles can be
tagged but not summarised; page chrome is cleaned the same way).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tinbai.model.article import ArticleError
from tinbai.model.bundle import Bundle, load_bundle
from tinbai.model.paths import DEFAULT_BUNDLE_DIR
from tinbai.model.predict import (
    batched,
    prepare_records,
    summarize_prepared,
    summarize_records,
    tag_prepared,
    tag_records,
)
from tinbai.model.summarize import Budget


@dataclass(frozen=True)
class Result:
    """One output row. ``error`` is set (and nothing else) for an article that could not be
    read, as in the CLI's ``{"id", "error"}`` rows; only :meth:`Tinbai.tag_many` returns those."""

    row: dict[str, Any] = field(repr=False)

    @property
    def id(self) -> str | None:
        return self.row.get("id")

    @property
    def error(self) -> str | None:
        return self.row.get("error")

    def to_dict(self) -> dict[str, Any]:
        """The row as the CLI writes it (a copy: changing it changes nothing here)."""
        return dict(self.row)


@dataclass(frozen=True)
class Tags(Result):
    """A topic and the campaigns an article covers (``tinbai tag``'s row)."""

    @property
    def topic(self) -> str:
        """The topic id, e.g. ``"chinh-tri-xa-hoi"`` (score in ``to_dict()["topic"]``)."""
        return self.row["topic"]["label"]

    @property
    def campaigns(self) -> list[dict[str, Any]]:
        """Campaigns covered: ``{"id", "score", "evidence": [sentence, …]}`` each."""
        return self.row["campaigns"]

    @property
    def mentions(self) -> list[dict[str, Any]]:
        """Campaigns named only in passing, each with its sentence; not covered."""
        return self.row.get("mentions", [])


@dataclass(frozen=True)
class Summary(Result):
    """An extractive summary (``tinbai summarize``'s row)."""

    @property
    def summary(self) -> str:
        return self.row["summary"]

    @property
    def sentences(self) -> list[dict[str, Any]]:
        """The chosen sentences in article order: ``{"index", "text", "score"}`` each."""
        return self.row["sentences"]


@dataclass(frozen=True)
class Analysis(Tags, Summary):
    """Tags and a summary of one article: the tag row's fields plus the summary row's."""


def _record(text: str, title: str | None, id: str | None) -> dict[str, Any]:
    rec: dict[str, Any] = {"text": text}
    if title is not None:
        rec["title"] = title
    if id is not None:
        rec["id"] = id
    return rec


def _one(row: dict[str, Any]) -> dict[str, Any]:
    if "error" in row:
        raise ArticleError(None, row["error"])  # the message already names the field
    return row


class Tinbai:
    """A loaded bundle and what it can do. Thread-safe for reading, as the service uses it."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle

    def tag(
        self, text: str, title: str | None = None, *, id: str | None = None, ranking: bool = False
    ) -> Tags:
        """Tag one article. Raises :class:`~tinbai.model.article.ArticleError` (naming the field)
        for an article with nothing to read; a headline with an empty body is accepted.
        ``ranking`` adds every topic's score to the row."""
        return Tags(_one(tag_records(self.bundle, [_record(text, title, id)], ranking=ranking)[0]))

    def tag_many(
        self, records: Iterable[Mapping[str, Any]], *, ranking: bool = False, batch_size: int = 64
    ) -> list[Tags]:
        """Tag ``{"id"?, "title"?, "text"}`` records in batches; one result per record, in
        order. A record that cannot be read becomes a result with ``error`` set (the CLI's row),
        never an exception that loses the others."""
        return [
            Tags(row)
            for batch in batched(records, batch_size)
            for row in tag_records(self.bundle, batch, ranking=ranking)
        ]

    def summarize(
        self,
        text: str,
        sentences: int | None = None,
        *,
        title: str | None = None,
        id: str | None = None,
    ) -> Summary:
        """An extractive summary of ``sentences`` sentences (fewer in a shorter article; None:
        ``summarizer.default_sentences`` of configs/limits.yaml). Raises
        :class:`~tinbai.model.article.ArticleError` for an empty body: a headline alone has
        nothing to summarise."""
        budget = Budget(sentences=sentences)
        return Summary(_one(summarize_records(self.bundle, [_record(text, title, id)], budget)[0]))

    def analyze(
        self,
        text: str,
        title: str | None = None,
        *,
        sentences: int | None = None,
        id: str | None = None,
    ) -> Analysis:
        """Tags and a summary at once: the union of :meth:`tag`'s and :meth:`summarize`'s
        rows (same ``id``). Raises as :meth:`summarize` does."""
        prepared = prepare_records([_record(text, title, id)], allow_title_only=True)
        summary = _one(summarize_prepared(self.bundle, prepared, Budget(sentences=sentences))[0])
        return Analysis({**_one(tag_prepared(self.bundle, prepared)[0]), **summary})


def load(path: str | Path | None = None, **options: Any) -> Tinbai:
    """Load a bundle: the shipped default when ``path`` is None, else the bundle directory at
    ``path``. ``options`` go to the bundle kind's loader (e.g. ``backend="onnx"`` for PhoBERT).
    Raises :class:`~tinbai.model.bundle.BundleError` for a bundle that cannot be loaded, and
    :class:`~tinbai.extras.MissingExtra` when its kind needs an extra that is not installed."""
    return Tinbai(load_bundle(path or DEFAULT_BUNDLE_DIR, **options))
