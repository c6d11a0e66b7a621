"""Validation of one incoming article record, shared by the CLI, the API and batch jobs.

Every entry point rejects the same inputs with the same words, naming the field and the
problem, so a newsroom engineer reads one vocabulary of errors.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# A str decoded from JSON can hold surrogate code points ("\\ud800" is valid JSON); they are
# not Unicode text, cannot be written as UTF-8 and crash whatever encodes them later.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Control characters (Unicode Cc) other than tab, newline and carriage return.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ID_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # an id may not hold tab or newline either


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


def _bad_character(value: str, pattern: re.Pattern[str], what: str) -> str | None:
    m = pattern.search(value)
    if m is None:
        return None
    return f"contains {what} U+{ord(m.group()):04X} at character {m.start() + 1}"


def check_text(value: str, field: str) -> str:
    """``value`` as text the pipeline can take, or :class:`ArticleError` naming ``field``.

    Unpaired surrogates are rejected: they are not text, and guessing what was meant would
    silently change an article. Control characters other than tab, newline and carriage
    return are removed (stray bytes from editors and scrapers; real archives carry a few, and
    rejecting the article for them would lose it)."""
    problem = _bad_character(value, _SURROGATE, "an unpaired surrogate")
    if problem:
        raise ArticleError(field, f"{problem} (not valid Unicode)")
    return _CONTROL.sub("", value)


def _clean(value: str) -> bool:
    """A quick yes for the usual value: ``str.isprintable`` is false for every surrogate (Cs)
    and control character (Cc), so a printable value has neither, and one C-level pass says so
    six times faster than the two searches (a 4.5-million-character id: 10 ms against 64).
    False says nothing: spaces other than " " and format characters are not printable
    either, and the searches decide."""
    return value.isprintable()


def check_id(value: str, field: str = "id") -> str:
    """``value`` if it can name an article in every output (JSONL, Parquet, CSV reports),
    else :class:`ArticleError`: no surrogates, no control characters (tab and newline
    included). An id is never altered, so it is rejected rather than cleaned."""
    if _clean(value):
        return value
    problem = _bad_character(value, _SURROGATE, "an unpaired surrogate") or _bad_character(
        value, _ID_CONTROL, "a control character"
    )
    if problem:
        raise ArticleError(field, problem)
    return value


def printable(value: str) -> str:
    """``value`` with surrogates and control characters escaped (``\\ud800``), for error
    rows that must echo a bad id and still be writable as UTF-8 in one line."""
    if _clean(value) or (_SURROGATE.search(value) is None and _ID_CONTROL.search(value) is None):
        return value
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if _SURROGATE.match(ch) or _ID_CONTROL.match(ch)
        else ch
        for ch in value
    )


def _optional_id(record: Mapping[str, Any], field: str) -> str | None:
    value = record.get(field)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ArticleError(field, f"must be a string or an integer, got {type(value).__name__}")
    return check_id(str(value), field)


def record_id(record: Any, field: str = "id") -> str | None:
    """The record's id for its error line: as given, or escaped by :func:`printable` when
    it holds characters no output may carry; None when it has none or one of a wrong type."""
    if isinstance(record, Mapping):
        value = record.get(field)
        if isinstance(value, str):
            return printable(value)
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
    text = check_text(text, text_field)
    title = check_text(title, title_field) if title is not None else None
    if not text.strip() and not (allow_title_only and title and title.strip()):
        raise ArticleError(text_field, "is empty or only whitespace")
    if max_chars is not None and len(text) > max_chars:
        raise ArticleError(text_field, f"is {len(text)} characters, over the limit of {max_chars}")
    return Article(id=article_id, text=text, title=title or None)
