"""Cleaning of scraped article pages.

A scrape carries site chrome ("Ý kiến bạn đọc", "Những tin cũ hơn"), photo captions (the
seed article's caption ends in ``|``) and by-lines ("Tác giả: …", "Nguồn tin: …"). None of it
may reach a classifier, a summary or an evidence quote; by-lines are returned as metadata
instead of being dropped. The rules live in ``configs/cleaning.yaml`` so that a newsroom can
add its own site's boilerplate without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, PositiveInt, field_validator
from tinbai.model.paths import CONFIG_DIR
from tinbai.model.text.normalize import normalize
from tinbai.model.yamlfile import ConfigError, read_validated

DEFAULT_RULES_PATH = CONFIG_DIR / "cleaning.yaml"
# Vietnamese end-of-article marker "./." (and "/.") becomes a plain full stop. The match may
# only start where a whitespace run starts (lookbehind), or a long run of whitespace would be
# rescanned from each of its characters (quadratic).
_END_MARK = re.compile(r"(?<!\s)\s*+\.?/\.\s*+$")


class CleaningRules(BaseModel):
    """Line patterns (regular expressions, matched on whole lines, case-insensitive)."""

    model_config = ConfigDict(extra="forbid")

    chrome_lines: list[str]
    caption_lines: list[str]
    author_lines: list[str]
    source_lines: list[str]
    # By-lines are recognised only on lines this short: a long paragraph is article text.
    max_metadata_chars: PositiveInt = 120

    @field_validator("chrome_lines", "caption_lines", "author_lines", "source_lines")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ValueError(f"pattern {p!r} is not a valid regular expression: {exc}") from exc
        return patterns

    def compiled(self) -> _CompiledRules:
        def comp(ps: list[str]) -> re.Pattern[str] | None:
            if not ps:
                return None
            return re.compile("|".join(f"(?:{p})" for p in ps), re.IGNORECASE)

        def comp_value(ps: list[str]) -> list[re.Pattern[str]]:
            return [re.compile(p, re.IGNORECASE) for p in ps]

        return _CompiledRules(
            chrome=comp(self.chrome_lines),
            caption=comp(self.caption_lines),
            author=comp_value(self.author_lines),
            source=comp_value(self.source_lines),
            max_metadata_chars=self.max_metadata_chars,
        )


@dataclass(frozen=True)
class _CompiledRules:
    chrome: re.Pattern[str] | None
    caption: re.Pattern[str] | None
    author: list[re.Pattern[str]]
    source: list[re.Pattern[str]]
    max_metadata_chars: int


@dataclass(frozen=True)
class CleanedArticle:
    """An article's text as paragraphs, with the page furniture taken out."""

    title: str
    paragraphs: tuple[str, ...]
    author: str | None = None
    source: str | None = None
    removed: tuple[str, ...] = field(default=())  # chrome and caption lines, for debugging

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


class CleaningRulesError(ConfigError):
    """A cleaning-rules file that cannot be used; the message names the file and the field."""


@lru_cache(maxsize=8)
def load_cleaning_rules(path: Path = DEFAULT_RULES_PATH) -> _CompiledRules:
    """Read and validate a cleaning-rules YAML file (cached: rules are read once a process)."""
    return read_validated(path, CleaningRules, CleaningRulesError).compiled()


def _metadata(line: str, patterns: list[re.Pattern[str]]) -> str | None:
    for p in patterns:
        m = p.fullmatch(line)
        if m:
            return m.group("value").strip() if "value" in p.groupindex else line
    return None


def clean_article(
    text: str, title: str | None = None, rules: _CompiledRules | None = None
) -> CleanedArticle:
    """Normalise ``title`` and ``text`` and drop chrome, captions and by-lines from the text.

    Only whole lines are removed, so article sentences are never cut. Metadata lines are
    recognised only when short (``max_metadata_chars`` in configs/cleaning.yaml), so a body
    paragraph that happens to start with "Nguồn:" is not mistaken for a by-line.
    """
    rules = rules or load_cleaning_rules()
    author = source = None
    paragraphs: list[str] = []
    removed: list[str] = []
    for raw_line in normalize(text).split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        if rules.chrome is not None and rules.chrome.fullmatch(line):
            removed.append(line)
            continue
        if rules.caption is not None and rules.caption.fullmatch(line):
            removed.append(line)
            continue
        if len(line) <= rules.max_metadata_chars:
            value = _metadata(line, rules.author)
            if value is not None:
                author = author or value
                continue
            value = _metadata(line, rules.source)
            if value is not None:
                source = source or value
                continue
        if line.endswith("/."):  # the only place the marker can be: the line is stripped
            line = _END_MARK.sub(".", line)
        paragraphs.append(line)
    clean_title = normalize(title).strip() if title else ""
    clean_title = " ".join(clean_title.split())
    return CleanedArticle(
        title=clean_title,
        paragraphs=tuple(paragraphs),
        author=author,
        source=source,
        removed=tuple(removed),
    )
