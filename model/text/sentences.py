"""Vietnamese sentence splitting.

A rule-based splitter: punkt-style statistics are not needed because Vietnamese gives a strong
signal for free — every syllable has a vowel, so a "word" before a full stop that has no vowel
(``Th.``, ``Ng.``, ``TP.``, ``PGS.``) is an abbreviation or an initial, never a sentence end.
Numbers (``1.156``, ``15/5/2016``), codes (``05-CT/TW``), ``TP.HCM`` and ``(SN 1994)`` have no
space after the dot and are never split. Text inside a quotation (“…” or "…") is not split,
so a quoted sentence stays with the clause that introduces it. Paragraphs (lines) are always
sentence boundaries, which is how a title without a final full stop stays its own sentence.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from tinbai.model.paths import CONFIG_DIR
from tinbai.model.yamlfile import ConfigError, read_validated

SENTENCE_RULES_PATH = CONFIG_DIR / "sentences.yaml"


class SentenceRulesError(ConfigError):
    """A sentence-rules file that cannot be used; the message names the file and the field."""


class SentenceRules(BaseModel):
    """The splitter's exceptions (``configs/sentences.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    abbreviations: frozenset[str]  # with a vowel, yet never sentence-final (lower-case)
    never_final_acronyms: frozenset[str]  # vowel-less capitals that never end a sentence


def load_sentence_rules(path: Path = SENTENCE_RULES_PATH) -> SentenceRules:
    """Read and validate the splitter's exception lists."""
    rules = read_validated(path, SentenceRules, SentenceRulesError)
    return rules.model_copy(update={"abbreviations": {a.lower() for a in rules.abbreviations}})


@lru_cache(maxsize=1)
def sentence_rules() -> SentenceRules:
    """The shipped rules, read on first use (not at import: a broken file is then one
    :class:`SentenceRulesError` where the caller reports errors, not an import traceback)."""
    return load_sentence_rules()


_VOWELS = set("aăâeêioôơuưyAĂÂEÊIOÔƠUƯY")
_VOWELS |= set("àáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ")
_VOWELS |= {c.upper() for c in list(_VOWELS)}
# Candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace,
# then something that can start a sentence (a capital, digit, opening quote or bracket, dash).
# Linear on any input: a match may only start where a run of punctuation starts, and the runs
# are taken possessively (``*+``, ``++``; the classes are disjoint, so giving characters back
# could never help). The backtracking form was quadratic on long runs of dots (40,000 dots:
# 22 s), retrying the rest of the run from every dot in it. The run-start test is written
# after the first mark (``(?<![.!?…]{2})``: the character before it is not a mark) rather
# than as a leading lookbehind, so the pattern starts with a character class and the engine
# skips straight to the marks instead of trying every character (3x faster).
_BOUNDARY = re.compile(
    r"([.!?…](?<![.!?…]{2})[.!?…]*+)([\"”’)\]]*+)(\s++)(?=[\"“‘(\[\-–—]?\s?[0-9A-ZÀ-ỸĐ])"
)
_QUOTES = re.compile(r"[\"“”]")


def _is_abbreviation(token: str) -> bool:
    """True when ``token`` (the text right before a dot) cannot end a sentence."""
    word = token.lstrip('("“‘[')
    if not word:
        return False
    rules = sentence_rules()
    if word.lower() in rules.abbreviations:
        return True
    if not _VOWELS.isdisjoint(word):
        return False
    # No vowel: an initial or abbreviation (Th., Tr., H., TP., GS., PGS., ThS.) — but an
    # all-capital acronym of 3+ letters (UBND., HĐND., GTVT.) often ends a sentence.
    if word.isupper() and len(word) >= 3 and word not in rules.never_final_acronyms:
        return False
    return word.isalpha()


def _token_before(paragraph: str, lo: int, end: int) -> str | None:
    """The whitespace-free token ending at ``end`` (what ``(\\S+)$`` finds in
    ``paragraph[:end]``). The caller passes ``lo``, the end of the previous boundary match,
    whose last character is whitespace, so the token starts at or after it: only the text
    since that match is looked at, and no boundary rescans the text before it (searching
    back to the start was quadratic on long space-free runs)."""
    if end == lo or paragraph[end - 1].isspace():
        return None
    return paragraph[lo:end].rsplit(None, 1)[-1]


def _quoted_spans(paragraph: str) -> list[tuple[int, int]]:
    """Spans between paired quote marks, in order and disjoint; an unpaired last mark is
    ignored."""
    marks = [m.start() for m in _QUOTES.finditer(paragraph)]
    return [(marks[i], marks[i + 1]) for i in range(0, len(marks) - 1, 2)]


def _in_span(spans: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    """True when ``pos`` lies strictly inside one of the sorted, disjoint ``spans``
    (``starts`` are their first offsets): a bisection, not a scan of every span."""
    i = bisect_left(starts, pos)  # spans[i - 1] is the last one starting before pos
    return i > 0 and pos < spans[i - 1][1]


def _split_paragraph(paragraph: str) -> list[str]:
    spans = _quoted_spans(paragraph)
    span_starts = [a for a, _ in spans]
    sentences: list[str] = []
    start = 0
    previous_end = 0  # end of the previous candidate, taken or not
    for m in _BOUNDARY.finditer(paragraph):
        end = m.end(2)  # keep the punctuation and closing quotes with the sentence
        lo, previous_end = previous_end, m.end()
        if _in_span(spans, span_starts, m.start(1)):
            continue
        if m.group(1) == ".":
            before = _token_before(paragraph, lo, m.start(1))
            if before and _is_abbreviation(before):
                continue
        sentence = paragraph[start:end].strip()
        if sentence:
            sentences.append(sentence)
        start = m.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def split_sentences(text: str) -> list[str]:
    """Split normalised text into sentences; every line break is a boundary."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        paragraph = paragraph.strip()
        if paragraph:
            out.extend(_split_paragraph(paragraph))
    return out
