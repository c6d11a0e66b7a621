"""Records in, output dicts out: the one place that turns raw input rows into results.

The CLI, the HTTP service and archive jobs all call these functions, so a row that fails here
fails the same way everywhere, as ``{"id", "error"}``, and never stops the rows around it.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tinbai.model.article import Article, ArticleError, parse_article, record_id
from tinbai.model.bundle import Bundle
from tinbai.model.text import Document, prepare

R = TypeVar("R")
BASELINE_SCORER = "lead.v1"  # the summariser of bundles that ship none


class RecordError(Exception):
    """A row that could not even be read (bad JSON, bad encoding); carries the message."""


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last may be shorter): records go to a model in
    batches, whoever reads them (CLI, evaluation, the Python API)."""
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def decode_json_line(raw: bytes, lineno: int) -> Any:
    """One JSONL line → object, or a :class:`RecordError` worded the same for every reader
    (the CLI, archive jobs). Blank lines are errors too: output line *n* answers input *n*.
    A UTF-8 byte-order mark opening the file (line 1) is dropped, as ``utf-8-sig`` does."""
    if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return RecordError(f"line {lineno}: not valid UTF-8 ({exc.reason} at byte {exc.start})")
    if not line.strip():
        return RecordError(f"line {lineno}: empty line, expected a JSON object")
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return RecordError(f"line {lineno}: invalid JSON: {exc.msg} (column {exc.colno})")


def error_row(record: Any, message: str) -> dict[str, Any]:
    return {"id": record_id(record), "error": message}


def meta_dict(doc: Document) -> dict[str, str | None]:
    """``{"author", "source"}``: the byline and source lines that cleaning took out of the body
    ("Tác giả: …", "Nguồn: …"; null when the article has none), so they are not lost."""
    return {"author": doc.author, "source": doc.source}


@dataclass(frozen=True)
class Prepared:
    """One input row through preparation: the row as read, and either its parsed article and
    document or the error message that replaces its result."""

    record: Any
    article: Article | None = None
    doc: Document | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Prepared: an article and its document, no error (the rows models see)."""
        return self.error is None and self.article is not None and self.doc is not None

    def failed(self, message: str) -> Prepared:
        return Prepared(self.record, error=message)


def prepare_records(records: Sequence[Any], **parse_options: Any) -> list[Prepared]:
    """Parse and prepare each record; a failure is an error message at its position."""
    out = []
    for rec in records:
        if isinstance(rec, RecordError):
            out.append(Prepared(rec, error=str(rec)))
            continue
        try:
            art = parse_article(rec, **parse_options)
            doc = prepare(art.text, art.title)
            if not doc.sentences and not doc.title:
                raise ArticleError("text", "has no article text left after removing page chrome")
        except ArticleError as exc:
            out.append(Prepared(rec, error=str(exc)))
            continue
        out.append(Prepared(rec, art, doc))
    return out


def good_docs(prepared: Sequence[Prepared]) -> list[Document]:
    """The documents of the rows that prepared, in order."""
    return [p.doc for p in prepared if p.ok]  # type: ignore[misc]  # ok: doc is not None


def by_position(prepared: Sequence[Prepared], results: Sequence[R]) -> list[R | None]:
    """Results computed over :func:`good_docs` put back at their rows (``None`` for errors)."""
    it = iter(results)
    out = [next(it) if p.ok else None for p in prepared]
    if next(it, None) is not None:
        raise ValueError("more results than prepared rows")
    return out


def map_good(
    prepared: Sequence[Prepared], fn: Callable[[list[Document]], Sequence[R]]
) -> list[R | None]:
    """``fn`` over the good rows' documents in one call, the results back by position."""
    docs = good_docs(prepared)
    return by_position(prepared, fn(docs) if docs else [])


def summary_problem(article: Article, doc: Document, text_field: str = "text") -> str | None:
    """Why a prepared article gets no summary, worded as an input error naming the field, or
    None. The one rule for headline-only rows, for every caller (CLI, Python API, HTTP,
    archive jobs): a summary is body sentences, so an article whose body is empty or was only
    page chrome is tagged from its title and never summarised (never an empty summary)."""
    if not article.text.strip():
        return str(ArticleError(text_field, "is empty or only whitespace"))
    if not doc.sentences:
        return str(ArticleError(text_field, "has no article text left after removing page chrome"))
    return None


def default_summarizer(bundle: Bundle) -> Any:
    """The bundle's summariser, or the lead baseline for bundles without one (every caller —
    CLI, service, archive jobs, evaluation — falls back the same way)."""
    if bundle.summarizer is not None:
        return bundle.summarizer
    from tinbai.model.summarize import Summarizer

    return Summarizer.from_config({"scorer": BASELINE_SCORER})


def tag_records(
    bundle: Bundle, records: Sequence[Any], *, ranking: bool = False
) -> list[dict[str, Any]]:
    """One output dict per record, in order: ``{"id", "topic", "campaigns"}`` or
    ``{"id", "error"}``."""
    return tag_prepared(bundle, prepare_records(records, allow_title_only=True), ranking=ranking)


def tag_prepared(
    bundle: Bundle, prepared: Sequence[Prepared], *, ranking: bool = False
) -> list[dict[str, Any]]:
    """:func:`tag_records` for rows already prepared (so a caller that also summarises them
    cleans and splits each article once)."""
    results = map_good(prepared, bundle.tag)
    out: list[dict[str, Any]] = []
    for p, result in zip(prepared, results, strict=True):
        if not p.ok or result is None:
            out.append(error_row(p.record, p.error or ""))
            continue
        out.append(
            {"id": p.article.id, **result.to_dict(ranking=ranking), "meta": meta_dict(p.doc)}
        )
    return out


def summarize_records(
    bundle: Bundle, records: Sequence[Any], budget: Any = None
) -> list[dict[str, Any]]:
    """One output dict per record, in order: ``{"id", "summary", "sentences"}`` or
    ``{"id", "error"}``. Bundles without a summariser of their own use the lead baseline."""
    return summarize_prepared(bundle, prepare_records(records), budget)


def summarize_prepared(
    bundle: Bundle, prepared: Sequence[Prepared], budget: Any = None
) -> list[dict[str, Any]]:
    """:func:`summarize_records` for rows already prepared; a headline-only row is refused
    here by :func:`summary_problem`, however it was prepared."""
    summarizer = default_summarizer(bundle)
    out: list[dict[str, Any]] = []
    for p in prepared:
        if not p.ok:
            out.append(error_row(p.record, p.error or ""))
            continue
        problem = summary_problem(p.article, p.doc)
        if problem is not None:
            out.append(error_row(p.record, problem))
            continue
        out.append(
            {
                "id": p.article.id,
                **summarizer.summarize(p.doc, budget).to_dict(),
                "meta": meta_dict(p.doc),
            }
        )
    return out
