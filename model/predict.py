"""Records in, output dicts out: the one place that turns raw input rows into results.

The CLI, the HTTP service and archive jobs all call these functions, so a row that fails here
fails the same way everywhere, as ``{"id", "error"}``, and never stops the rows around it.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from typing import Any

from tinbai.model.article import Article, ArticleError, parse_article, record_id
from tinbai.model.bundle import Bundle
from tinbai.model.text import Document, prepare


class RecordError(Exception):
    """A row that could not even be read (bad JSON, bad encoding); carries the message."""


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


def prepare_articles(
    records: Sequence[Any], **parse_options: Any
) -> tuple[list[Article | None], list[Document | None], list[str | None]]:
    """Parse and prepare each record; failures become an error message at their position."""
    articles: list[Article | None] = []
    docs: list[Document | None] = []
    errors: list[str | None] = []
    for rec in records:
        if isinstance(rec, RecordError):
            articles.append(None)
            docs.append(None)
            errors.append(str(rec))
            continue
        try:
            art = parse_article(rec, **parse_options)
            doc = prepare(art.text, art.title)
            if not doc.sentences and not doc.title:
                raise ArticleError("text", "has no article text left after removing page chrome")
        except ArticleError as exc:
            articles.append(None)
            docs.append(None)
            errors.append(str(exc))
            continue
        articles.append(art)
        docs.append(doc)
        errors.append(None)
    return articles, docs, errors


def tag_records(
    bundle: Bundle, records: Sequence[Any], *, ranking: bool = False
) -> list[dict[str, Any]]:
    """One output dict per record, in order: ``{"id", "topic", "campaigns"}`` or
    ``{"id", "error"}``."""
    articles, docs, errors = prepare_articles(records, allow_title_only=True)
    ok = [i for i, d in enumerate(docs) if d is not None]
    results = bundle.tag([docs[i] for i in ok]) if ok else []  # type: ignore[misc]
    by_index = dict(zip(ok, results, strict=True))
    out: list[dict[str, Any]] = []
    for i, rec in enumerate(records):
        if errors[i] is not None:
            out.append(error_row(rec, errors[i]))  # type: ignore[arg-type]
            continue
        row = {"id": articles[i].id}  # type: ignore[union-attr]
        row.update(by_index[i].to_dict(ranking=ranking))
        row["meta"] = meta_dict(docs[i])  # type: ignore[arg-type]
        out.append(row)
    return out


def summarize_records(
    bundle: Bundle, records: Sequence[Any], budget: Any = None
) -> list[dict[str, Any]]:
    """One output dict per record, in order: ``{"id", "summary", "sentences"}`` or
    ``{"id", "error"}``. Bundles without a summariser of their own use the lead baseline."""
    from tinbai.model.summarize import Summarizer

    summarizer = bundle.summarizer or Summarizer.from_config({"scorer": "lead.v1"})
    articles, docs, errors = prepare_articles(records)
    out: list[dict[str, Any]] = []
    for rec, art, doc, err in zip(records, articles, docs, errors, strict=True):
        if err is not None:
            out.append(error_row(rec, err))
            continue
        row = {"id": art.id}  # type: ignore[union-attr]
        row.update(summarizer.summarize(doc, budget).to_dict())  # type: ignore[arg-type]
        row["meta"] = meta_dict(doc)  # type: ignore[arg-type]
        out.append(row)
    return out
