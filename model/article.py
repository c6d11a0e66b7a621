"""Validation of one incoming article record, shared by the CLI, the API and batch jobs.

Every entry point rejects the same inputs with the same words, naming the field and the
problem, so a newsroom engineer reads one vocabulary of errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class ArticleError(ValueError):
    """An input record that cannot be processed."""

    def __init__(self, field: str | None, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"field '{field}': {problem}" if field else problem)


@dataclass(frozen=True)
class Article:
    id: str | None
    text: str
    title: str | None = None


def _optional_id(record: Mapping[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ArticleError(field, f"must be a string or an integer, got {type(value).__name__}")
    return str(value)


def record_id(record: Any, field: str = "id") -> str | None:
    """The record's id if it has a usable one (for error lines), else None."""
    if isinstance(record, Mapping):
        try:
            return _optional_id(record, field)
        except ArticleError:
            return None
    return None


def parse_article(
    record: Any,
    *,
    id_field: str = "id",
    text_field: str = "text",
    title_field: str = "title",
    max_chars: int | None = None,
    allow_title_only: bool = False,
) -> Article:
    """Check one record and return it as an :class:`Article`, or raise :class:`ArticleError`.

    With ``allow_title_only`` an empty ``text`` is accepted when the title is not empty: wire
    items and ~1% of VNTC carry the whole story in the headline, and tagging can still read
    it (a summary cannot, so summaries never allow it)."""
    if not isinstance(record, Mapping):
        raise ArticleError(None, f"expected a JSON object, got {type(record).__name__}")
    article_id = _optional_id(record, id_field)
    if text_field not in record or record[text_field] is None:
        raise ArticleError(text_field, "is missing")
    text = record[text_field]
    if not isinstance(text, str):
        raise ArticleError(text_field, f"must be a string, got {type(text).__name__}")
    title = record.get(title_field)
    if title is not None and not isinstance(title, str):
        raise ArticleError(title_field, f"must be a string, got {type(title).__name__}")
    if not text.strip() and not (allow_title_only and title and title.strip()):
        raise ArticleError(text_field, "is empty or only whitespace")
    if max_chars is not None and len(text) > max_chars:
        raise ArticleError(text_field, f"is {len(text)} characters, over the limit of {max_chars}")
    return Article(id=article_id, text=text, title=title or None)
